// Runs in Node before the Workers pool starts: workerd cannot open a listening socket, so the
// Bedrock stand-in lives here and the tests reach it over HTTP at the URL provided to them.
import type { TestProject } from "vitest/node";
import { standinEnv, startBedrockStandin } from "../../scripts/lib/bedrock-standin.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the stand-in and the Worker vars that point the providers at it. */
    bedrockStandin: { url: string; env: Record<string, string> };
    /** A second stand-in for the pipeline tests, so their injected failures never meet the provider tests'. */
    pipelineStandin: { url: string; env: Record<string, string> };
  }
}

export default async function setup(project: TestProject) {
  const standin = await startBedrockStandin();
  const pipeline = await startBedrockStandin();
  project.provide("bedrockStandin", { url: standin.url, env: standinEnv(standin.url) });
  project.provide("pipelineStandin", { url: pipeline.url, env: standinEnv(pipeline.url) });
  return async () => {
    await standin.close();
    await pipeline.close();
  };
}
