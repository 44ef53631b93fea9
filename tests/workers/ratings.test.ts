// Ratings of AI results (issue 19, point 7): thumbs up or down and an optional comment, one per
// person per result, changeable and removable; who made the result is read from the server's own
// records; counted per provider, model and job kind for the world's owner and editors.
import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RateSchema } from "../../workers/domain/ratings";
import { addMember, call, count, createWorld, expectErrorShape, signUp, waitForJobsToSettle, type Person } from "./helpers";

const id = (prefix: string) => `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 14)}`;

/** A finished job of `kind` in the world, with the result its kind writes. */
async function job(worldId: string, person: Person, kind: string, result: Record<string, unknown>, status = "succeeded") {
  const jobId = id("jb");
  await env.DB.prepare("insert into jobs (id, world_id, user_id, kind, status, input, result) values (?, ?, ?, ?, ?, '{}', ?)")
    .bind(jobId, worldId, person.id, kind, status, JSON.stringify(result))
    .run();
  return jobId;
}

/** A file the AI made, recorded in `assets` with its provenance and job. */
async function asset(worldId: string, jobId: string | null, kind: "image" | "video" | "audio", provenance: Record<string, unknown>) {
  const key = `worlds/${worldId}/stories/st1/scenes/sc1/${id("f")}-${kind}.bin`;
  await env.DB.prepare("insert into assets (key, world_id, kind, mime_type, size, job_id, provenance) values (?, ?, ?, 'application/octet-stream', 1, ?, ?)")
    .bind(key, worldId, kind, jobId, JSON.stringify(provenance))
    .run();
  return key;
}

type Setup = { owner: Person; world: { id: string }; passage: string; refine: string; narration: string; picture: string };

async function setup(): Promise<Setup> {
  const owner = await signUp("Rater");
  const world = await createWorld(owner);
  const passage = await job(world.id, owner, "story_continue", { provider: "bedrock", model: "claude-haiku", characters: 400 });
  const refine = await job(world.id, owner, "scene_refine", { provider: "openai", model: "gpt-4o-mini", original: "a", proposed: "b" });
  const narrate = await job(world.id, owner, "narrate", { scenes: 1 });
  const narration = await asset(world.id, narrate, "audio", { provider: "bedrock", model: "polly-neural" });
  const illustrate = await job(world.id, owner, "scene_illustrate", { scenes: 1 });
  const picture = await asset(world.id, illustrate, "image", { provider: "workers-ai", model: "flux-1-schnell" });
  return { owner, world, passage, refine, narration, picture };
}

const ratingsOf = (worldId: string) => `/api/worlds/${worldId}/ratings`;
const rate = (person: Person, worldId: string, body: unknown) => call("PUT", ratingsOf(worldId), { cookie: person.cookie, body });
const mine = async (person: Person, worldId: string, query = "") => (await call("GET", `${ratingsOf(worldId)}${query}`, { cookie: person.cookie })).json.ratings as Array<Record<string, unknown>>;

