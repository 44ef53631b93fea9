// SPEC §7, pipeline: with a Bedrock stand-in that delays refine 200 ms, image 400 ms, video 800 ms
// and audio 300 ms, one job (text → image, video and audio in parallel → graph → notice) takes at
// most 1.15 × (200 + 800) ms end to end; a job on the offline `local` provider takes ≤ 300 ms p50.
// End to end is measured as a person sees it: from the POST to the job reading `succeeded`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { applyMigrations } from "../../scripts/lib/local-d1.mjs";
import { seedFixtureWorld } from "../../scripts/lib/fixture-world.mjs";
import { standinEnv, startBedrockStandin } from "../../scripts/lib/bedrock-standin.mjs";
import { startServer } from "../../scripts/lib/server.mjs";
import { percentiles, round, signIn } from "../lib/http.mjs";

export const name = "pipeline";
export const title = "one generation job end to end: Bedrock stand-in (200/400/800/300 ms) and the local provider";
export const serve = "wrangler";

const DELAYS = { text: 200, image: 400, video: 800, audio: 300 };
const CRITICAL_PATH_MS = DELAYS.text + Math.max(DELAYS.image, DELAYS.video, DELAYS.audio);
const JOBS = Number(process.env.BENCH_PIPELINE_JOBS ?? 10);
const LOCAL_PORT = Number(process.env.BENCH_LOCAL_PORT ?? 8797);
const FIXTURE = { userId: "pipelineowner001", email: "pipeline@loreloom.local", password: "pipeline-password-1", worldId: "pipelineworld001", title: "Pipeline", elementCount: 6, relationshipCount: 5 };

let standin = null;

export async function prepare({ stateDir }) {
  await seedFixtureWorld(stateDir, FIXTURE);
  standin = await startBedrockStandin({ delays: DELAYS });
}

/** The Worker's vars for this scenario's server: every modality on Bedrock, via the stand-in. */
export function vars() {
  return { ...standinEnv(standin.url), AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false", GENERATION_PER_MINUTE: "1000" };
}

export async function cleanup() {
  await standin?.close();
  standin = null;
}

/** Runs `count` jobs one after another; each prompt differs so none comes from the cache. */
async function jobTimes(url, count, label) {
  const cookie = await signIn(url, FIXTURE.email, FIXTURE.password);
  const times = [];
  const stageTimes = {};
  for (let i = 0; i <= count; i += 1) {
    const started = performance.now();
    const response = await fetch(`${url}/api/worlds/${FIXTURE.worldId}/generate`, {
      method: "POST",
      headers: { cookie, origin: url, "content-type": "application/json" },
      body: JSON.stringify({ prompt: `${label} ${i}: a lantern-maker who trades in bottled storms`, type: "character" }),
    });
    if (response.status !== 202) throw new Error(`generate answered ${response.status}: ${await response.text()}`);
    const { job } = await response.json();
    const accepted = performance.now() - started;
    let current = job;
    while (!["succeeded", "failed", "cancelled"].includes(current.status)) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      current = (await (await fetch(`${url}/api/jobs/${job.id}`, { headers: { cookie } })).json()).job;
    }
    if (current.status !== "succeeded") throw new Error(`job ${job.id} ${current.status}: ${current.error}`);
    // The first job warms the isolate (and, for local, the speech engine): not counted.
    if (i === 0) continue;
    times.push(performance.now() - started);
    for (const stage of current.stages) (stageTimes[stage.stage] ??= []).push(stage.durationMs);
    // Where the rest goes: from the job's creation to its first stage (queue delivery and set-up).
    const firstStart = Math.min(...current.stages.map((s) => Date.parse(s.startedAt)));
    (stageTimes["queue wait"] ??= []).push(firstStart - Date.parse(current.createdAt));
    (stageTimes["202 after"] ??= []).push(Math.round(accepted));
    (stageTimes["after last stage"] ??= []).push(Date.parse(current.updatedAt) - Math.max(...current.stages.map((s) => Date.parse(s.finishedAt))));
  }
  return { latency: percentiles(times), stages: Object.fromEntries(Object.entries(stageTimes).map(([stage, ms]) => [stage, percentiles(ms).p50])) };
}

export async function run({ url }) {
  const bedrock = await jobTimes(url, JOBS, "bedrock");
  const requests = standin.requests.length;

  // The local provider on a server of its own with the default configuration.
  const stateDir = mkdtempSync(join(tmpdir(), "loreloom-bench-pipeline-local-"));
  let local;
  try {
    applyMigrations(stateDir);
    await seedFixtureWorld(stateDir, FIXTURE);
    const server = await startServer({ port: LOCAL_PORT, stateDir, build: false, seed: false, quiet: true, via: "wrangler" });
    try {
      local = await jobTimes(server.url, JOBS, "local");
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(stateDir, { recursive: true, force: true });
  }

  const budget = 1.15 * CRITICAL_PATH_MS;
  const stageSummary = (stages) => Object.entries(stages).map(([stage, ms]) => `${stage} ${ms}`).join(", ");
  return {
    rows: [
      { case: `bedrock stand-in (${DELAYS.text}/${DELAYS.image}/${DELAYS.video}/${DELAYS.audio} ms)`, jobs: bedrock.latency.n, p50: bedrock.latency.p50, p99: bedrock.latency.p99, "stage p50 ms": stageSummary(bedrock.stages) },
      { case: "local provider", jobs: local.latency.n, p50: local.latency.p50, p99: local.latency.p99, "stage p50 ms": stageSummary(local.stages) },
    ],
    checks: [
      { what: "bedrock job end to end p50 (ms)", value: bedrock.latency.p50, budget: `≤ ${round(budget, 0)} (1.15 × ${CRITICAL_PATH_MS})`, ok: bedrock.latency.p50 <= budget },
      { what: "local job p50 (ms)", value: local.latency.p50, budget: "≤ 300", ok: local.latency.p50 <= 300 },
      { what: "stand-in requests signed and well-formed", value: `${standin.requests.filter((r) => r.ok).length}/${requests}`, budget: "all", ok: standin.requests.every((r) => r.ok) },
    ],
  };
}
