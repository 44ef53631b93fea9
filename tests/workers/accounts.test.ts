import { describe, expect, it } from "vitest";
import { call, cookieFrom, count, expectErrorShape, signUp, uniqueEmail } from "./helpers";

describe("accounts", () => {
  it("signs up with an HTTP-only, Secure, SameSite=Lax session cookie", async () => {
    const email = uniqueEmail("ada");
    const response = await call("POST", "/api/auth/sign-up/email", {
      body: { email, password: "correct-horse-1", name: "Ada" },
    });
    expect(response.status).toBe(200);
    expect(response.json.user).toMatchObject({ email, name: "Ada" });
    const sessionCookie = response.headers.getSetCookie().find((line) => line.includes("session_token="));
    expect(sessionCookie).toBeDefined();
    expect(sessionCookie).toMatch(/HttpOnly/i);
    expect(sessionCookie).toMatch(/Secure/i);
    expect(sessionCookie).toMatch(/SameSite=Lax/i);

    const me = await call("GET", "/api/me", { cookie: cookieFrom(response.headers) });
    expect(me.status).toBe(200);
    expect(me.json.user).toMatchObject({ email, name: "Ada", stats: { worldsCreated: 0, prompts: 0 } });
  });

  it("refuses short passwords, bad emails and unknown fields with a 400 and creates nobody", async () => {
    const before = await count("user");
    for (const body of [
      { email: uniqueEmail(), password: "short", name: "Bo" },
      { email: "not-an-email", password: "long-enough-1", name: "Bo" },
      { email: uniqueEmail(), password: "long-enough-1" },
      { email: uniqueEmail(), password: "long-enough-1", name: "Bo", role: "admin" },
      { email: uniqueEmail(), password: 12345678, name: "Bo" },
    ]) {
      const response = await call("POST", "/api/auth/sign-up/email", { body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json, "validation_failed");
    }
    const malformed = await call("POST", "/api/auth/sign-up/email", { body: "{not json" });
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.json, "invalid_json");
    expect(await count("user")).toBe(before);
  });

  it("refuses a second account for the same email", async () => {
    const person = await signUp("Cy");
    const again = await call("POST", "/api/auth/sign-up/email", {
      body: { email: person.email, password: "another-pass-1", name: "Cy2" },
    });
    expect(again.status).toBeGreaterThanOrEqual(400);
    expect(again.status).toBeLessThan(500);
    expectErrorShape(again.json);
    expect(await count("user", "email = ?", person.email)).toBe(1);
  });

  it("answers a wrong password and an unknown email identically", async () => {
    const person = await signUp("Di");
    const wrongPassword = await call("POST", "/api/auth/sign-in/email", {
      body: { email: person.email, password: "wrong-password-9" },
    });
    const unknownEmail = await call("POST", "/api/auth/sign-in/email", {
      body: { email: uniqueEmail("nobody"), password: "wrong-password-9" },
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(unknownEmail.json).toEqual(wrongPassword.json);
    expectErrorShape(wrongPassword.json);
    expect(wrongPassword.headers.getSetCookie().some((c) => c.includes("session_token=") && !c.includes("session_token=;"))).toBe(false);

    const right = await call("POST", "/api/auth/sign-in/email", {
      body: { email: person.email, password: "correct-horse-1" },
    });
    expect(right.status).toBe(200);
    const me = await call("GET", "/api/me", { cookie: cookieFrom(right.headers) });
    expect(me.json.user.id).toBe(person.id);
  });

  it("signs out everywhere: cookies kept from before sign-out no longer open the account", async () => {
    const person = await signUp("Ed");
    // The attacker's copy: every cookie the browser held before signing out (token and any cache).
    const stale = person.cookie;
    expect((await call("GET", "/api/me", { cookie: stale })).status).toBe(200);
    const out = await call("POST", "/api/auth/sign-out", { cookie: person.cookie });
    expect(out.status).toBe(200);
    expect(await count("session", "user_id = ?", person.id)).toBe(0);
    for (const path of ["/api/me", "/api/worlds", "/api/auth/get-session"]) {
      const response = await call("GET", path, { cookie: stale });
      if (path === "/api/auth/get-session") {
        expect(response.json, path).toBeNull();
      } else {
        expect(response.status, path).toBe(401);
        expectErrorShape(response.json, "unauthenticated");
      }
    }
  });

  it("offers only the auth endpoints Loreloom uses", async () => {
    const response = await call("POST", "/api/auth/delete-user", { body: {} });
    expect(response.status).toBe(404);
    expectErrorShape(response.json, "not_found");
    const wrongMethod = await call("GET", "/api/auth/sign-in/email");
    expect(wrongMethod.status).toBe(405);
  });
});

describe("/api/me", () => {
  it("answers 401 without a session", async () => {
    const response = await call("GET", "/api/me");
    expect(response.status).toBe(401);
    expectErrorShape(response.json, "unauthenticated");
  });

  it("updates the name and merges preferences", async () => {
    const person = await signUp("Fay");
    const first = await call("PATCH", "/api/me", { cookie: person.cookie, body: { preferences: { theme: "dark" } } });
    expect(first.status).toBe(200);
    const second = await call("PATCH", "/api/me", {
      cookie: person.cookie,
      body: { name: "Fay Lovelace", preferences: { defaultStyle: "steampunk" } },
    });
    expect(second.status).toBe(200);
    expect(second.json.user.name).toBe("Fay Lovelace");
    expect(second.json.user.preferences).toEqual({ theme: "dark", defaultStyle: "steampunk" });
  });

  it("refuses bad patches and changes nothing", async () => {
    const person = await signUp("Gus");
    for (const body of [{}, { name: "" }, { email: "x@y.z" }, { preferences: { theme: "neon" } }, { name: 5 }]) {
      const response = await call("PATCH", "/api/me", { cookie: person.cookie, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expectErrorShape(response.json, "validation_failed");
    }
    const wrongType = await call("PATCH", "/api/me", {
      cookie: person.cookie,
      body: "name=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(wrongType.status).toBe(415);
    const me = await call("GET", "/api/me", { cookie: person.cookie });
    expect(me.json.user.name).toBe("Gus");
    expect(me.json.user.preferences).toEqual({});
  });
});
