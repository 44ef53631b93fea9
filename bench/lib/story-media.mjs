// Issue 18's media bench, shared by the `story-media` (offline `local`) and `story-media-bedrock`
// (Bedrock and Polly through the stand-in, with its delays) scenarios: the time to illustrate and to
// narrate a 10-scene story, each one job for the whole story as *Illustrate* / *Narrate* on the story
// start them, and to narrate it again unchanged (the cache: no provider call). Each round writes a
// story of its own, so no round finds another's narration in the cache.
import { percentiles, round } from "./http.mjs";

const SCENES = 10;
const ROUNDS = Number(process.env.BENCH_STORY_MEDIA_ROUNDS ?? 3);

async function call(url, cookie, method, path, body) {
  const response = await fetch(`${url}${path}`, { method, headers: { origin: url, "content-type": "application/json", ...(cookie ? { cookie } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return { json: text ? JSON.parse(text) : null, headers: response.headers };
}

async function signUp(url) {
  const made = await call(url, null, "POST", "/api/auth/sign-up/email", { name: "Bench Teller", email: `bench-media-${Date.now()}@loreloom.local`, password: "bench-password-1" });
  return made.headers.getSetCookie().map((line) => line.split(";")[0]).join("; ");
}

/** A world with a cast, and a story of 10 scenes of about 120 words with dialogue, in two chapters. */
async function storyOf(url, cookie, worldId, round) {
  const base = `/api/worlds/${worldId}/stories`;
  const story = (await call(url, cookie, "POST", base, { title: `Bench story ${round}`, template: "adventure" })).json.story.id;
  let after;
  let n = 0;
  for (const title of ["The road", "The tower"]) {
    const chapter = (await call(url, cookie, "POST", `${base}/${story}/chapters`, { title, ...(after ? { after } : {}) })).json.chapter.id;
    after = chapter;
    let scene;
    for (let i = 0; i < SCENES / 2; i += 1) {
      n += 1;
      const text = [
        `Round ${round}, scene ${n}. Mira walked beside Tovin along the old road to the tower, where the lanterns burned blue against the dusk and the wind carried the smell of rain over the hills.`,
        `"We should not be here after dark," Tovin said, and he looked back at the empty road behind them.`,
        `"Then walk faster," said Mira. She did not slow down, and the tower grew taller with every step, its windows dark but for one high room where a shadow moved.`,
        `They reached the gate as the first drops fell, and the iron was cold under her hand.`,
      ].join("\n");
      scene = (await call(url, cookie, "POST", `${base}/${story}/chapters/${chapter}/scenes`, { title: `Scene ${n}`, text, ...(scene ? { after: scene } : {}) })).json.scene.id;
    }
  }
  return story;
}

async function timeJob(url, cookie, path) {
  const started = performance.now();
  const { job } = (await call(url, cookie, "POST", path, {})).json;
  for (;;) {
    const read = (await call(url, cookie, "GET", `/api/jobs/${job.id}`)).json.job;
    if (read.status === "succeeded") return performance.now() - started;
    if (read.status === "failed" || read.status === "cancelled") throw new Error(`${path}: the job ${read.status}: ${read.error}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Runs the rounds and returns the table's rows; a scenario with provider delays fills in their sum
 * (what the story would wait for if every request waited for the one before) as the baseline.
 */
export async function measureStoryMedia(url, { label }) {
  const cookie = await signUp(url);
  const worldId = (await call(url, cookie, "POST", "/api/worlds", { title: "Bench: story media", style: "fantasy" })).json.world.id;
  for (const [type, name] of [
    ["character", "Mira"],
    ["character", "Tovin"],
    ["location", "The tower"],
  ]) {
    await call(url, cookie, "POST", `/api/worlds/${worldId}/elements`, { type, name, description: `${name}, as the story knows them.` });
  }
  const times = { illustrate: [], narrate: [], renarrate: [] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    const story = await storyOf(url, cookie, worldId, round);
    const base = `/api/worlds/${worldId}/stories/${story}`;
    times.illustrate.push(await timeJob(url, cookie, `${base}/illustrate`));
    times.narrate.push(await timeJob(url, cookie, `${base}/narrate`));
    times.renarrate.push(await timeJob(url, cookie, `${base}/narrate`));
  }
  const row = (what, values) => {
    const { p50, p99 } = percentiles(values);
    return {
      case: `${label}: ${what} (${SCENES} scenes, ${values.length} runs)`,
      "p50 ms": p50,
      "max ms": p99,
      "per scene ms": round(p50 / SCENES),
      "provider delays summed ms": "",
      "× summed delays": "",
    };
  };
  return [
    row("illustrate the story", times.illustrate),
    row("narrate the story", times.narrate),
    row("narrate it again, unchanged (cached)", times.renarrate),
  ];
}

export const STORY_MEDIA_SCENES = SCENES;
