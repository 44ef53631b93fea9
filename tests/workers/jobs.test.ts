import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { handleQueue } from "../../workers/jobs/consumer";
import { runCleanup, STALE_JOB_MS } from "../../workers/jobs/cleanup";
import { count, createWorld, signUp, waitUntil } from "./helpers";

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

  it("marks a job of a kind with no handler as failed with a reason", async () => {
    const person = await signUp("Jo");
    const world = await createWorld(person);
    await insertJob("jobnohandler0001", { userId: person.id, worldId: world.id });
    const batch = createMessageBatch("loreloom-jobs", [
      { id: "m3", timestamp: new Date(), attempts: 1, body: { jobId: "jobnohandler0001", kind: "narrate" } },
    ]);
    const ctx = createExecutionContext();
    await handleQueue(batch, env);
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
