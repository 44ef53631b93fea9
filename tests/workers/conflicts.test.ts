// Two people asking the AI to refine one element at once (catalogue D4): whatever the timing, one
// request's result reaches the element. Each test is a timing that once let both run.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runGenerationJob } from "../../workers/jobs/pipeline";
import { addMember, call, createWorld, signUp, waitUntil, type Person } from "./helpers";
import { RoomClient } from "./room-client";

/** A job row with no queue message: it stays queued until the test runs it. */
async function insertRefine(id: string, person: Person, worldId: string, elementId: string, prompt: string) {
  await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input, element_id) values (?, ?, ?, 'element_refine', 'queued', ?, ?)")
    .bind(id, worldId, person.id, JSON.stringify({ prompt, elementId, modalities: ["text"] }), elementId)
    .run();
}

async function jobStatus(id: string) {
  return (await env.DB.prepare("select status from jobs where id = ?").bind(id).first<{ status: string }>())?.status;
}

/** How many refines reached the element: each applied one is a `refined` history entry. */
async function refinesApplied(worldId: string) {
  const row = await env.DB.prepare("select count(*) as n from history where world_id = ? and action = 'refined'").bind(worldId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Every refine of the world's elements has finished (succeeded, failed or cancelled). */
async function jobsSettled(worldId: string) {
  await waitUntil("the world's jobs to finish", async () => {
    const row = await env.DB.prepare("select count(*) as n from jobs where world_id = ? and status in ('queued', 'running')").bind(worldId).first<{ n: number }>();
    return row?.n === 0;
  });
}

async function twoEditorsAndAnElement() {
  const ana = await signUp("Ana");
  const ben = await signUp("Ben");
  const world = await createWorld(ana);
  await addMember(world.id, ben, "editor");
  const element = (await call("POST", `/api/worlds/${world.id}/elements`, { cookie: ana.cookie, body: { type: "location", name: "Old mill", description: "A mill by the river." } })).json
    .element as { id: string; version: number };
  const anaClient = (await RoomClient.connect(world.id, ana.cookie)).client!;
  const benClient = (await RoomClient.connect(world.id, ben.cookie)).client!;
  return { ana, ben, world, element, anaClient, benClient };
}

const refine = (person: Person, worldId: string, elementId: string, prompt: string, extra: Record<string, unknown> = {}) =>
  call("POST", `/api/worlds/${worldId}/elements/${elementId}/refine`, { cookie: person.cookie, body: { prompt, modalities: ["text"], ...extra } });

describe("refine conflicts run exactly one request", () => {
  it("does not offer a choice once the first refine has run: the second is not run, and says why", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    await insertRefine("onceafinished001", ana, world.id, element.id, "make the mill haunted");
    expect(await runGenerationJob("onceafinished001", env)).toBe("finished");
    expect(await jobStatus("onceafinished001")).toBe("succeeded");

    // Ben asks a moment later, having not seen Ana's result.
    const second = await refine(ben, world.id, element.id, "add a waterwheel of bone", { baseVersion: element.version });
    // Before: a 409 with a conflict, whose "b" then ran on top of Ana's result.
    if (second.json?.conflict) {
      benClient.sendJson({ type: "conflictChoice", conflictId: second.json.conflict.id, choice: "b" });
      await benClient.waitFor((m) => m.type === "job" && m.status === "queued" && m.jobId !== "onceafinished001");
    }
    await jobsSettled(world.id);
    expect(await refinesApplied(world.id)).toBe(1);
    expect(second.status).toBe(409);
    expect(second.json.error.code).toBe("refined_meanwhile");
    expect(second.json.error.message).toMatch(/Ana/);
    expect(second.json.error.message).toMatch(/make the mill haunted/);
    anaClient.close();
    benClient.close();
  });

  it("never applies the first job's result once another request was chosen, even when the job had already started", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    await insertRefine("oncearunning0001", ana, world.id, element.id, "make the mill haunted");
    const second = await refine(ben, world.id, element.id, "add a waterwheel of bone");
    expect(second.status).toBe(409);
    const conflictId = second.json.conflict.id as string;
    await anaClient.waitFor((m) => m.type === "conflict" && m.conflictId === conflictId);

    benClient.sendJson({ type: "conflictChoice", conflictId, choice: "b" });
    const resolved = await anaClient.waitFor<{ choice: string }>((m) => m.type === "conflictResolved" && m.conflictId === conflictId);
    expect(resolved.choice).toBe("b");
    await waitUntil("the first job cancelled", async () => (await jobStatus("oncearunning0001")) === "cancelled");
    // Ana's job had read its status before the choice (as a job mid-run has): it goes on to the end.
    await env.DB.prepare("update jobs set status = 'running' where id = 'oncearunning0001'").run();
    await runGenerationJob("oncearunning0001", env);
    await jobsSettled(world.id);

    expect(await refinesApplied(world.id)).toBe(1);
    expect(await jobStatus("oncearunning0001")).toBe("cancelled");
    const now = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ana.cookie })).json.element;
    expect(now.metadata.generatedFrom).toBe("add a waterwheel of bone");
    anaClient.close();
    benClient.close();
  });
});
