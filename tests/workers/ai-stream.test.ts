// Story passages streamed by the remote providers (issue 17, point 6), against a Bedrock stand-in
// of their own (global-setup.ts): ConverseStream must be signed and shaped as Converse is, and its answer is
// the real event-stream framing with CRCs, written by the stand-in's own encoder; the
// OpenAI-compatible endpoint streams Server-Sent Events. Failures in the middle of a stream (an
// exception event, a cut connection, a stall) must end as ProviderErrors, never as a hang.
// *New story* on Bedrock outlines through Converse (JSON) and writes through ConverseStream; an
// outline that is not JSON moves down the chain or fails the job with its reason. *Check continuity*
// on Bedrock adds the model's issues to the rules', and a model that fails leaves the rules' alone.
// *Continue* opens its stream through the chain (retried, then passed down) until the first words
// arrive; a stream cut after them keeps what it wrote and fails the job rather than retrying it.
import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, inject, it } from "vitest";
import type * as Y from "yjs";
import { addMember, call, createWorld, signUp } from "./helpers";
import { RoomClient } from "./room-client";
import { sceneTextOf } from "../../durable-objects/story-room/story-doc";
import { runStoryContinueJob } from "../../workers/jobs/story-continue";
import { runStoryCheckJob } from "../../workers/jobs/story-check";
import { runStoryWriteJob } from "../../workers/jobs/story-write";
import { resetBreakers } from "../../workers/ai/resilience";
import { BEDROCK_MODELS, bedrockConfigFromEnv, bedrockProviders } from "../../workers/ai/bedrock";
import { openAiConfigFromEnv, openAiProviders } from "../../workers/ai/openai";
import { ProviderError, type CallContext, type PassageRequest, type PassageStream } from "../../workers/ai/types";
import { workersAiProviders } from "../../workers/ai/workers-ai";

const standin = inject("streamStandin");

const context: CallContext = {
  world: { title: "Tidewrack", description: "A drowned archipelago.", style: "steampunk", tags: ["sea"] },
  seed: "passage-seed",
};

const request: PassageRequest = {
  context: "## Elements\n- Mira Vale (character): a lighthouse keeper.",
  story: { title: "The Bell", premise: "A bell rings under the sea.", template: "mystery", audience: "adults", tone: "quiet", pointOfView: "third" },
  scene: {
    title: "Dusk",
    pov: { name: "Mira Vale", type: "character", description: "A lighthouse keeper.", tags: [] },
    location: { name: "Harrowgate", type: "location", description: "A harbour town.", tags: [] },
  },
  recentText: "The bell rang twice and stopped.",
  direction: "the queen learns of the betrayal",
  cast: [],
  words: 120,
};

type LoggedRequest = { operation: string; model?: string; task?: string; status: number; ok: boolean; error?: string };

async function behave(behaviour: Record<string, unknown>) {
  const response = await fetch(`${standin.url}/__standin/behaviour`, { method: "POST", body: JSON.stringify(behaviour) });
  expect(response.ok).toBe(true);
}

async function loggedRequests(): Promise<LoggedRequest[]> {
  const response = await fetch(`${standin.url}/__standin/requests`);
  return ((await response.json()) as { requests: LoggedRequest[] }).requests;
}

async function drain(stream: PassageStream): Promise<string[]> {
  const pieces: string[] = [];
  for await (const piece of stream.chunks) pieces.push(piece);
  return pieces;
}

/** The error a stream ends with, and the text it gave before. */
async function failure(stream: Promise<PassageStream>): Promise<{ error: ProviderError; text: string }> {
  let text = "";
  try {
    for await (const piece of (await stream).chunks) text += piece;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return { error: error as ProviderError, text };
  }
  throw new Error(`the stream ended without an error after: ${text}`);
}

const bedrock = () => bedrockProviders(bedrockConfigFromEnv(standin.env));
const openai = () => openAiProviders(openAiConfigFromEnv(standin.env));

beforeEach(async () => {
  await fetch(`${standin.url}/__standin/reset`, { method: "POST" });
});

