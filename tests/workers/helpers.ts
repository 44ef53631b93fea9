import { SELF, env } from "cloudflare:test";
import { onTestFinished } from "vitest";

export const ORIGIN = "http://localhost";

type CallOptions = { cookie?: string; body?: unknown; headers?: Record<string, string> };

/** One request to the real Worker (Hono API, D1, R2, room and queue bindings inside workerd). */
export async function call(method: string, path: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  if (options.cookie) headers.set("cookie", options.cookie);
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body; // multipart: fetch sets the content type with its boundary
  } else if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  const response = await SELF.fetch(`${ORIGIN}${path}`, { method, headers, body, redirect: "manual" });
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, json, text };
}

let counter = 0;
export function uniqueEmail(label = "person") {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}@example.test`;
}

/**
 * A client address of its own (as Cloudflare's edge sends it in CF-Connecting-IP), so that tests
 * signing many people up do not share, and spend, one address's limits (ADR 12).
 */
export function randomIp(): string {
  const [a, b, c] = crypto.getRandomValues(new Uint8Array(3));
  return `10.${a}.${b}.${c}`;
}

export type Person = { id: string; email: string; name: string; cookie: string };

export type OutboxMail = { kind: string; subject: string; text: string; html: string; createdAt: number };

/** The emails the local outbox holds for an address (MAIL_PROVIDER=outbox), oldest first. */
export async function outbox(address: string): Promise<OutboxMail[]> {
  const { results } = await env.DB.prepare(
    "select kind, subject, text, html, created_at as createdAt from mail_outbox where to_address = ? order by created_at, rowid",
  )
    .bind(address)
    .all<OutboxMail>();
  return results;
}

/** The one link of the newest email of `kind` sent to an address, as a path on our origin. */
export async function linkInMail(address: string, kind: "verify-email" | "reset-password"): Promise<string> {
  const mails = (await outbox(address)).filter((mail) => mail.kind === kind);
  const mail = mails.at(-1);
  if (!mail) throw new Error(`no ${kind} email for ${address}`);
  const links = mail.text.match(/https?:\/\/\S+/g) ?? [];
  if (links.length !== 1) throw new Error(`expected one link in the ${kind} email, found ${links.length}`);
  const url = new URL(links[0]!);
  if (url.origin !== ORIGIN) throw new Error(`the ${kind} link leaves the site: ${url.origin}`);
  return url.pathname + url.search;
}

/** Follows the verification link mailed to a person, as they would from their inbox. */
export async function verifyEmail(person: Pick<Person, "email">) {
  const response = await call("GET", await linkInMail(person.email, "verify-email"), { headers: { "cf-connecting-ip": randomIp() } });
  if (response.status !== 302 || response.headers.get("location") !== "/verified") {
    throw new Error(`verification failed: ${response.status} ${response.headers.get("location")} ${response.text}`);
  }
}

/**
 * Signs a new person up through the API and returns their session cookie; `verified` also follows
 * the link in their verification email (needed to answer invitations sent to their address).
 */
export async function signUp(name = "Ada", password = "correct-horse-1", options: { verified?: boolean } = {}): Promise<Person> {
  const email = uniqueEmail(name.toLowerCase());
  const response = await call("POST", "/api/auth/sign-up/email", {
    body: { email, password, name },
    headers: { "cf-connecting-ip": randomIp() },
  });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${response.text}`);
  const person = { id: response.json.user.id, email, name, cookie: cookieFrom(response.headers) };
  if (options.verified) await verifyEmail(person);
  return person;
}

export function cookieFrom(headers: Headers): string {
  return headers
    .getSetCookie()
    .map((line) => line.split(";")[0]!)
    .filter((pair) => !pair.endsWith("="))
    .join("; ");
}

export async function createWorld(person: Person, body: Record<string, unknown> = {}) {
  const response = await call("POST", "/api/worlds", { cookie: person.cookie, body: { title: "Test world", ...body } });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${response.text}`);
  return response.json.world as { id: string; title: string; visibility: string };
}

export async function addMember(worldId: string, person: Person, role: "editor" | "viewer") {
  await env.DB.prepare("insert into world_members (world_id, user_id, role) values (?, ?, ?)")
    .bind(worldId, person.id, role)
    .run();
}

export async function count(table: string, where = "1 = 1", ...binds: unknown[]) {
  const row = await env.DB.prepare(`select count(*) as n from ${table} where ${where}`).bind(...binds).first<{ n: number }>();
  return row?.n ?? 0;
}

export function expectErrorShape(json: any, code?: string) {
  if (!json || typeof json.error !== "object" || typeof json.error.code !== "string" || typeof json.error.message !== "string") {
    throw new Error(`not the SPEC error shape: ${JSON.stringify(json)}`);
  }
  if (code && json.error.code !== code) throw new Error(`expected error code ${code}, got ${json.error.code}`);
}

/**
 * Polls `read` until it returns a value (anything but undefined, null or false). It has no
 * deadline of its own: the test's timeout is the one limit, so a slower or busier machine only
 * makes it wait longer. Once the test has ended (passed, failed or timed out) it stops polling.
 */
export async function waitUntil<T>(what: string, read: () => Promise<T | undefined | null | false>, pauseMs = 25): Promise<T> {
  const ended = whenTestEnds();
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (ended()) throw new Error(`stopped waiting for ${what}: the test has ended`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/**
 * A check that turns true once the current test has ended (passed, failed or timed out). In a
 * `beforeAll`/`beforeEach` hook, whose own timeout is the limit there, it only stops a poll that
 * outlived the hook, after a minute.
 */
export function whenTestEnds(): () => boolean {
  let ended = false;
  try {
    onTestFinished(() => {
      ended = true;
    });
  } catch {
    const started = Date.now();
    return () => Date.now() - started > 60_000;
  }
  return () => ended;
}

/** Waits until none of these jobs is queued or running, so a test leaves no queue work to the next. */
export async function waitForJobsToSettle(jobIds: string[]) {
  if (jobIds.length === 0) return;
  await waitUntil(`jobs ${jobIds.join(", ")} to settle`, async () => {
    const open = await env.DB.prepare(`select count(*) as n from jobs where id in (${jobIds.map(() => "?").join(",")}) and status in ('queued', 'running')`)
      .bind(...jobIds)
      .first<{ n: number }>();
    return (open?.n ?? 0) === 0;
  });
}
