// Types for bedrock-standin.mjs, for the TypeScript that starts it (tests/workers/global-setup.ts).
export type StandinModality = "text" | "image" | "video" | "audio";

export type StandinFailure =
  | { status: 429 | 500 | 503; times?: number; retryAfterSeconds?: number }
  | { timeout: true; times?: number }
  | { jobFailure: string; times?: number };

export type StandinBehaviour = {
  delays?: Partial<Record<StandinModality, number>>;
  failures?: Partial<Record<StandinModality, StandinFailure | null>>;
};

export type StandinRequest = {
  at: string;
  service: "bedrock" | "polly" | "s3" | "openai" | "unknown";
  operation: string;
  modality?: StandinModality;
  method: string;
  path: string;
  model?: string;
  task?: string;
  status: number;
  ok: boolean;
  error?: string;
};

export type BedrockStandin = {
  url: string;
  port: number;
  requests: StandinRequest[];
  setBehaviour(behaviour?: StandinBehaviour): { delays: Record<StandinModality, number>; failures: Record<string, unknown> };
  reset(): void;
  close(): Promise<void>;
};

export const STANDIN_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string; region: string }>;
export const STANDIN_OPENAI_KEY: string;
export const STANDIN_REEL_S3_URI: string;

export function standinEnv(url: string): Record<string, string>;

export function startBedrockStandin(options?: {
  port?: number;
  host?: string;
  delays?: Partial<Record<StandinModality, number>>;
  failures?: StandinBehaviour["failures"];
  credentials?: { accessKeyId: string; secretAccessKey: string; region?: string; sessionToken?: string };
  openaiKey?: string;
}): Promise<BedrockStandin>;

export function makePng(width: number, height: number, seedText: string): Uint8Array;