describe("bedrock ConverseStream", () => {
  it("streams a passage in several pieces, signed and shaped as Converse, with the usage of its metadata event", async () => {
    const stream = await bedrock().text.streamPassage!(request, context);
    expect(stream).toMatchObject({ provider: "bedrock", model: BEDROCK_MODELS.lite });
    const pieces = await drain(stream);
    expect(pieces.length).toBeGreaterThan(5);
    const text = pieces.join("");
    // The stand-in writes about the scene's people and place, and the direction happens in it.
    expect(text).toContain("Mira Vale");
    expect(text).toContain("Harrowgate");
    expect(text).toContain("the queen learns of the betrayal");
    expect(text.split(/\s+/).length).toBeGreaterThanOrEqual(120);
    const usage = stream.usage();
    expect(usage.outputTokens).toBe(Math.ceil(text.length / 4));
    expect(usage.inputTokens).toBeGreaterThan(100);
    expect(usage.costUsd).toBeGreaterThan(0);
    const [logged] = await loggedRequests();
    expect(logged).toMatchObject({ operation: "ConverseStream", model: BEDROCK_MODELS.lite, task: "passage", status: 200, ok: true });
  });

  it("is refused like Converse when the signature is wrong: a 403 that is not retryable", async () => {
    const wrong = bedrockProviders({ ...bedrockConfigFromEnv(standin.env), secretAccessKey: "not-the-secret" });
    const error = await wrong.text.streamPassage!(request, context).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).options).toMatchObject({ retryable: false, status: 403, code: "InvalidSignatureException" });
  });

  it("throttling before the stream starts is a retryable 429", async () => {
    await behave({ failures: { text: { status: 429, retryAfterSeconds: 2 } } });
    const error = await bedrock().text.streamPassage!(request, context).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((error as ProviderError).options).toMatchObject({ retryable: true, status: 429, retryAfterMs: 2000 });
  });

  it("a throttlingException event in the middle of the stream ends it with a retryable error, after the text that came", async () => {
    await behave({ failures: { text: { streamException: "throttlingException", afterChunks: 3 } } });
    const { error, text } = await failure(bedrock().text.streamPassage!(request, context));
    expect(error.options).toMatchObject({ retryable: true, code: "throttlingException" });
    expect(text.split(/\s+/).filter(Boolean).length).toBe(9);
  });

  it("a validationException event is final", async () => {
    await behave({ failures: { text: { streamException: "validationException", afterChunks: 0 } } });
    const { error } = await failure(bedrock().text.streamPassage!(request, context));
    expect(error.options).toMatchObject({ retryable: false, code: "validationException" });
  });

  it("a connection cut halfway through a frame is a retryable truncated stream", async () => {
    await behave({ failures: { text: { streamCut: true, afterChunks: 4 } } });
    const { error, text } = await failure(bedrock().text.streamPassage!(request, context));
    expect(error.options).toMatchObject({ retryable: true });
    expect(["stream_truncated", "network"]).toContain(error.options.code);
    expect(text.length).toBeGreaterThan(0);
  });

  it("a stream that stalls before its first word ends when the caller's signal does, as a retryable timeout", async () => {
    await behave({ stream: { firstTokenMs: 30_000 } });
    const controller = new AbortController();
    const stream = await bedrock().text.streamPassage!(request, { ...context, signal: controller.signal });
    const reading = failure(Promise.resolve(stream));
    controller.abort(new Error("cancelled by the test"));
    const { error, text } = await reading;
    expect(error.options).toMatchObject({ retryable: true, code: "timeout" });
    expect(text).toBe("");
  });

  it("the stand-in's stream failures wait for a streamed call: Converse still answers", async () => {
    await behave({ failures: { text: { streamException: "throttlingException" } } });
    const element = await bedrock().text.element({ prompt: "a lighthouse keeper" }, context);
    expect(element.value.name.length).toBeGreaterThan(0);
    const { error } = await failure(bedrock().text.streamPassage!(request, context));
    expect(error.options.code).toBe("throttlingException");
  });
});