describe("rating an AI result", () => {
  it("rates a passage, changes the rating, adds and keeps a comment, and removes it", async () => {
    const s = await setup();
    const up = await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up" });
    expect(up.status, up.text).toBe(200);
    expect(up.json.rating).toMatchObject({ targetKind: "passage", targetId: s.passage, value: "up", comment: null, provider: "bedrock", model: "claude-haiku", jobKind: "story_continue" });

    const down = await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "down", comment: "  Too flowery.  " });
    expect(down.json.rating).toMatchObject({ value: "down", comment: "Too flowery." });
    expect(down.json.rating.id).toBe(up.json.rating.id);
    // Without a comment field, the comment stays; thumbs can change on their own.
    const again = await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up" });
    expect(again.json.rating).toMatchObject({ value: "up", comment: "Too flowery." });
    expect(await count("ratings", "user_id = ? and target_id = ?", s.owner.id, s.passage)).toBe(1);
    expect(await mine(s.owner, s.world.id, `?targetKind=passage&targetId=${s.passage}`)).toEqual([expect.objectContaining({ value: "up", comment: "Too flowery." })]);

    const cleared = await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up", comment: "" });
    expect(cleared.json.rating.comment).toBeNull();

    const removed = await call("DELETE", `${ratingsOf(s.world.id)}/passage/${s.passage}`, { cookie: s.owner.cookie });
    expect(removed.status).toBe(204);
    expect(await mine(s.owner, s.world.id)).toEqual([]);
    const twice = await call("DELETE", `${ratingsOf(s.world.id)}/passage/${s.passage}`, { cookie: s.owner.cookie });
    expect(twice.status).toBe(404);
    expectErrorShape(twice.json, "not_found");
  });

  it("keeps one rating per person per result, each person seeing only their own", async () => {
    const s = await setup();
    const viewer = await signUp("Viewer");
    await addMember(s.world.id, viewer, "viewer");
    await rate(s.owner, s.world.id, { targetKind: "image", targetId: s.picture, value: "up" });
    await rate(s.owner, s.world.id, { targetKind: "image", targetId: s.picture, value: "down" });
    const theirs = await rate(viewer, s.world.id, { targetKind: "image", targetId: s.picture, value: "up" });
    expect(theirs.status, theirs.text).toBe(200);
    expect(await count("ratings", "target_id = ?", s.picture)).toBe(2);
    expect((await mine(s.owner, s.world.id)).map((r) => r.value)).toEqual(["down"]);
    expect((await mine(viewer, s.world.id)).map((r) => r.value)).toEqual(["up"]);
  });

  it("rates an asset by its key, with slashes, and removes the rating by the same key", async () => {
    const s = await setup();
    const rated = await rate(s.owner, s.world.id, { targetKind: "narration", targetId: s.narration, value: "down" });
    expect(rated.json.rating).toMatchObject({ provider: "bedrock", model: "polly-neural", jobKind: "narrate" });
    expect((await call("DELETE", `${ratingsOf(s.world.id)}/narration/${s.narration}`, { cookie: s.owner.cookie })).status).toBe(204);
    await rate(s.owner, s.world.id, { targetKind: "narration", targetId: s.narration, value: "up" });
    const encoded = s.narration.split("/").map(encodeURIComponent).join("%2F");
    expect((await call("DELETE", `${ratingsOf(s.world.id)}/narration/${encoded}`, { cookie: s.owner.cookie })).status).toBe(204);
  });

  it("rates what the local provider generated for an element: its text and its picture", async () => {
    const owner = await signUp("Gen");
    const world = await createWorld(owner);
    const accepted = await call("POST", `/api/worlds/${world.id}/generate`, { cookie: owner.cookie, body: { prompt: "a lantern that remembers", modalities: ["image"] } });
    expect(accepted.status).toBe(202);
    await waitForJobsToSettle([accepted.json.job.id]);
    const graph = (await call("GET", `/api/worlds/${world.id}`, { cookie: owner.cookie })).json;
    const element = graph.elements[0];
    const text = await rate(owner, world.id, { targetKind: "element_text", targetId: element.id, value: "up" });
    expect(text.status, text.text).toBe(200);
    expect(text.json.rating).toMatchObject({ provider: "local", jobKind: "element_generate" });
    const picture = await rate(owner, world.id, { targetKind: "image", targetId: element.assets.image, value: "down" });
    expect(picture.status, picture.text).toBe(200);
    expect(picture.json.rating).toMatchObject({ provider: "local", jobKind: "element_generate" });
    // An element people wrote has no AI text to rate.
    const written = await call("POST", `/api/worlds/${world.id}/elements`, { cookie: owner.cookie, body: { type: "lore", name: "Our own", description: "Written by hand." } });
    const refused = await rate(owner, world.id, { targetKind: "element_text", targetId: written.json.element.id, value: "up" });
    expect(refused.status).toBe(404);
  });
});

