import { zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import type { ElementType } from "../../../drizzle/schema/constants";
import { localProviders } from "./index";
import { LEXICONS } from "./words";
import { ProviderError, type CallContext, type ElementDraft } from "../types";

const providers = localProviders();

function context(seed = "seed-1", style = "fantasy"): CallContext {
  return { seed, world: { title: "Eldmere", description: "A test world.", style, tags: [] } };
}

const FOREST = "a mystical forest kingdom hidden in ancient woods";

function allText(drafts: ElementDraft[]): string {
  return drafts.map((d) => [d.name, d.description, d.tags.join(" "), d.visualPrompt, d.narration].join("\n")).join("\n");
}

function expectNoPlaceholders(text: string) {
  expect(text).not.toMatch(/[{}]|undefined|NaN|\[object/);
}

// A tiny PNG encoder, so describeImage is tested against real bytes rather than a fixture.
function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number]): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, width);
  hv.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const raw = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    raw[y * (1 + width * 3)] = y % 2; // alternate None and Sub filters to exercise unfiltering
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      const at = y * (1 + width * 3) + 1 + x * 3;
      const left = y % 2 && x > 0 ? pixel(x - 1, y) : [0, 0, 0];
      raw.set([(r - left[0]!) & 0xff, (g - left[1]!) & 0xff, (b - left[2]!) & 0xff], at);
    }
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlibSync(raw)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function connected(drafts: ElementDraft[]): boolean {
  const names = drafts.map((d) => d.name);
  const edges = new Map<string, Set<string>>(names.map((name) => [name, new Set<string>()]));
  for (const draft of drafts) {
    for (const rel of draft.relationships) {
      edges.get(draft.name)!.add(rel.to);
      edges.get(rel.to)?.add(draft.name);
    }
  }
  const seen = new Set([names[0]!]);
  const queue = [names[0]!];
  while (queue.length) {
    for (const next of edges.get(queue.shift()!) ?? []) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(next);
    }
  }
  return seen.size === names.length;
}