describe("openai streamed chat completions", () => {
  it("streams a passage from SSE chunks, with the usage the server reports last", async () => {
    const stream = await openai().text.streamPassage!(request, context);
    expect(stream).toMatchObject({ provider: "openai", model: "standin-chat" });
    const pieces = await drain(stream);
    expect(pieces.length).toBeGreaterThan(5);
    const text = pieces.join("");
    expect(text).toContain("Mira Vale");
    expect(text).toContain("the queen learns of the betrayal");
    expect(stream.usage().outputTokens).toBe(Math.ceil(text.length / 4));
    const [logged] = await loggedRequests();
    expect(logged).toMatchObject({ operation: "ChatCompletions", task: "passage", ok: true });
  });

  it("an error event in the middle of the stream is a ProviderError, retryable for rate limits", async () => {
    await behave({ failures: { text: { streamException: "rate_limit_exceeded", afterChunks: 2 } } });
    const limited = await failure(openai().text.streamPassage!(request, context));
    expect(limited.error.options).toMatchObject({ retryable: true, code: "rate_limit_exceeded" });
    expect(limited.text.length).toBeGreaterThan(0);
    await behave({ failures: { text: { streamException: "invalid_request_error", afterChunks: 0 } } });
    const refused = await failure(openai().text.streamPassage!(request, context));
    expect(refused.error.options).toMatchObject({ retryable: false, code: "invalid_request_error" });
  });

  it("a stream that ends without [DONE] or a finish reason is a retryable truncated stream", async () => {
    await behave({ failures: { text: { streamCut: true, afterChunks: 3 } } });
    const { error } = await failure(openai().text.streamPassage!(request, context));
    expect(error.options.retryable).toBe(true);
  });
});

describe("workers-ai streamed run (a fake binding that answers with recorded SSE bytes)", () => {
  const recorded = (parts: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(new TextEncoder().encode(part));
        controller.close();
      },
    });

  it("reads the pieces and the usage of the last event, and asks the binding for a stream", async () => {
    let asked: Record<string, unknown> = {};
    const providers = workersAiProviders({
      async run(_model, inputs) {
        asked = inputs;
        return recorded(['data: {"response":"The bell","p":"ab"}\n\nda', 'ta: {"response":" rang again."}\r\n\r\n', 'data: {"response":"","usage":{"prompt_tokens":812,"completion_tokens":6}}\n\ndata: [DONE]\n\n']);
      },
    });
    const stream = await providers.text.streamPassage!(request, context);
    expect(await drain(stream)).toEqual(["The bell", " rang again."]);
    expect(stream.usage()).toMatchObject({ inputTokens: 812, outputTokens: 6 });
    expect(stream.usage().costUsd).toBeGreaterThan(0);
    expect(asked).toMatchObject({ stream: true });
    expect(JSON.stringify(asked.messages)).toContain("Task: passage");
  });

  it("maps a busy binding, a non-stream answer, a stream without [DONE], and a stall", async () => {
    const busy = workersAiProviders({ run: () => Promise.reject(new Error("AiError: 3040: Capacity temporarily exceeded")) });
    const capacity = await busy.text.streamPassage!(request, context).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((capacity as ProviderError).retryable).toBe(true);

    const notStream = workersAiProviders({ run: async () => ({ response: "all at once" }) });
    const shape = await notStream.text.streamPassage!(request, context).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((shape as ProviderError).options).toMatchObject({ retryable: false, code: "bad_response" });

    const cut = workersAiProviders({ run: async () => recorded(['data: {"response":"The bell"}\n\n']) });
    expect((await failure(cut.text.streamPassage!(request, context))).error.options).toMatchObject({ retryable: true, code: "stream_truncated" });

    const controller = new AbortController();
    const stalled = workersAiProviders({ run: async () => new ReadableStream<Uint8Array>({ start() {} }) });
    const reading = failure(stalled.text.streamPassage!(request, { ...context, signal: controller.signal }));
    controller.abort(new Error("cancelled by the test"));
    expect((await reading).error.options).toMatchObject({ retryable: true, code: "timeout" });
  });

  it("stops a passage whose text turns to what the studio never writes, even when the phrase is split across pieces", async () => {
    const providers = workersAiProviders({
      run: async () => recorded(['data: {"response":"Here are the steps to make a "}\n\n', 'data: {"response":"nerve agent at home."}\n\ndata: [DONE]\n\n']),
    });
    const { error, text } = await failure(providers.text.streamPassage!(request, context));
    expect(error.options).toMatchObject({ retryable: false, code: "moderation" });
    expect(text).toBe("Here are the steps to make a ");
  });
});