describe("what a rating records comes from the server", () => {
  it("refuses a body that names a provider, model or job kind, and records the server's own", async () => {
    const s = await setup();
    const claimed = await rate(s.owner, s.world.id, { targetKind: "refine", targetId: s.refine, value: "up", provider: "local", model: "fake" });
    expect(claimed.status).toBe(400);
    expectErrorShape(claimed.json, "validation_failed");
    expect(await count("ratings", "target_id = ?", s.refine)).toBe(0);
    const honest = await rate(s.owner, s.world.id, { targetKind: "refine", targetId: s.refine, value: "up" });
    expect(honest.json.rating).toMatchObject({ provider: "openai", model: "gpt-4o-mini", jobKind: "scene_refine" });
  });

  it("refuses a target of the wrong kind, an unfinished job, and a person's own upload", async () => {
    const s = await setup();
    // A passage is not a refinement; a picture is not narration.
    expect((await rate(s.owner, s.world.id, { targetKind: "refine", targetId: s.passage, value: "up" })).status).toBe(404);
    expect((await rate(s.owner, s.world.id, { targetKind: "narration", targetId: s.picture, value: "up" })).status).toBe(404);
    const running = await job(s.world.id, s.owner, "story_continue", {}, "running");
    expect((await rate(s.owner, s.world.id, { targetKind: "passage", targetId: running, value: "up" })).status).toBe(404);
    const upload = await asset(s.world.id, null, "image", { uploadedBy: s.owner.id });
    const refused = await rate(s.owner, s.world.id, { targetKind: "image", targetId: upload, value: "up" });
    expect(refused.status).toBe(404);
    expectErrorShape(refused.json, "not_found");
  });
});

describe("who may rate", () => {
  it("hides a private world from a stranger (404) and asks the signed-out to sign in (401)", async () => {
    const s = await setup();
    const stranger = await signUp("Stranger");
    const body = { targetKind: "passage", targetId: s.passage, value: "up" };
    const hidden = await rate(stranger, s.world.id, body);
    expect(hidden.status).toBe(404);
    expectErrorShape(hidden.json, "not_found");
    expect((await call("GET", ratingsOf(s.world.id), { cookie: stranger.cookie })).status).toBe(404);
    expect((await call("PUT", ratingsOf(s.world.id), { body })).status).toBe(401);
  });

  it("lets a signed-in visitor of a public world rate", async () => {
    const s = await setup();
    await call("PATCH", `/api/worlds/${s.world.id}`, { cookie: s.owner.cookie, body: { visibility: "public" } });
    const visitor = await signUp("Visitor");
    const rated = await rate(visitor, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up" });
    expect(rated.status, rated.text).toBe(200);
  });

  it("does not let a result of another world be rated through this one (404)", async () => {
    const s = await setup();
    const other = await setup();
    // The owner of both worlds still cannot rate one world's result through the other.
    await addMember(other.world.id, s.owner, "editor");
    for (const body of [
      { targetKind: "passage", targetId: other.passage, value: "up" },
      { targetKind: "image", targetId: other.picture, value: "up" },
      { targetKind: "refine", targetId: other.refine, value: "down" },
    ]) {
      const response = await rate(s.owner, s.world.id, body);
      expect(response.status, JSON.stringify(body)).toBe(404);
    }
    expect(await count("ratings", "world_id = ?", s.world.id)).toBe(0);
  });
});

describe("bad input", () => {
  it("answers 400 or 415 for bodies and paths that are not ratings, never 5xx", async () => {
    const s = await setup();
    const bad: unknown[] = [
      {},
      { targetKind: "passage", targetId: s.passage },
      { targetKind: "poem", targetId: s.passage, value: "up" },
      { targetKind: "passage", targetId: s.passage, value: 1 },
      { targetKind: "passage", targetId: "", value: "up" },
      { targetKind: "passage", targetId: "x".repeat(301), value: "up" },
      { targetKind: "passage", targetId: "a b", value: "up" },
      { targetKind: "passage", targetId: s.passage, value: "up", comment: "x".repeat(1001) },
      [],
      "up",
    ];
    for (const body of bad) {
      const response = await rate(s.owner, s.world.id, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json);
    }
    expect((await call("PUT", ratingsOf(s.world.id), { cookie: s.owner.cookie, body: "{nope", headers: { "content-type": "application/json" } })).status).toBe(400);
    expect((await call("PUT", ratingsOf(s.world.id), { cookie: s.owner.cookie, body: "up", headers: { "content-type": "text/plain" } })).status).toBe(415);
    expect((await call("GET", `${ratingsOf(s.world.id)}?targetKind=poem`, { cookie: s.owner.cookie })).status).toBe(400);
    expect((await call("DELETE", `${ratingsOf(s.world.id)}/poem/${s.passage}`, { cookie: s.owner.cookie })).status).toBe(400);
    expect((await call("PUT", `/api/worlds/NOT_AN_ID/ratings`, { cookie: s.owner.cookie, body: { targetKind: "passage", targetId: s.passage, value: "up" } })).status).toBe(400);
    // A comment of exactly 1,000 characters is fine.
    expect((await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up", comment: "x".repeat(1000) })).status).toBe(200);
  });

  it("the body validator accepts exactly the well-formed ratings (property)", () => {
    const kinds = ["element_text", "image", "clip", "narration", "passage", "refine"];
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom("targetKind", "targetId", "value", "comment", "provider", "model", "jobKind"), fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...kinds, "up", "down"), fc.integer(), fc.constant(null))), (body) => {
        const parsed = RateSchema.safeParse(body);
        const wellFormed =
          kinds.includes(body.targetKind as string) &&
          typeof body.targetId === "string" &&
          /^[A-Za-z0-9._\-/]{1,300}$/.test(body.targetId) &&
          (body.value === "up" || body.value === "down") &&
          (!("comment" in body) || body.comment === null || (typeof body.comment === "string" && body.comment.length <= 1000)) &&
          !("provider" in body) &&
          !("model" in body) &&
          !("jobKind" in body);
        expect(parsed.success).toBe(wellFormed);
      }),
      { numRuns: 500 },
    );
  });
});

