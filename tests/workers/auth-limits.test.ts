import { describe, expect, it } from "vitest";
import { call, count, expectErrorShape, randomIp, signUp, uniqueEmail } from "./helpers";

// Every limit counts per 60 s (wrangler.jsonc `ratelimits`); locally the window is aligned to the
// minute. A check that needs two requests in one window runs again if a minute began between them.
async function inOneWindow(check: () => Promise<boolean>) {
  for (let tries = 0; tries < 3; tries += 1) {
    const minute = Math.floor(Date.now() / 60_000);
    const held = await check();
    if (Math.floor(Date.now() / 60_000) === minute) return held;
  }
  throw new Error("three minute boundaries in a row");
}

function expectRateLimited(response: Awaited<ReturnType<typeof call>>) {
  expect(response.status).toBe(429);
  expectErrorShape(response.json, "rate_limited");
  expect(response.headers.get("retry-after")).toBe("60");
  expect(response.json.error.details).toEqual({ retryAfterSeconds: 60 });
  expect(response.headers.getSetCookie().some((line) => /session_token=[^;]/.test(line))).toBe(false);
}

const signIn = (email: string, password: string, ip: string) =>
  call("POST", "/api/auth/sign-in/email", { body: { email, password }, headers: { "cf-connecting-ip": ip } });

describe("limits on the account endpoints (issue 14, finding 8)", () => {
  it("stops 40 wrong passwords in a row with 429 and Retry-After, and then refuses the right one too", async () => {
    const victim = await signUp("Victim");
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) {
      const response = await signIn(victim.email, `guess-${i}-wrong`, ip);
      statuses.push(response.status);
      if (response.status === 429) expectRateLimited(response);
      else expect(response.status).toBe(401);
    }
    // 10 a minute per account: at most 20 get through even if a minute begins halfway.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(20);
    // Once refused, guessing right does not get in either (no oracle, no session).
    expect(
      await inOneWindow(async () => {
        const wrong = await signIn(victim.email, "one-more-wrong", ip);
        const right = await signIn(victim.email, "correct-horse-1", ip);
        return wrong.status === 429 && right.status === 429;
      }),
    ).toBe(true);
  });

  it("limits guesses at one account from many addresses", async () => {
    const victim = await signUp("Target");
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const response = await signIn(victim.email, `spread-${i}-wrong`, randomIp());
      statuses.push(response.status);
      if (response.status === 429) expectRateLimited(response);
    }
    expect(statuses).toContain(429);
  });

  it("limits one address guessing at many accounts", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 65; i += 1) {
      const response = await signIn(uniqueEmail("sprayed"), "password-spray-1", ip);
      statuses.push(response.status);
      if (response.status === 429) expectRateLimited(response);
      else expect(response.status).toBe(401);
    }
    // 30 a minute per address.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(60);
    expect(statuses).toContain(429);
  });

  it("stops repeated sign-ups from one address with 429, creating no account for a refused one", async () => {
    const ip = randomIp();
    let refused = 0;
    let created = 0;
    for (let i = 0; i < 25; i += 1) {
      const email = uniqueEmail("farm");
      const response = await call("POST", "/api/auth/sign-up/email", {
        body: { email, password: "farm-password-1", name: "Farm" },
        headers: { "cf-connecting-ip": ip },
      });
      if (response.status === 429) {
        expectRateLimited(response);
        expect(await count("user", "email = ?", email)).toBe(0);
        refused += 1;
      } else {
        expect(response.status).toBe(200);
        created += 1;
      }
    }
    // 10 a minute per address.
    expect(created).toBeLessThanOrEqual(20);
    expect(refused).toBeGreaterThanOrEqual(5);
    // Someone else, from another address, still signs up.
    await signUp("Neighbour");
  });

  it("counts what the edge says the client is, whatever other headers claim", async () => {
    const ip = randomIp();
    const statuses: number[] = [];
    for (let i = 0; i < 25; i += 1) {
      const response = await call("POST", "/api/auth/sign-up/email", {
        body: { email: uniqueEmail("spoof"), password: "spoof-password-1", name: "Spoof" },
        headers: { "cf-connecting-ip": ip, "x-forwarded-for": randomIp(), "x-real-ip": randomIp() },
      });
      statuses.push(response.status);
    }
    expect(statuses).toContain(429);
  });
});