describe("Continue on bedrock: the story_continue job streams ConverseStream into the story's room", () => {
  it("writes the stand-in's passage for a second person to watch, marked as Bedrock's, and charges its usage", async () => {
    const owner = await signUp("Writer");
    const viewer = await signUp("Reader");
    const world = await createWorld(owner);
    await addMember(world.id, viewer, "viewer");
    const element = async (type: string, name: string, description: string) =>
      (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description } })).json.element.id as string;
    const mira = await element("character", "Mira Vale", "A brave young bell-ringer who never lies.");
    const well = await element("location", "The Old Well", "A mossy well at the edge of the village.");
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Bell", template: "mystery" } })).json.story as { id: string };
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Dusk", text: "Mira Vale climbed down to the well.", pov: mira, location: well } }))
      .json.scene.id as string;
    const { client: watcher } = await RoomClient.connectTo(`${base}/room`, viewer.cookie);
    if (!watcher) throw new Error("the reader could not join the story");

    // The job row as the continue route writes it, run here with the stand-in's Bedrock as the provider.
    const jobId = "streamjob0000001";
    const input = { storyId: story.id, sceneId: scene, direction: "the queen learns of the betrayal", words: 120 };
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'story_continue', 'queued', ?)")
      .bind(jobId, world.id, owner.id, JSON.stringify(input))
      .run();
    const bedrockEnv = { ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false" } as unknown as Env;
    await runStoryContinueJob(jobId, bedrockEnv);

    const row = await env.DB.prepare("select status, error, cost_estimate as cost, result from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null; cost: number; result: string }>();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect(row!.cost).toBeGreaterThan(0);
    expect(JSON.parse(row!.result)).toMatchObject({ provider: "bedrock", model: BEDROCK_MODELS.lite, offline: false, sceneId: scene });

    await watcher.until(() => sceneTextOf(watcher.doc, scene).length > 1);
    const paragraphs = sceneTextOf(watcher.doc, scene).toArray() as Y.XmlElement[];
    const runs = paragraphs.slice(1).flatMap((p) => (p.get(0) as Y.XmlText).toDelta() as Array<{ insert: string; attributes?: { ai?: unknown } }>);
    for (const run of runs) expect(run.attributes?.ai).toEqual({ job: jobId, provider: "bedrock", model: BEDROCK_MODELS.lite, offline: false });
    const passage = runs.map((run) => run.insert).join("");
    expect(passage).toContain("the queen learns of the betrayal");
    expect(passage).toContain("Mira Vale");
    const logged = (await loggedRequests()).filter((r) => r.operation === "ConverseStream");
    expect(logged).toEqual([expect.objectContaining({ task: "passage", ok: true })]);
    watcher.close();
  });
});

