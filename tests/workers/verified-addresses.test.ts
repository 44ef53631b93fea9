import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, cookieFrom, count, createWorld, expectErrorShape, linkInMail, outbox, randomIp, signUp, uniqueEmail, verifyEmail } from "./helpers";

const fromAnywhere = () => ({ "cf-connecting-ip": randomIp() });
const tokenOf = (url: string) => url.split("/invite/")[1]!;

async function emailVerified(userId: string) {
  const row = await env.DB.prepare("select email_verified as v from user where id = ?").bind(userId).first<{ v: number }>();
  return row?.v === 1;
}

describe("verified addresses (issue 14, finding 6)", () => {
  it("sends a verification email on sign-up whose link verifies the address and lands on our page", async () => {
    const person = await signUp("Vera");
    const mails = await outbox(person.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ kind: "verify-email", subject: "Confirm your email address for Loreloom" });
    expect(mails[0]!.text).toContain("Hello Vera,");
    expect(await emailVerified(person.id)).toBe(false);
    const me = await call("GET", "/api/auth/get-session", { cookie: person.cookie });
    expect(me.json.user.emailVerified).toBe(false);

    const link = await linkInMail(person.email, "verify-email");
    expect(link).toMatch(/^\/api\/auth\/verify-email\?token=[^&]+&callbackURL=%2Fverified$/);
    const followed = await call("GET", link, { headers: fromAnywhere() });
    expect(followed.status).toBe(302);
    expect(followed.headers.get("location")).toBe("/verified");
    // Confirming an address is not a way in: the link signs nobody in.
    expect(followed.headers.getSetCookie().some((line) => /session_token=[^;]/.test(line))).toBe(false);
    expect(await emailVerified(person.id)).toBe(true);
  });

  it("refuses an email invitation to whoever registered the address without verifying it", async () => {
    const owner = await signUp("Owner");
    const world = await createWorld(owner, { title: "Sealed Archive" });
    // The invitation goes to an address whose owner has no account yet…
    const victimAddress = uniqueEmail("victim");
    const created = await call("POST", `/api/worlds/${world.id}/invitations`, { cookie: owner.cookie, body: { email: victimAddress, role: "editor" } });
    expect(created.status).toBe(201);
    const token = tokenOf(created.json.url);

    // …and the attacker, holding the link, registers that address first.
    const squat = await call("POST", "/api/auth/sign-up/email", {
      body: { email: victimAddress, password: "squatter-pass-1", name: "Squatter" },
      headers: fromAnywhere(),
    });
    expect(squat.status).toBe(200);
    const attacker = cookieFrom(squat.headers);
    const attackerId: string = squat.json.user.id;

    // They cannot see it listed, accept it or decline it.
    expect((await call("GET", "/api/invitations", { cookie: attacker })).json.invitations).toEqual([]);
    for (const answer of ["accept", "decline"]) {
      const response = await call("POST", `/api/invitations/${token}/${answer}`, { cookie: attacker });
      expect(response.status, answer).toBe(403);
      expectErrorShape(response.json, "email_not_verified");
      expect(response.json.error.message).toMatch(/confirm your email address/i);
    }
    expect(await count("world_members", "world_id = ? and user_id = ?", world.id, attackerId)).toBe(0);
    expect((await call("GET", `/api/worlds/${world.id}`, { cookie: attacker })).status).toBe(404);
    expect((await call("GET", `/api/invitations/${token}`)).json.invitation.status).toBe("pending");

    // Asking for the verification email again sends it to the address, which the attacker cannot read.
    const again = await call("POST", "/api/auth/send-verification-email", { cookie: attacker, body: { email: victimAddress }, headers: fromAnywhere() });
    expect(again.status).toBe(200);
    expect((await outbox(victimAddress)).filter((m) => m.kind === "verify-email")).toHaveLength(2);
    // Only whoever holds the inbox can follow the link; once they do, the invitation is theirs to answer.
    await verifyEmail({ email: victimAddress });
    const accepted = await call("POST", `/api/invitations/${token}/accept`, { cookie: attacker });
    expect(accepted.status).toBe(200);
  });

  it("lets an unverified account sign in and use Loreloom, and link invitations still work", async () => {
    const person = await signUp("Una");
    const signIn = await call("POST", "/api/auth/sign-in/email", { body: { email: person.email, password: "correct-horse-1" }, headers: fromAnywhere() });
    expect(signIn.status).toBe(200);
    expect((await call("GET", "/api/me", { cookie: cookieFrom(signIn.headers) })).status).toBe(200);
    const owner = await signUp("Linker");
    const world = await createWorld(owner);
    const link = await call("POST", `/api/worlds/${world.id}/invitations`, { cookie: owner.cookie, body: { role: "viewer" } });
    const accepted = await call("POST", `/api/invitations/${tokenOf(link.json.url)}/accept`, { cookie: person.cookie });
    expect(accepted.status).toBe(200);
  });

  it("refuses forged, tampered and missing verification links and changes nothing", async () => {
    const person = await signUp("Tam");
    const link = await linkInMail(person.email, "verify-email");
    const token = new URL(link, "http://x").searchParams.get("token")!;
    const tampered = token.slice(0, -4) + (token.endsWith("AAAA") ? "BBBB" : "AAAA");
    const forged = await call("GET", `/api/auth/verify-email?token=${encodeURIComponent(tampered)}&callbackURL=/verified`, { headers: fromAnywhere() });
    expect(forged.status).toBe(302);
    expect(forged.headers.get("location")).toBe("/verified?error=INVALID_TOKEN");
    const missing = await call("GET", "/api/auth/verify-email", { headers: fromAnywhere() });
    expect(missing.status).toBe(400);
    expectErrorShape(missing.json, "validation_failed");
    expect(await emailVerified(person.id)).toBe(false);
  });

  it("sends the person from a verification link to our page only, whatever callbackURL it carries", async () => {
    const person = await signUp("Cal");
    const token = new URL(await linkInMail(person.email, "verify-email"), "http://x").searchParams.get("token")!;
    for (const callbackURL of ["https://evil.example/", "//evil.example", "/\\evil.example"]) {
      const response = await call("GET", `/api/auth/verify-email?${new URLSearchParams({ token, callbackURL })}`, { headers: fromAnywhere() });
      expect(response.status, callbackURL).toBe(302);
      expect(response.headers.get("location"), callbackURL).toBe("/verified");
    }
  });
});

