import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleQueue, jobHandlers } from "../../workers/jobs/consumer";
import { JOB_KINDS } from "../../drizzle/schema";
import { runCleanup, STALE_JOB_MS } from "../../workers/jobs/cleanup";
import { call, count, createWorld, signUp, waitUntil } from "./helpers";

async function insertJob(id: string, fields: { userId: string; worldId: string; status?: string; updatedAt?: number }) {
  await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, updated_at) values (?, ?, ?, 'narrate', ?, ?)")
    .bind(id, fields.worldId, fields.userId, fields.status ?? "queued", fields.updatedAt ?? Date.now())
    .run();
}

describe("queue consumer", () => {
  it("acks a message that does not validate instead of retrying it forever", async () => {
    const batch = createMessageBatch("loreloom-jobs", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { nonsense: true } },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { jobId: "x", kind: "teleport" } },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["m1", "m2"]);
    expect(result.retryMessages).toEqual([]);
  });

  it("has a handler for every kind of job the API can queue", () => {
    // A transcription is answered in its request and recorded as a job for the quota; it is never queued.
    const queued = JOB_KINDS.filter((kind) => kind !== "transcribe");
    expect(queued.filter((kind) => !jobHandlers[kind])).toEqual([]);
  });

  it("marks a job of a kind with no handler as failed with a reason", async () => {
    const person = await signUp("Jo");
    const world = await createWorld(person);
    await insertJob("jobnohandler0001", { userId: person.id, worldId: world.id });
    const batch = createMessageBatch("loreloom-jobs", [
      { id: "m3", timestamp: new Date(), attempts: 1, body: { jobId: "jobnohandler0001", kind: "narrate" } },
    ]);
    const ctx = createExecutionContext();
    // Every kind has a handler today (the test above): one is taken away for the length of this test,
    // as a Worker deployed before a new kind's handler would meet that kind.
    const handler = jobHandlers.narrate;
    delete jobHandlers.narrate;
    try {
      await handleQueue(batch, env);
    } finally {
      jobHandlers.narrate = handler;
    }
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m3"]);
    const row = await env.DB.prepare("select status, error from jobs where id = ?").bind("jobnohandler0001").first<{ status: string; error: string }>();
    expect(row?.status).toBe("failed");
    expect(row?.error).toMatch(/not supported/);
  });

  it("is the Worker's queue handler: a message sent to JOBS_QUEUE is consumed", async () => {
    const person = await signUp("Kit");
    const world = await createWorld(person);
    await insertJob("jobviaqueue00001", { userId: person.id, worldId: world.id });
    await env.JOBS_QUEUE.send({ jobId: "jobviaqueue00001", kind: "narrate" });
    const status = await waitUntil("the queue to consume the message", async () => {
      const row = await env.DB.prepare("select status from jobs where id = ?").bind("jobviaqueue00001").first<{ status: string }>();
      return row?.status === "queued" ? null : (row?.status ?? "missing");
    });
    expect(status).toBe("failed");
  });
});