describe("Continue when the provider fails", () => {
  /** A scene with a line of text, a reader watching the story, and a queued `story_continue` job. */
  async function sceneToContinue(jobId: string) {
    const owner = await signUp("Writer");
    const reader = await signUp("Reader");
    const world = await createWorld(owner);
    await addMember(world.id, reader, "viewer");
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Bell", template: "mystery" } })).json.story as { id: string };
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Dusk", text: "The bell rang once." } })).json.scene.id as string;
    const { client: watcher } = await RoomClient.connectTo(`${base}/room`, reader.cookie);
    if (!watcher) throw new Error("the reader could not join the story");
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'story_continue', 'queued', ?)")
      .bind(jobId, world.id, owner.id, JSON.stringify({ storyId: story.id, sceneId: scene, direction: null, words: 120 }))
      .run();
    const aiRuns = () =>
      (sceneTextOf(watcher.doc, scene).toArray() as Y.XmlElement[])
        .slice(1)
        .flatMap((p) => (p.get(0) as Y.XmlText).toDelta() as Array<{ insert: string; attributes?: { ai?: { provider: string; offline: boolean } } }>)
        .filter((run) => run.attributes?.ai);
    const job = () => env.DB.prepare("select status, error, result from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null; result: string | null }>();
    return { watcher, aiRuns, job };
  }
  const bedrockEnv = (fallbackLocal: boolean) => ({ ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: String(fallbackLocal), AI_RETRY_BASE_MS: "1" }) as unknown as Env;
  afterEach(() => resetBreakers());

  it("throttled before the first words, it is retried, then passed down the chain: the offline writer writes it, labelled as such", async () => {
    const { watcher, aiRuns, job } = await sceneToContinue("fallbackjob00001");
    await behave({ failures: { text: { status: 429, times: 100 } } });
    await runStoryContinueJob("fallbackjob00001", bedrockEnv(true));

    const row = await job();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect(JSON.parse(row!.result!)).toMatchObject({ provider: "local", offline: true });
    await watcher.until(() => aiRuns().length > 0);
    for (const run of aiRuns()) expect(run.attributes!.ai).toMatchObject({ provider: "local", offline: true });
    // Both Bedrock models were asked (and retried) before the offline writer took over.
    const asked = (await loggedRequests()).filter((r) => r.operation === "ConverseStream");
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(new Set(asked.map((r) => r.model))).toEqual(new Set([BEDROCK_MODELS.lite, BEDROCK_MODELS.micro]));
    expect(asked.every((r) => r.status === 429)).toBe(true);
    watcher.close();
  });

  it("cut off in the middle, the words already written stay, and the job fails saying so rather than being retried into a second passage", async () => {
    const { watcher, aiRuns, job } = await sceneToContinue("brokenjob0000001");
    await behave({ failures: { text: { streamException: "throttlingException", afterChunks: 3 } } });
    // Resolves rather than throwing: a thrown retryable error would have the queue run it again.
    await runStoryContinueJob("brokenjob0000001", bedrockEnv(true));

    const row = await job();
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/stopped partway \(bedrock: .*\)\. What it wrote is kept/);
    await watcher.until(() => aiRuns().length > 0);
    expect(aiRuns().every((run) => run.attributes?.ai?.provider === "bedrock")).toBe(true);
    expect(aiRuns().map((run) => run.insert).join("").length).toBeGreaterThan(0);
    // One stream only: nothing was asked again after the cut.
    expect((await loggedRequests()).filter((r) => r.operation === "ConverseStream")).toHaveLength(1);
    watcher.close();
  });
});