describe("local text provider", () => {
  it("builds a connected world of mixed types from the prompt, deterministically", async () => {
    for (const count of [8, 12, 15]) {
      const { value: world, provider, usage } = await providers.text.world({ prompt: FOREST, count }, context());
      expect(provider).toBe("local");
      expect(usage.costUsd).toBe(0);
      expect(world).toHaveLength(count);
      const names = new Set(world.map((d) => d.name));
      expect(names.size).toBe(count);
      const types = new Set(world.map((d) => d.type));
      for (const needed of ["location", "character", "faction"] as const) expect(types).toContain(needed);
      for (const draft of world) for (const rel of draft.relationships) expect(names, `${draft.name} → ${rel.to}`).toContain(rel.to);
      expect(connected(world)).toBe(true);
      const characters = world.filter((d) => d.type === "character");
      expect(characters.every((c) => c.relationships.some((r) => r.kind === "member_of"))).toBe(true);
      expectNoPlaceholders(allText(world));
    }

    const first = await providers.text.world({ prompt: FOREST, count: 10 }, context("seed-1"));
    const again = await providers.text.world({ prompt: FOREST, count: 10 }, context("seed-1"));
    const other = await providers.text.world({ prompt: FOREST, count: 10 }, context("seed-2"));
    expect(again.value).toEqual(first.value);
    expect(other.value).not.toEqual(first.value);

    // The prompt's own words carry through: the heart of the world is the forest kingdom, in the
    // ancient woods (an element of its own), and the rest of the world refers to them.
    const [heart, woods] = first.value;
    expect(heart!.type).toBe("location");
    expect(heart!.name).toBe("The Mystical Forest Kingdom");
    expect(heart!.description).toContain("hidden in the Ancient Woods");
    expect(woods).toMatchObject({ name: "The Ancient Woods", type: "location" });
    const mentions = first.value.filter((d) => /forest kingdom|ancient woods/i.test(d.description)).length;
    expect(mentions).toBeGreaterThan(first.value.length / 2);
  });

  it("writes in the world's style", async () => {
    const prompt = "a harbour city ruled by a secret council";
    const fantasy = allText((await providers.text.world({ prompt, count: 10 }, context("s", "fantasy"))).value);
    const cyber = allText((await providers.text.world({ prompt, count: 10 }, context("s", "cyberpunk"))).value);
    const score = (text: string, style: keyof typeof LEXICONS) => {
      const lex = LEXICONS[style];
      return [...lex.adjectives, ...lex.materials, ...lex.senses, ...lex.givenNames, ...lex.roles].filter((w) => text.includes(w)).length;
    };
    expect(score(cyber, "cyberpunk")).toBeGreaterThan(score(cyber, "fantasy"));
    expect(score(fantasy, "fantasy")).toBeGreaterThan(score(fantasy, "cyberpunk"));
    expect(cyber).toContain(LEXICONS.cyberpunk.artDirection);
    expect(fantasy).not.toContain(LEXICONS.cyberpunk.artDirection);
  });

  it("writes one element from a prompt, reading its type and words", async () => {
    const cases: [string, ElementType, RegExp][] = [
      ["a guild of thieves who trade in stolen memories", "faction", /guild/i],
      ["a grumpy dwarven smith who forges cursed blades", "character", /grumpy dwarven smith/],
      ["an ancient dragon sleeping under the glacier", "creature", /dragon/i],
      ["the sword of the first queen", "item", /sword/i],
      ["the great flood that drowned the lowlands", "event", /flood/i],
      ["a prophecy about the last eclipse", "lore", /prophecy/i],
    ];
    for (const [prompt, type, words] of cases) {
      const { value } = await providers.text.element({ prompt }, context("seed-1", "steampunk"));
      expect(value.type, prompt).toBe(type);
      expect(value.description, prompt).toMatch(words);
      expect(value.description.toLowerCase()).toContain(`**${value.name.toLowerCase()}**`);
      expect(value.narration.length).toBeLessThanOrEqual(600);
      expect(value.narration).not.toMatch(/\*\*/);
      expectNoPlaceholders(allText([value]));
    }
    const named = await providers.text.element({ prompt: 'a lighthouse keeper named Mirelle Dunn' }, context());
    expect(named.value.name).toBe("Mirelle Dunn");

    const a = await providers.text.element({ prompt: FOREST }, context("one"));
    expect((await providers.text.element({ prompt: FOREST }, context("one"))).value).toEqual(a.value);
    expect((await providers.text.element({ prompt: FOREST }, context("two"))).value).not.toEqual(a.value);
  });

  it("relates a new element to its neighbours by name", async () => {
    const neighbours = [
      { name: "The Ember Guild", type: "faction" as const, description: "Smiths.", tags: [] },
      { name: "Ashford", type: "location" as const, description: "A town.", tags: [] },
    ];
    const { value } = await providers.text.element({ prompt: "a young apprentice", type: "character", neighbours }, context());
    expect(value.relationships).toEqual([
      { to: "The Ember Guild", kind: "member_of" },
      { to: "Ashford", kind: "located_in" },
    ]);
    expect(value.description).toMatch(/the Ember Guild/i);
  });

  it("refines an element, keeping its name and type and extending its description", async () => {
    const existing = { name: "Mira Vale", type: "character" as const, description: "**Mira Vale** keeps the lighthouse.", tags: ["keeper"] };
    const { value } = await providers.text.element({ prompt: "make her more sinister and give her a secret", existing }, context("r", "horror"));
    expect(value.name).toBe("Mira Vale");
    expect(value.type).toBe("character");
    expect(value.description.startsWith(existing.description)).toBe(true);
    expect(value.description).toMatch(/more sinister/);
    expect(value.description).toMatch(/secret/);
    expect(value.tags).toEqual(expect.arrayContaining(["keeper", "sinister"]));
    expectNoPlaceholders(allText([value]));

    const renamed = await providers.text.element({ prompt: "rename her to Mira Black", existing }, context());
    expect(renamed.value.name).toBe("Mira Black");
    expect(renamed.value.description).toContain("**Mira Black** keeps the lighthouse.");
    const retyped = await providers.text.element({ prompt: "turn her into a creature of the deep", existing }, context());
    expect(retyped.value.type).toBe("creature");
  });

  it("merges two prompts into one without repeating itself", async () => {
    const element = { name: "Castle Grey", type: "location" as const, description: "", tags: [] };
    const merge = async (a: string, b: string) => (await providers.text.mergePrompts({ element, a, b }, context())).value;
    expect(await merge("make the castle darker", "Make the castle darker and add a moat")).toBe("Make the castle darker and add a moat.");
    expect(await merge("a red dragon", "a red dragon with blue wings")).toBe("A red dragon with blue wings.");
    const both = await merge("add a haunted library", "give it a rooftop garden");
    expect(both).toMatch(/haunted library/);
    expect(both).toMatch(/rooftop garden/);
  });

  it("describes an uploaded image from its real dimensions and colours", async () => {
    const wide = png(64, 32, () => [200, 30, 30]);
    const { value } = await providers.text.describeImage({ image: wide, mimeType: "image/png" }, context());
    expect(value.type).toBe("location");
    expect(value.description).toContain("64×32 pixels");
    expect(value.description).toMatch(/landscape PNG/);
    expect(value.description).toMatch(/mostly (red|crimson)/);
    expectNoPlaceholders(allText([value]));

    const tall = png(20, 40, (x) => (x < 10 ? [20, 40, 200] : [30, 60, 220]));
    const portrait = await providers.text.describeImage({ image: tall, mimeType: "image/png", hint: "" }, context());
    expect(portrait.value.type).toBe("character");
    expect(portrait.value.description).toMatch(/20×40 pixels.*blue/);

    const hinted = await providers.text.describeImage({ image: wide, mimeType: "image/png", hint: "an old brass compass" }, context());
    expect(hinted.value.type).toBe("item");
    expect(hinted.value.description).toMatch(/brass compass/);

    // JPEG: dimensions come from the SOF0 marker after an APP0 segment.
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xc0, 0, 11, 8, 0x01, 0xe0, 0x02, 0x80, 3, 1, 0x22, 0, 0xff, 0xd9]);
    const photo = await providers.text.describeImage({ image: jpeg, mimeType: "image/jpeg" }, context());
    expect(photo.value.description).toContain("640×480 pixels");

    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect fill="#2e8b57"/><circle fill="#2e8b57"/></svg>');
    const sketch = await providers.text.describeImage({ image: svg, mimeType: "image/svg+xml" }, context());
    expect(sketch.value.description).toMatch(/300×100 pixels.*green/);

    await expect(
      providers.text.describeImage({ image: new TextEncoder().encode("hello"), mimeType: "image/png" }, context()),
    ).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("local image provider", () => {
  it("draws a standalone SVG per element type, deterministic from the seed", async () => {
    const { value: world } = await providers.text.world({ prompt: FOREST, count: 12 }, context());
    const svgs = new Map<ElementType, string>();
    for (const element of world) {
      const result = await providers.image.image({ prompt: element.visualPrompt, element }, context());
      expect(result.mimeType).toBe("image/svg+xml");
      expect(result.usage.costUsd).toBe(0);
      const svg = new TextDecoder().decode(result.bytes);
      expect(svg.startsWith("<svg ")).toBe(true);
      expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
      expect(svg).toContain('viewBox="0 0 512 512"');
      expect(svg).toMatch(new RegExp(`<title>${element.name.replace(/'/g, "&apos;")}</title>`));
      expect(svg).toContain("offline rendering");
      expect(svg.endsWith("</svg>")).toBe(true);
      expect(svg).not.toMatch(/<script|href="http|NaN|undefined/);
      svgs.set(element.type, svg);
    }
    expect(new Set(svgs.values()).size).toBe(svgs.size);

    const element = world[0]!;
    const again = await providers.image.image({ prompt: "", element }, context());
    const other = await providers.image.image({ prompt: "", element }, context("seed-9"));
    const cyber = await providers.image.image({ prompt: "", element }, context("seed-1", "cyberpunk"));
    const first = new TextDecoder().decode((await providers.image.image({ prompt: "", element }, context())).bytes);
    expect(new TextDecoder().decode(again.bytes)).toBe(first);
    expect(new TextDecoder().decode(other.bytes)).not.toBe(first);
    expect(new TextDecoder().decode(cyber.bytes)).toContain("#ff2bd6");
  });

  it("frames an uploaded picture as an embedded data URI, and refuses other types", async () => {
    const picture = png(8, 8, () => [10, 200, 10]);
    const result = await providers.image.variation({ image: picture, mimeType: "image/png", prompt: "my sketch" }, context());
    const svg = new TextDecoder().decode(result.bytes);
    expect(svg).toContain('href="data:image/png;base64,');
    expect(svg).toContain("<title>my sketch</title>");
    await expect(
      providers.image.variation({ image: new TextEncoder().encode("<html></html>"), mimeType: "text/html", prompt: "" }, context()),
    ).rejects.toMatchObject({ retryable: false });
    await expect(providers.image.variation({ image: picture, mimeType: "image/jpeg", prompt: "" }, context())).rejects.toBeInstanceOf(ProviderError);
  });
});

describe("local video provider", () => {
  it("returns an animated SVG fly-over at once and has nothing to poll", async () => {
    const { value: element } = await providers.text.element({ prompt: FOREST }, context());
    const progress = await providers.video.start({ prompt: element.visualPrompt, element }, context());
    expect(progress.status).toBe("done");
    if (progress.status !== "done") return;
    const svg = new TextDecoder().decode(progress.result.bytes);
    expect(progress.result.mimeType).toBe("image/svg+xml");
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg).toMatch(/<animateTransform[^>]*type="scale"[^>]*dur="9s"[^>]*repeatCount="indefinite"/);
    expect(svg).toMatch(/<animateTransform[^>]*type="translate"/);
    expect(svg).toContain("<animate ");
    expect(svg).toContain(element.name);

    const withImage = await providers.video.start(
      { prompt: "", element, image: { bytes: png(4, 4, () => [1, 2, 3]), mimeType: "image/png" } },
      context(),
    );
    expect(withImage.status === "done" && new TextDecoder().decode(withImage.result.bytes)).toContain("data:image/png;base64,");

    await expect(providers.video.poll("token", context())).rejects.toMatchObject({ name: "ProviderError", retryable: false });
  });
});

describe("local audio provider", () => {
  function readWav(bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
    return {
      riff: tag(0),
      riffSize: view.getUint32(4, true),
      wave: tag(8),
      fmt: tag(12),
      format: view.getUint16(20, true),
      channels: view.getUint16(22, true),
      sampleRate: view.getUint32(24, true),
      byteRate: view.getUint32(28, true),
      bitsPerSample: view.getUint16(34, true),
      data: tag(36),
      dataSize: view.getUint32(40, true),
      samples: new Int16Array(bytes.slice(44).buffer),
    };
  }

  it("speaks narration as a valid, non-silent 16-bit PCM WAV of plausible length", async () => {
    const text =
      "The Forest Kingdom of Wyndor is a mystical forest kingdom, hidden in ancient woods. Its oldest parts are built of weathered granite.";
    const result = await providers.audio.speak({ text }, context());
    expect(result.mimeType).toBe("audio/wav");
    expect(result.provider).toBe("local");
    expect(result.usage.costUsd).toBe(0);

    const wav = readWav(result.bytes);
    expect(wav).toMatchObject({ riff: "RIFF", wave: "WAVE", fmt: "fmt ", data: "data", format: 1, channels: 1, bitsPerSample: 16 });
    expect(wav.sampleRate).toBe(22050);
    expect(wav.byteRate).toBe(wav.sampleRate * 2);
    expect(wav.riffSize).toBe(result.bytes.length - 8);
    expect(wav.dataSize).toBe(result.bytes.length - 44);

    // About 2–4 words a second for English narration.
    const seconds = wav.dataSize / wav.byteRate;
    const words = text.split(/\s+/).length;
    expect(seconds).toBeGreaterThan(words / 4.5);
    expect(seconds).toBeLessThan(words / 1.5);

    let peak = 0;
    let energy = 0;
    for (const sample of wav.samples) {
      peak = Math.max(peak, Math.abs(sample));
      energy += sample * sample;
    }
    expect(peak).toBeGreaterThan(3000);
    expect(Math.sqrt(energy / wav.samples.length)).toBeGreaterThan(300);

    const again = await providers.audio.speak({ text }, context());
    expect(again.bytes).toEqual(result.bytes);
    const shorter = readWav((await providers.audio.speak({ text: "Hello." }, context())).bytes);
    expect(shorter.dataSize).toBeLessThan(wav.dataSize / 4);
  });

  it("keeps narration short and refuses empty text", async () => {
    const long = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(" ");
    const capped = readWav((await providers.audio.speak({ text: long }, context())).bytes);
    expect(capped.dataSize / capped.byteRate).toBeLessThan(60);
    await expect(providers.audio.speak({ text: "  ** ** " }, context())).rejects.toMatchObject({ retryable: false });
  });
});
