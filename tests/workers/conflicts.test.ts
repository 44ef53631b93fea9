// Two people asking the AI to refine one element at once (catalogue D4): whatever the timing, one
// request's result reaches the element. Each test is a timing that once let both run.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RoomStorage } from "../../durable-objects/world-room/room-storage";
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

/**
 * The chosen request's job exists: the room tells everyone the outcome first and queues the chosen
 * request after (wait for it before waiting for the world's jobs to finish, or none may be running yet).
 */
async function chosenJobQueued(worldId: string, conflictId: string) {
  await waitUntil("the chosen request's job", () =>
    env.DB.prepare("select 1 as found from jobs where world_id = ? and idempotency_key = ?").bind(worldId, `conflict-${conflictId}`).first("found"),
  );
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
    expect(benClient.messages.some((m) => m.type === "conflict")).toBe(false);

    // Once Ben has seen the result (the version it made), asking again runs his request.
    const seen = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ben.cookie })).json.element.version;
    expect(seen).toBeGreaterThan(element.version);
    const again = await refine(ben, world.id, element.id, "add a waterwheel of bone", { baseVersion: seen });
    expect(again.status).toBe(202);
    await jobsSettled(world.id);
    expect(await refinesApplied(world.id)).toBe(2);
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
    await chosenJobQueued(world.id, conflictId);
    await jobsSettled(world.id);

    expect(await refinesApplied(world.id)).toBe(1);
    expect(await jobStatus("oncearunning0001")).toBe("cancelled");
    const now = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ana.cookie })).json.element;
    expect(now.metadata.generatedFrom).toBe("add a waterwheel of bone");
    anaClient.close();
    benClient.close();
  });

  it("settles the conflict for the first request when its result arrives before anyone chooses; a later choice says so", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    await insertRefine("onceranfirst0001", ana, world.id, element.id, "make the mill haunted");
    const second = await refine(ben, world.id, element.id, "add a waterwheel of bone");
    const conflictId = second.json.conflict.id as string;
    await benClient.waitFor((m) => m.type === "conflict" && m.conflictId === conflictId);

    expect(await runGenerationJob("onceranfirst0001", env)).toBe("finished");
    for (const client of [anaClient, benClient]) {
      const resolved = await client.waitFor<{ choice: string; reason: string }>((m) => m.type === "conflictResolved" && m.conflictId === conflictId);
      expect(resolved).toMatchObject({ choice: "a", reason: "ran_first" });
    }
    benClient.sendJson({ type: "conflictChoice", conflictId, choice: "b" });
    const refused = await benClient.waitFor<{ message: string }>((m) => m.type === "error" && m.code === "conflict_resolved");
    expect(refused.message).toMatch(/had already run/);
    await jobsSettled(world.id);
    expect(await refinesApplied(world.id)).toBe(1);
    expect(await env.DB.prepare("select count(*) as n from jobs where world_id = ?").bind(world.id).first<{ n: number }>()).toEqual({ n: 1 });
    anaClient.close();
    benClient.close();
  });

  it("lets only the first of two people choosing at once decide, and runs that one request", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    await insertRefine("oncebothchoose01", ana, world.id, element.id, "make the mill haunted");
    const second = await refine(ben, world.id, element.id, "add a waterwheel of bone");
    const conflictId = second.json.conflict.id as string;
    for (const client of [anaClient, benClient]) await client.waitFor((m) => m.type === "conflict" && m.conflictId === conflictId);

    anaClient.sendJson({ type: "conflictChoice", conflictId, choice: "a" });
    benClient.sendJson({ type: "conflictChoice", conflictId, choice: "merged" });
    const seen = [];
    for (const client of [anaClient, benClient]) seen.push(await client.waitFor<{ choice: string }>((m) => m.type === "conflictResolved" && m.conflictId === conflictId));
    const winner = seen[0]!.choice;
    expect(seen[1]!.choice).toBe(winner);
    // The other was told it came second; nobody got two different answers.
    await Promise.race([anaClient, benClient].map((client) => client.waitFor((m) => m.type === "error" && m.code === "conflict_resolved")));
    for (const client of [anaClient, benClient]) {
      expect(new Set(client.messages.filter((m) => m.type === "conflictResolved").map((m) => (m as { choice: string }).choice))).toEqual(new Set([winner]));
    }
    // Ana's job runs now (its message was never queued): it writes only if it was the choice.
    await runGenerationJob("oncebothchoose01", env);
    if (winner !== "a") await chosenJobQueued(world.id, conflictId);
    await jobsSettled(world.id);
    expect(await refinesApplied(world.id)).toBe(1);
    const now = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ana.cookie })).json.element;
    expect(now.metadata.generatedFrom).toBe(winner === "a" ? "make the mill haunted" : second.json.conflict.options.merged);
    anaClient.close();
    benClient.close();
  });

  it("applies exactly one result when the first job finishes at the same moment as the choice", async () => {
    for (const round of [1, 2, 3]) {
      const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
      const jobId = `onceracing000${round}0`;
      await insertRefine(jobId, ana, world.id, element.id, "make the mill haunted");
      const second = await refine(ben, world.id, element.id, "add a waterwheel of bone");
      const conflictId = second.json.conflict.id as string;
      await benClient.waitFor((m) => m.type === "conflict" && m.conflictId === conflictId);

      const running = runGenerationJob(jobId, env);
      benClient.sendJson({ type: "conflictChoice", conflictId, choice: "b" });
      await running;
      const resolved = await anaClient.waitFor<{ choice: string; reason: string }>((m) => m.type === "conflictResolved" && m.conflictId === conflictId);
      if (resolved.choice === "b") await benClient.waitFor((m) => m.type === "job" && m.status === "queued" && m.jobId !== jobId);
      await jobsSettled(world.id);
      expect(await refinesApplied(world.id), `round ${round}: ${resolved.reason}`).toBe(1);
      const now = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ana.cookie })).json.element;
      expect(now.metadata.generatedFrom).toBe(resolved.choice === "a" ? "make the mill haunted" : "add a waterwheel of bone");
      expect(await jobStatus(jobId)).toBe(resolved.choice === "a" ? "succeeded" : "cancelled");
      anaClient.close();
      benClient.close();
    }
  });

  it("keeps a conflict and its decision across a room restart: the chosen request is queued once, the other never writes", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    await insertRefine("oncerestart00001", ana, world.id, element.id, "make the mill haunted");
    const second = await refine(ben, world.id, element.id, "add a waterwheel of bone");
    const conflictId = second.json.conflict.id as string;
    // A stub per call: one whose object was stopped stays broken.
    const room = () => env.WORLD_ROOM.getByName(world.id);

    // The room restarts with the conflict open: people rejoin and see it again.
    await runInDurableObject(room(), (_room, state) => state.abort("restart")).catch(() => undefined);
    anaClient.close();
    benClient.close();
    const ben2 = (await RoomClient.connect(world.id, ben.cookie)).client!;
    await ben2.waitFor((m) => m.type === "conflict" && m.conflictId === conflictId);

    // Ben chooses, and the room stops after deciding but before it queued his request (simulated:
    // the decision is recorded as the choice records it, then the room is stopped).
    await runInDurableObject(room(), async (_room, state) => {
      const store = new RoomStorage(state.storage.sql);
      store.settleJob("oncerestart00001", "cancelled");
      expect(store.resolveConflict(conflictId, { choice: "b", reason: "chosen", chooserId: ben.id, pending: true, jobId: null, error: null })).toBe(true);
      await state.storage.setAlarm(Date.now() + 60_000);
    });
    await runInDurableObject(room(), (_room, state) => state.abort("restart")).catch(() => undefined);
    ben2.close();

    // A choice that reaches the restarted room is told it was settled; the alarm queues B, once.
    const ben3 = (await RoomClient.connect(world.id, ben.cookie)).client!;
    expect(ben3.messages.some((m) => m.type === "conflict")).toBe(false);
    ben3.sendJson({ type: "conflictChoice", conflictId, choice: "merged" });
    await ben3.waitFor((m) => m.type === "conflictResolved" && m.conflictId === conflictId);
    expect(await runDurableObjectAlarm(room())).toBe(true);
    await runDurableObjectAlarm(room());
    const jobs = await env.DB.prepare("select id, status, json_extract(input, '$.prompt') as prompt from jobs where world_id = ? order by created_at").bind(world.id).all<{ id: string; status: string; prompt: string }>();
    expect(jobs.results.filter((j) => j.prompt === "add a waterwheel of bone")).toHaveLength(1);
    // Ana's job had already started: it runs to the end, and is refused at the door.
    await env.DB.prepare("update jobs set status = 'running' where id = 'oncerestart00001'").run();
    expect(await runGenerationJob("oncerestart00001", env)).toBe("cancelled");
    await jobsSettled(world.id);
    expect(await refinesApplied(world.id)).toBe(1);
    const now = (await call("GET", `/api/worlds/${world.id}/elements/${element.id}`, { cookie: ana.cookie })).json.element;
    expect(now.metadata.generatedFrom).toBe("add a waterwheel of bone");
    ben3.close();
  });

  it("refuses a third request while a choice is open, and a cancel after the result is in", async () => {
    const { ana, ben, world, element, anaClient, benClient } = await twoEditorsAndAnElement();
    const cy = await signUp("Cy");
    await addMember(world.id, cy, "editor");
    await insertRefine("oncethird0000001", ana, world.id, element.id, "make the mill haunted");
    expect((await refine(ben, world.id, element.id, "add a waterwheel of bone")).status).toBe(409);
    const third = await refine(cy, world.id, element.id, "paint it red");
    expect(third.status).toBe(409);
    expect(third.json.error.code).toBe("conflict_open");

    // A person's Cancel is decided in the room too: after it, the job never writes.
    const cancelled = await call("POST", "/api/jobs/oncethird0000001/cancel", { cookie: ana.cookie });
    expect(cancelled.status).toBe(200);
    await env.DB.prepare("update jobs set status = 'running' where id = 'oncethird0000001'").run();
    expect(await runGenerationJob("oncethird0000001", env)).toBe("cancelled");
    expect(await refinesApplied(world.id)).toBe(0);
    // And once a job's result is in, cancelling it says so.
    await insertRefine("oncethird0000002", ana, world.id, element.id, "make it older");
    expect(await runGenerationJob("oncethird0000002", env)).toBe("finished");
    const late = await call("POST", "/api/jobs/oncethird0000002/cancel", { cookie: ana.cookie });
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe("job_finished");
    anaClient.close();
    benClient.close();
  });
});