describe("Stop: anyone in the story may stop the AI while it writes", () => {
  it("ends the passage where it stands when the job is cancelled, and says so to everyone in the story", async () => {
    const owner = await signUp("Writer");
    const editor = await signUp("Co-writer");
    const world = await createWorld(owner);
    await addMember(world.id, editor, "editor");
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Bell", template: "mystery" } })).json.story as { id: string };
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Dusk", text: "The bell rang once." } })).json.scene.id as string;
    const { client: watcher } = await RoomClient.connectTo(`${base}/room`, editor.cookie);
    if (!watcher) throw new Error("the co-writer could not join the story");
    // A slow stream: a piece every 200 ms, so there is time to stop it halfway.
    await behave({ stream: { firstTokenMs: 0, chunkMs: 200 } });
    const jobId = "stopjob000000001";
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'story_continue', 'queued', ?)")
      .bind(jobId, world.id, owner.id, JSON.stringify({ storyId: story.id, sceneId: scene, direction: null, words: 200 }))
      .run();
    const running = runStoryContinueJob(jobId, { ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false" } as unknown as Env);
    const aiText = () =>
      (sceneTextOf(watcher.doc, scene).toArray() as Y.XmlElement[])
        .slice(1)
        .flatMap((p) => (p.get(0) as Y.XmlText).toDelta() as Array<{ insert: string; attributes?: { ai?: unknown } }>)
        .filter((run) => run.attributes?.ai)
        .map((run) => run.insert)
        .join("");
    await watcher.until(() => aiText().length > 0);
    const stopped = await call("POST", `/api/jobs/${jobId}/cancel`, { cookie: editor.cookie });
    expect(stopped.status, stopped.text).toBe(200);
    await running;
    const atStop = aiText();
    const row = await env.DB.prepare("select status from jobs where id = ?").bind(jobId).first<{ status: string }>();
    expect(row?.status).toBe("cancelled");
    await watcher.waitFor((m) => m.type === "job" && (m as { jobId?: string }).jobId === jobId && (m as { status?: string }).status === "cancelled");
    // Nothing more arrives after the stop (the stand-in would still be sending a piece every 200 ms),
    // and the passage was not checked or charged as finished.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(aiText()).toBe(atStop);
    const issues = await env.DB.prepare("select count(*) as n from story_issues where job_id = ?").bind(jobId).first<{ n: number }>();
    expect(issues?.n).toBe(0);
    watcher.close();
  });
});

describe("New story on bedrock: the story_write job outlines with Converse and writes with ConverseStream", () => {
  /** A world with two people and two places, a story in it, and a `story_write` job row as the stories route writes it. */
  async function storyToWrite(jobId: string) {
    const owner = await signUp("Writer");
    const world = await createWorld(owner);
    const ids = new Map<string, string>();
    for (const [type, name] of [["character", "Mira Vale"], ["character", "Tobin"], ["location", "Harrowgate"], ["location", "The Old Well"]] as const) {
      const created = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description: `${name} of the valley.` } });
      ids.set(name, created.json.element.id as string);
    }
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "Untitled", template: "mystery" } })).json.story as { id: string };
    const input = { storyId: story.id, prompt: "A stolen bell in winter", length: "short", titleFromOutline: true };
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'story_write', 'queued', ?)")
      .bind(jobId, world.id, owner.id, JSON.stringify(input))
      .run();
    const read = async () => (await call("GET", `/api/worlds/${world.id}/stories/${story.id}`, { cookie: owner.cookie })).json.story;
    const job = () => env.DB.prepare("select status, error, result from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null; result: string | null }>();
    return { ids, read, job };
  }
  const bedrockEnv = (fallbackLocal: boolean) => ({ ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: String(fallbackLocal) }) as unknown as Env;

  it("places Bedrock's outline in the story, with its people and places resolved, and writes the first chapter from its beats", async () => {
    const { ids, read, job } = await storyToWrite("writejob00000001");
    await runStoryWriteJob("writejob00000001", bedrockEnv(false));

    const row = await job();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    const result = JSON.parse(row!.result!);
    expect(result.outline).toEqual({ provider: "bedrock", model: BEDROCK_MODELS.lite, offline: false, chapters: 1, scenes: 3 });
    expect(result.written).toHaveLength(3);
    for (const written of result.written) expect(written).toMatchObject({ provider: "bedrock", model: BEDROCK_MODELS.lite, offline: false });

    const story = await read();
    // The stand-in names the story after the first person the prompt listed; the person gave no title.
    expect(story.title).toMatch(/^Mira Vale and the /);
    expect(story.chapters).toHaveLength(1);
    const scenes = story.chapters[0].scenes as Array<{ summary: string; pov: string | null; location: string | null; wordCount: number }>;
    expect(scenes).toHaveLength(3);
    for (const scene of scenes) {
      expect(scene.summary).toContain("A stolen bell in winter");
      expect([ids.get("Mira Vale"), ids.get("Tobin")]).toContain(scene.pov);
      expect([ids.get("Harrowgate"), ids.get("The Old Well")]).toContain(scene.location);
      expect(scene.wordCount).toBeGreaterThan(120);
    }
    const logged = await loggedRequests();
    // One outline, then each scene written and checked by the model.
    expect(logged.filter((r) => r.operation === "Converse").map((r) => r.task)).toEqual(["outline", "check", "check", "check"]);
    expect(logged.filter((r) => r.operation === "ConverseStream").map((r) => r.task)).toEqual(["passage", "passage", "passage"]);
  });

  it("an outline that is not JSON moves down the chain: Nova Micro, then the offline writer, labelled as such", async () => {
    await behave({ failures: { text: { badJson: true, times: 2 } } });
    const { read, job } = await storyToWrite("writejob00000002");
    await runStoryWriteJob("writejob00000002", bedrockEnv(true));

    const row = await job();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    const result = JSON.parse(row!.result!);
    expect(result.outline).toMatchObject({ provider: "local", offline: true, chapters: 1, scenes: 3 });
    // The stand-in's streams were never told to fail: the prose is still Bedrock's.
    expect(result.written[0]).toMatchObject({ provider: "bedrock", offline: false });
    expect((await read()).chapters).toHaveLength(1);
    const outlines = (await loggedRequests()).filter((r) => r.operation === "Converse" && r.task === "outline");
    expect(outlines.map((r) => [r.model, r.task])).toEqual([
      [BEDROCK_MODELS.lite, "outline"],
      [BEDROCK_MODELS.micro, "outline"],
    ]);
  });

  it("without the offline writer, the job fails and says why, and the story stays empty", async () => {
    await behave({ failures: { text: { badJson: true, times: 2 } } });
    const { read, job } = await storyToWrite("writejob00000003");
    await runStoryWriteJob("writejob00000003", bedrockEnv(false));

    const row = await job();
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/^The outline could not be written \(bedrock: the model's reply was not the expected JSON/);
    expect((await read()).chapters).toHaveLength(0);
    expect((await loggedRequests()).filter((r) => r.operation === "ConverseStream")).toEqual([]);
  });
});

