// Runs in Node before the Workers pool starts: workerd cannot open a listening socket, so the
// Bedrock stand-in lives here and the tests reach it over HTTP at the URL provided to them.
import type { TestProject } from "vitest/node";
import { standinEnv, startBedrockStandin } from "../../scripts/lib/bedrock-standin.mjs";
import { STANDIN_MAIL_KEY, startMailStandin } from "./mail-standin";
import { startExportTools } from "./export-tools";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the stand-in and the Worker vars that point the providers at it. */
    bedrockStandin: { url: string; env: Record<string, string> };
    /** A second stand-in for the pipeline tests, so their injected failures never meet the provider tests'. */
    pipelineStandin: { url: string; env: Record<string, string> };
    /** A third for the streamed-passage tests (ai-stream.test.ts), whose injected stream failures and time to first token stay theirs. */
    streamStandin: { url: string; env: Record<string, string> };
    /** A fourth for the story media tests (story-media.test.ts), whose Polly requests are counted. */
    mediaStandin: { url: string; env: Record<string, string> };
    /** A fourth for scene revisions and refine (story-revisions.test.ts). */
    revisionsStandin: { url: string; env: Record<string, string> };
    /** One for voice prompts (transcribe.test.ts), whose transcription requests are read back. */
    voiceStandin: { url: string; env: Record<string, string> };
    /** Base URL of the HTTP mail API stand-in (tests/workers/mail-standin.ts). */
    mailStandin: { url: string; key: string };
    /** EPUBCheck and pandoc behind HTTP, for the story export tests (tests/workers/export-tools.ts). */
    exportTools: { url: string };
  }
}

export default async function setup(project: TestProject) {
  const standin = await startBedrockStandin();
  const pipeline = await startBedrockStandin();
  const streaming = await startBedrockStandin();
  const mail = await startMailStandin();
  const media = await startBedrockStandin();
  project.provide("mediaStandin", { url: media.url, env: standinEnv(media.url) });
  const exportTools = await startExportTools();
  project.provide("exportTools", { url: exportTools.url });
  const revisions = await startBedrockStandin();
  project.provide("revisionsStandin", { url: revisions.url, env: standinEnv(revisions.url) });
  const voice = await startBedrockStandin();
  project.provide("voiceStandin", { url: voice.url, env: standinEnv(voice.url) });
  project.provide("mailStandin", { url: mail.url, key: STANDIN_MAIL_KEY });
  project.provide("bedrockStandin", { url: standin.url, env: standinEnv(standin.url) });
  project.provide("pipelineStandin", { url: pipeline.url, env: standinEnv(pipeline.url) });
  project.provide("streamStandin", { url: streaming.url, env: standinEnv(streaming.url) });
  return async () => {
    await standin.close();
    await pipeline.close();
    await streaming.close();
    await mail.close();
    await media.close();
    await exportTools.close();
    await revisions.close();
    await voice.close();
  };
}
