// A deleted world's or story's files are recorded for deletion in the same batch as the deletion;
// the answer deletes them straight after, and the cron deletes whatever that left (a failed R2
// call, a Worker stopped before its waitUntil ended) — no deleted world's files stay in R2 for good.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FILE_DELETION_GRACE_MS, runCleanup } from "../../workers/jobs/cleanup";
import { deleteWorld } from "../../workers/domain/worlds";
import { deleteStory } from "../../workers/domain/stories/stories";
import { getDb } from "../../workers/lib/db";
import { call, count, createWorld, signUp, waitUntil } from "./helpers";

const filesUnder = async (prefix: string) => (await env.ASSETS_BUCKET.list({ prefix })).objects.map((o) => o.key).sort();
const put = (key: string) => env.ASSETS_BUCKET.put(key, "bytes");
const pending = (prefix: string) => count("file_deletions", "prefix = ?", prefix);
const record = (prefix: string, requestedAt: number) =>
  env.DB.prepare("insert into file_deletions (prefix, requested_at) values (?, ?)").bind(prefix, requestedAt).run();

describe("files of deleted worlds and stories", () => {
  it("deleting a world through the API deletes its files straight after, and clears their record", async () => {
    const owner = await signUp("Wren");
    const world = await createWorld(owner, { title: "Ashfall" });
    const prefix = `worlds/${world.id}/`;
    await put(`${prefix}elements/e1/image.svg`);
    await put(`${prefix}uploads/u1.png`);
    expect((await call("DELETE", `/api/worlds/${world.id}`, { cookie: owner.cookie })).status).toBe(204);
    await waitUntil("the world's files and their record to go", async () => (await filesUnder(prefix)).length === 0 && (await pending(prefix)) === 0);
  });

  it("the deletion itself records the files, so they go even when the answer's own delete never ran", async () => {
    const owner = await signUp("Wren");
    const world = await createWorld(owner, { title: "Ashfall" });
    const story = (await call("POST", `/api/worlds/${world.id}/stories`, { cookie: owner.cookie, body: { title: "Embers", template: "fairy-tale" } })).json.story.id as string;
    const worldPrefix = `worlds/${world.id}/`;
    const storyPrefix = `${worldPrefix}stories/${story}/`;
    await put(`${storyPrefix}scene.png`);
    await put(`${worldPrefix}elements/e1/image.svg`);
    // The domain's deletions alone, as if the Worker stopped right after them.
    const db = getDb(env.DB);
    await deleteStory(db, world.id, story);
    expect(await pending(storyPrefix)).toBe(1);
    await deleteWorld(db, world.id);
    expect(await pending(worldPrefix)).toBe(1);
    expect(await filesUnder(worldPrefix)).toHaveLength(2);

    await runCleanup(env, new Date(Date.now() + FILE_DELETION_GRACE_MS + 60_000));
    expect(await filesUnder(worldPrefix)).toEqual([]);
    expect(await pending(storyPrefix)).toBe(0);
    expect(await pending(worldPrefix)).toBe(0);
  });

  it("a story that is not there is a 404 and records nothing", async () => {
    const owner = await signUp("Wren");
    const world = await createWorld(owner, { title: "Ashfall" });
    const before = await count("file_deletions");
    expect((await call("DELETE", `/api/worlds/${world.id}/stories/nosuchstory00001`, { cookie: owner.cookie })).status).toBe(404);
    expect(await count("file_deletions")).toBe(before);
  });

  it("the cron deletes what a deletion left behind, after the answer had its chance, and goes on past one that keeps failing", async () => {
    const now = Date.now();
    const old = now - FILE_DELETION_GRACE_MS - 60_000;
    // A deleted world whose answer never got to delete its files, and a deleted story of a world that lives on.
    const leftWorld = "worlds/leftbehind000001/";
    const leftStory = "worlds/stillhere0000001/stories/deletedstory0001/";
    const sibling = "worlds/stillhere0000001/stories/keptstory0000001/";
    for (const key of [`${leftWorld}a.png`, `${leftWorld}stories/s/b.mp3`, `${leftStory}c.png`, `${sibling}d.png`]) await put(key);
    await record(leftWorld, old);
    await record(leftStory, old);
    // Recorded a moment ago: the answer's own delete is still running; the cron leaves it.
    const fresh = "worlds/justdeleted00001/";
    await put(`${fresh}e.png`);
    await record(fresh, now);
    // Not one world's or story's files (every world's!): refused every time, counted, and never
    // holding up the rest.
    await record("worlds/", old - 1);

    const summary = await runCleanup(env, new Date(now));
    expect(summary.files).toBe(2);
    expect(await filesUnder(leftWorld)).toEqual([]);
    expect(await filesUnder(leftStory)).toEqual([]);
    expect(await filesUnder(sibling)).toEqual([`${sibling}d.png`]);
    expect(await pending(leftWorld)).toBe(0);
    expect(await pending(leftStory)).toBe(0);
    expect(await filesUnder(fresh)).toEqual([`${fresh}e.png`]);
    expect(await pending(fresh)).toBe(1);
    expect(await env.DB.prepare("select attempts from file_deletions where prefix = 'worlds/'").first("attempts")).toBe(1);

    // Later, the fresh one's turn comes too.
    await runCleanup(env, new Date(now + FILE_DELETION_GRACE_MS + 60_000));
    expect(await filesUnder(fresh)).toEqual([]);
    expect(await pending(fresh)).toBe(0);
  });
});