describe("Check continuity on bedrock: the model's issues join the rules'", () => {
  /** A scene of a story in a world that knows Mira Vale and The Old Well, and a `story_check` job row for it. */
  async function sceneToCheck(jobId: string, text: string) {
    const owner = await signUp("Writer");
    const world = await createWorld(owner);
    const element = async (type: string, name: string, description: string) =>
      (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type, name, description } })).json.element.id as string;
    const mira = await element("character", "Mira Vale", "A brave young bell-ringer who never lies.");
    const well = await element("location", "The Old Well", "A mossy well at the edge of the village.");
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "The Bell", template: "mystery" } })).json.story as { id: string };
    const base = `/api/worlds/${world.id}/stories/${story.id}`;
    const chapter = (await call("POST", `${base}/chapters`, { cookie: owner.cookie, body: { title: "One" } })).json.chapter.id as string;
    const scene = (await call("POST", `${base}/chapters/${chapter}/scenes`, { cookie: owner.cookie, body: { title: "Dusk", text, pov: mira, location: well } })).json.scene.id as string;
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, 'story_check', 'queued', ?)")
      .bind(jobId, world.id, owner.id, JSON.stringify({ storyId: story.id, sceneId: scene }))
      .run();
    const issues = async () =>
      (await call("GET", `${base}/scenes/${scene}/issues`, { cookie: owner.cookie })).json.issues as Array<{ type: string; quote: string; start: number; end: number; suggestion: string | null }>;
    const job = () => env.DB.prepare("select status, error, cost_estimate as cost, result from jobs where id = ?").bind(jobId).first<{ status: string; error: string | null; cost: number; result: string }>();
    return { issues, job };
  }
  const bedrockEnv = { ...env, ...standin.env, AI_PROVIDER: "bedrock", AI_FALLBACK_LOCAL: "false" } as unknown as Env;
  const TEXT = "Mira Vael climbed down to The Old Well.\nThere she met Captain Orrin\nBlackwood, who said nothing.";

  it("adds what only the model saw, anchored over a line break, without repeating what the rules found", async () => {
    const { issues, job } = await sceneToCheck("checkjob00000001", TEXT);
    await runStoryCheckJob("checkjob00000001", bedrockEnv);
    const row = await job();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect(JSON.parse(row!.result)).toMatchObject({ checkedBy: { provider: "bedrock", model: BEDROCK_MODELS.lite } });
    expect(row!.cost).toBeGreaterThan(0);
    // The rules caught the misspelling (the model's "Mira Vael" is the same slip and is left out);
    // only the model caught the stranger, whose name the text breaks over two lines.
    const found = (await issues()).map(({ type, quote, start, suggestion }) => ({ type, quote, start, suggestion }));
    expect(found).toEqual([
      { type: "name_drift", quote: "Vael", start: 5, suggestion: "Vale" },
      { type: "new_character", quote: "Captain Orrin\nBlackwood", start: TEXT.indexOf("Captain"), suggestion: null },
    ]);
    expect((await loggedRequests()).filter((r) => r.operation === "Converse")).toEqual([expect.objectContaining({ task: "check", ok: true })]);
  });

  it("a model whose answer is not JSON leaves the rules' issues to stand alone, and the check still succeeds", async () => {
    await behave({ failures: { text: { badJson: true, times: 2 } } });
    const { issues, job } = await sceneToCheck("checkjob00000002", TEXT);
    await runStoryCheckJob("checkjob00000002", bedrockEnv);
    const row = await job();
    expect(row?.status, row?.error ?? "").toBe("succeeded");
    expect(JSON.parse(row!.result)).toMatchObject({ checkedBy: null, issues: 1 });
    expect((await issues()).map((issue) => issue.quote)).toEqual(["Vael"]);
    expect((await loggedRequests()).filter((r) => r.operation === "Converse").map((r) => r.model)).toEqual([BEDROCK_MODELS.lite, BEDROCK_MODELS.micro]);
  });
});