describe("summary", () => {
  it("counts thumbs per provider, model and job kind for the owner and editors, and refuses viewers and strangers", async () => {
    const s = await setup();
    const editor = await signUp("Editor");
    const viewer = await signUp("Viewer");
    const stranger = await signUp("Stranger");
    await addMember(s.world.id, editor, "editor");
    await addMember(s.world.id, viewer, "viewer");
    await rate(s.owner, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up", comment: "Lovely." });
    await rate(editor, s.world.id, { targetKind: "passage", targetId: s.passage, value: "down" });
    await rate(viewer, s.world.id, { targetKind: "passage", targetId: s.passage, value: "up" });
    await rate(viewer, s.world.id, { targetKind: "narration", targetId: s.narration, value: "down" });
    await rate(s.owner, s.world.id, { targetKind: "refine", targetId: s.refine, value: "up" });

    const summary = await call("GET", `${ratingsOf(s.world.id)}/summary`, { cookie: editor.cookie });
    expect(summary.status, summary.text).toBe(200);
    expect(summary.json.groups).toEqual([
      { provider: "bedrock", model: "claude-haiku", jobKind: "story_continue", up: 2, down: 1, comments: 1, total: 3 },
      { provider: "bedrock", model: "polly-neural", jobKind: "narrate", up: 0, down: 1, comments: 0, total: 1 },
      { provider: "openai", model: "gpt-4o-mini", jobKind: "scene_refine", up: 1, down: 0, comments: 0, total: 1 },
    ]);
    expect(summary.json.totals).toEqual({ up: 3, down: 2 });
    expect((await call("GET", `${ratingsOf(s.world.id)}/summary`, { cookie: s.owner.cookie })).status).toBe(200);

    const refused = await call("GET", `${ratingsOf(s.world.id)}/summary`, { cookie: viewer.cookie });
    expect(refused.status).toBe(403);
    expectErrorShape(refused.json, "forbidden");
    expect((await call("GET", `${ratingsOf(s.world.id)}/summary`, { cookie: stranger.cookie })).status).toBe(404);

    // Each person may count their own ratings, across worlds.
    const own = await call("GET", "/api/ratings/summary", { cookie: viewer.cookie });
    expect(own.status).toBe(200);
    expect(own.json.totals).toEqual({ up: 1, down: 1 });
    expect((await call("GET", "/api/ratings/summary")).status).toBe(401);
  });
});
