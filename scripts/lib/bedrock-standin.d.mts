// Types for bedrock-standin.mjs, for the TypeScript that starts it (tests/workers/global-setup.ts).
export type StandinModality = "text" | "image" | "video" | "audio";

export type StandinFailure =
  | { status: 429 | 500 | 503; times?: number; retryAfterSeconds?: number }
  | { timeout: true; times?: number }
  | { jobFailure: string; times?: number }
  /** Streamed text: an exception event (Bedrock) or error event (OpenAI) after `afterChunks` pieces (default 2). */
  | { streamException: string; afterChunks?: number; times?: number }
  /** Streamed text: the connection ends halfway through a frame after `afterChunks` pieces (default 2). */
  | { streamCut: true; afterChunks?: number; times?: number }
  /** Converse and non-streamed chat completions answer with prose where JSON was asked; streams are left alone. */
  | { badJson: true; times?: number };

/** Streamed answers: milliseconds from the headers to the first piece of text, and between pieces. */
export type StandinStream = { firstTokenMs?: number; chunkMs?: number };

export type StandinBehaviour = {
  delays?: Partial<Record<StandinModality, number>>;
  failures?: Partial<Record<StandinModality, StandinFailure | null>>;
  stream?: StandinStream;
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
  setBehaviour(behaviour?: StandinBehaviour): { delays: Record<StandinModality, number>; failures: Record<string, unknown>; stream: Required<StandinStream> };
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
  stream?: StandinStream;
  credentials?: { accessKeyId: string; secretAccessKey: string; region?: string; sessionToken?: string };
  openaiKey?: string;
}): Promise<BedrockStandin>;

/** One AWS event-stream message with string headers and a JSON payload. */
export function eventStreamFrame(headers: Record<string, string>, payload: unknown): Uint8Array;

export function makePng(width: number, height: number, seedText: string): Uint8Array;
