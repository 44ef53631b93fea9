import { SELF, env } from "cloudflare:test";

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

/** Signs a new person up through the API and returns their session cookie. */
export async function signUp(name = "Ada", password = "correct-horse-1"): Promise<Person> {
  const email = uniqueEmail(name.toLowerCase());
  const response = await call("POST", "/api/auth/sign-up/email", {
    body: { email, password, name },
    headers: { "cf-connecting-ip": randomIp() },
  });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${response.text}`);
  return { id: response.json.user.id, email, name, cookie: cookieFrom(response.headers) };
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