describe("password reset by email", () => {
  it("mails a one-time link that sets a new password and signs every other session out", async () => {
    const person = await signUp("Pat");
    const asked = await call("POST", "/api/auth/request-password-reset", { body: { email: person.email.toUpperCase() }, headers: fromAnywhere() });
    expect(asked.status).toBe(200);
    const link = await linkInMail(person.email, "reset-password");
    expect(link).toMatch(/^\/reset-password\?token=[A-Za-z0-9]+$/);
    const token = new URL(link, "http://x").searchParams.get("token")!;

    const reset = await call("POST", "/api/auth/reset-password", { body: { token, newPassword: "a-brand-new-pass-2" }, headers: fromAnywhere() });
    expect(reset.status).toBe(200);
    expect((await call("GET", "/api/me", { cookie: person.cookie })).status).toBe(401);
    const old = await call("POST", "/api/auth/sign-in/email", { body: { email: person.email, password: "correct-horse-1" }, headers: fromAnywhere() });
    expect(old.status).toBe(401);
    const fresh = await call("POST", "/api/auth/sign-in/email", { body: { email: person.email, password: "a-brand-new-pass-2" }, headers: fromAnywhere() });
    expect(fresh.status).toBe(200);

    const reused = await call("POST", "/api/auth/reset-password", { body: { token, newPassword: "attacker-pass-3" }, headers: fromAnywhere() });
    expect(reused.status).toBe(400);
    expectErrorShape(reused.json, "invalid_token");
  });

  it("answers the same for an unknown address and sends nothing", async () => {
    const nobody = uniqueEmail("nobody");
    const asked = await call("POST", "/api/auth/request-password-reset", { body: { email: nobody }, headers: fromAnywhere() });
    expect(asked.status).toBe(200);
    expect(await outbox(nobody)).toEqual([]);
  });

  it("refuses bad bodies with a 400 in the error shape", async () => {
    for (const [path, body] of [
      ["/api/auth/request-password-reset", { email: "not-an-email" }],
      ["/api/auth/request-password-reset", { email: "a@b.test", redirectTo: "https://evil.example" }],
      ["/api/auth/reset-password", { token: "x", newPassword: "short" }],
      ["/api/auth/reset-password", { newPassword: "long-enough-1" }],
      ["/api/auth/send-verification-email", { email: "a@b.test", callbackURL: "https://evil.example" }],
    ] as const) {
      const response = await call("POST", path, { body, headers: fromAnywhere() });
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expectErrorShape(response.json, "validation_failed");
    }
  });

  it("limits how many emails one address can be sent: 429 with Retry-After", async () => {
    const person = await signUp("Flood");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const response = await call("POST", "/api/auth/request-password-reset", { body: { email: person.email }, headers: fromAnywhere() });
      statuses.push(response.status);
      if (response.status === 429) {
        expectErrorShape(response.json, "rate_limited");
        expect(response.headers.get("retry-after")).toBe("60");
      }
    }
    expect(statuses).toContain(429);
    // 3 a minute per address, at most twice that if a minute begins halfway.
    expect((await outbox(person.email)).filter((m) => m.kind === "reset-password").length).toBeLessThanOrEqual(6);
  });
});