describe("stored job inputs and checkpoints are read, never trusted", () => {
  /** A job row as a bad migration, a hand edit or a cut-short write could leave it: `input` is raw text. */
  async function insertRawJob(id: string, fields: { userId: string; worldId: string | null; kind: string; input: string }) {
    await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input) values (?, ?, ?, ?, 'queued', ?)")
      .bind(id, fields.worldId, fields.userId, fields.kind, fields.input)
      .run();
  }
  const jobRow = (id: string) => env.DB.prepare("select status, error from jobs where id = ?").bind(id).first<{ status: string; error: string | null }>();
  const message = (id: string, jobId: string, kind: string) => ({ id, timestamp: new Date(), attempts: 1, body: { jobId, kind } });

  it("fails a generation job whose input is damaged, with the reason, and runs the job beside it", async () => {
    const person = await signUp("Damage");
    const world = await createWorld(person);
    await insertRawJob("damagedjsonjob01", { userId: person.id, worldId: world.id, kind: "element_generate", input: '{"prompt": "a lighthouse' });
    await insertRawJob("damagedshapejob1", { userId: person.id, worldId: world.id, kind: "element_generate", input: JSON.stringify({ prompt: 42, modalities: ["smell"] }) });
    await insertRawJob("healthyjob000001", { userId: person.id, worldId: world.id, kind: "element_generate", input: JSON.stringify({ prompt: "a lamplighter who counts the stars", modalities: ["text"] }) });
    const batch = createMessageBatch("loreloom-jobs", [
      message("g1", "damagedjsonjob01", "element_generate"),
      message("g2", "damagedshapejob1", "element_generate"),
      message("g3", "healthyjob000001", "element_generate"),
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    const result = await getQueueResult(batch, ctx);
    // Final answers, not retries: a damaged input reads the same on every delivery.
    expect(result.explicitAcks.sort()).toEqual(["g1", "g2", "g3"]);
    expect(result.retryMessages).toEqual([]);

    expect(await jobRow("damagedjsonjob01")).toEqual({ status: "failed", error: "This job's stored input cannot be read (it is not JSON); ask again." });
    const shape = await jobRow("damagedshapejob1");
    expect(shape?.status).toBe("failed");
    expect(shape?.error).toMatch(/stored input cannot be read \(prompt: .*modalities\.0: /);
    expect((await jobRow("healthyjob000001"))?.status).toBe("succeeded");
    expect(await count("elements", "world_id = ?", world.id)).toBe(1);

    // Reading the damaged job back answers too: the editor's job list and the job itself.
    const listed = await call("GET", `/api/worlds/${world.id}/jobs`, { cookie: person.cookie });
    expect(listed.status).toBe(200);
    expect(listed.json.jobs.find((job: { id: string }) => job.id === "damagedjsonjob01")).toMatchObject({ status: "failed", prompt: null });
    const one = await call("GET", "/api/jobs/damagedjsonjob01", { cookie: person.cookie });
    expect(one.status).toBe(200);
    expect(one.json.job).toMatchObject({ status: "failed", prompt: null });
  });

  it("fails an export or an import whose input is damaged, and says so where the person looks", async () => {
    const person = await signUp("Archivist");
    const world = await createWorld(person);
    await insertRawJob("damagedexport001", { userId: person.id, worldId: world.id, kind: "export", input: JSON.stringify({ exportId: 7, includeSecrets: "yes" }) });
    await env.DB.prepare("insert into world_exports (id, world_id, user_id, job_id, status, expires_at) values (?, ?, ?, ?, 'queued', ?)")
      .bind("damagedexportrow", world.id, person.id, "damagedexport001", Date.now() + 3_600_000)
      .run();
    await insertRawJob("damagedimport001", { userId: person.id, worldId: null, kind: "import", input: "not json at all" });
    const batch = createMessageBatch("loreloom-jobs", [message("e1", "damagedexport001", "export"), message("i1", "damagedimport001", "import")]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(["e1", "i1"]);
    expect(result.retryMessages).toEqual([]);

    const exported = await call("GET", "/api/exports/damagedexportrow", { cookie: person.cookie });
    expect(exported.json.export).toMatchObject({ status: "failed" });
    expect(exported.json.export.error).toMatch(/^This export's stored input cannot be read \(exportId: .*includeSecrets: /);
    const imported = await call("GET", "/api/imports/damagedimport001", { cookie: person.cookie });
    expect(imported.json.import).toMatchObject({
      status: "failed",
      error: { code: "import_failed", message: "This import's stored input cannot be read (it is not JSON); upload the archive again." },
    });
  });

  it("runs a stage again when its checkpoint is damaged, instead of building on it", async () => {
    const person = await signUp("Checkpoint");
    const world = await createWorld(person);
    await insertRawJob("damagedstage0001", { userId: person.id, worldId: world.id, kind: "element_generate", input: JSON.stringify({ prompt: "a ferryman of the salt marsh", modalities: ["text"] }) });
    // A redelivery finds the text stage "succeeded", but what it kept is not a set of drafts.
    await env.DB.prepare("insert into job_stages (job_id, stage, status, attempts, output) values (?, 'refine_text', 'succeeded', 1, ?)")
      .bind("damagedstage0001", JSON.stringify({ drafts: "the ferryman", provider: "local" }))
      .run();
    const batch = createMessageBatch("loreloom-jobs", [message("s1", "damagedstage0001", "element_generate")]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["s1"]);
    expect((await jobRow("damagedstage0001"))?.status).toBe("succeeded");
    const element = await env.DB.prepare("select name, description from elements where world_id = ?").bind(world.id).first<{ name: string; description: string }>();
    expect(element?.name.length).toBeGreaterThan(0);
    expect(element?.description.length).toBeGreaterThan(0);
    const stage = await env.DB.prepare("select attempts, output from job_stages where job_id = ? and stage = 'refine_text'").bind("damagedstage0001").first<{ attempts: number; output: string }>();
    expect(stage?.attempts).toBe(2);
    expect(JSON.parse(stage!.output).drafts[0].name).toBe(element?.name);
  });
});

describe("scheduled cleanup", () => {
  it("removes expired sessions and gives up stale jobs, leaving live ones", async () => {
    const person = await signUp("Lu");
    const world = await createWorld(person);
    const now = Date.now();
    await env.DB.prepare("insert into session (id, expires_at, token, user_id) values ('expiredsession01', ?, 'tok-expired-1', ?)")
      .bind(now - 1000, person.id)
      .run();
    await insertJob("jobstale00000001", { userId: person.id, worldId: world.id, status: "running", updatedAt: now - STALE_JOB_MS - 1000 });
    await insertJob("jobfresh00000001", { userId: person.id, worldId: world.id, status: "running", updatedAt: now });
    const liveSessions = await count("session", "user_id = ? and expires_at > ?", person.id, now);

    const summary = await runCleanup(env, new Date(now));
    expect(summary.sessions).toBeGreaterThanOrEqual(1);
    expect(summary.staleJobs).toBeGreaterThanOrEqual(1);
    expect(await count("session", "id = 'expiredsession01'")).toBe(0);
    expect(await count("session", "user_id = ? and expires_at > ?", person.id, now)).toBe(liveSessions);
    const stale = await env.DB.prepare("select status from jobs where id = 'jobstale00000001'").first<{ status: string }>();
    const fresh = await env.DB.prepare("select status from jobs where id = 'jobfresh00000001'").first<{ status: string }>();
    expect(stale?.status).toBe("failed");
    expect(fresh?.status).toBe("running");
  });
});
