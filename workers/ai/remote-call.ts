// What the remote providers (bedrock, openai) share: one fetch attempt whose failures become
// ProviderErrors that say whether the pipeline may retry, and base64 without Node's Buffer.
import { ProviderError, type ProviderName } from "./types";

/**
 * Runs one HTTP attempt. Network failures and aborts are retryable; a non-2xx answer becomes a
 * ProviderError via `errorFromResponse`. The caller passes `context.signal` into `send`.
 */
export async function callRemote(
  provider: ProviderName,
  what: string,
  send: () => Promise<Response>,
  signal?: AbortSignal,
): Promise<Response> {
  let response: Response;
  try {
    response = await send();
  } catch (error) {
    throw failureToProviderError(provider, what, error, signal);
  }
  if (!response.ok) throw await errorFromResponse(provider, what, response);
  return response;
}

/** Reads a body that may still be streaming when the signal fires. */
export async function readBody<T>(
  provider: ProviderName,
  what: string,
  read: () => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw failureToProviderError(provider, what, error, signal);
  }
}

export function failureToProviderError(
  provider: ProviderName,
  what: string,
  error: unknown,
  signal?: AbortSignal,
): ProviderError {
  if (error instanceof ProviderError) return error;
  const aborted = signal?.aborted || (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError"));
  const message = error instanceof Error ? error.message : String(error);
  return aborted
    ? new ProviderError(provider, `${what}: timed out or cancelled`, { retryable: true, code: "timeout" })
    : new ProviderError(provider, `${what}: network error: ${message}`, { retryable: true, code: "network" });
}

/**
 * Maps an error answer to a ProviderError. AWS names the error in `x-amzn-ErrorType` (JSON
 * services) or an XML `<Code>` (S3); OpenAI-compatible servers put `{error:{message,code}}`.
 */
export async function errorFromResponse(provider: ProviderName, what: string, response: Response): Promise<ProviderError> {
  const text = await response.text().catch(() => "");
  const amznType = response.headers.get("x-amzn-errortype")?.split(":")[0];
  const { code, message } = describeErrorBody(text);
  const errorType = amznType || code || `http_${response.status}`;
  const throttled = response.status === 429 || /throttl|toomanyrequests|slowdown/i.test(errorType);
  const retryable = throttled || response.status >= 500 || response.status === 408;
  return new ProviderError(provider, `${what}: ${response.status} ${errorType}${message ? `: ${message}` : ""}`, {
    retryable,
    status: response.status,
    code: errorType,
    retryAfterMs: retryable ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
  });
}

function describeErrorBody(text: string): { code?: string; message?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith("<")) {
    return { code: xmlField(trimmed, "Code"), message: xmlField(trimmed, "Message") };
  }
  try {
    const body: unknown = JSON.parse(trimmed);
    if (body && typeof body === "object") {
      const record = body as Record<string, unknown>;
      const nested = record.error && typeof record.error === "object" ? (record.error as Record<string, unknown>) : undefined;
      const message = [record.message, record.Message, nested?.message, record.error].find((v) => typeof v === "string");
      const code = [record.__type, record.code, nested?.code, nested?.type].find((v) => typeof v === "string");
      return { code: typeof code === "string" ? code.split("#").pop() : undefined, message: message as string | undefined };
    }
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return { message: trimmed.slice(0, 300) || undefined };
}

function xmlField(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1];
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked so String.fromCharCode never receives more arguments than the engine allows.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Image media type from the leading bytes, when the declared one is missing or generic. */
export function sniffImageType(bytes: Uint8Array): "image/png" | "image/jpeg" | "image/gif" | "image/webp" | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return "image/gif";
  if (bytes[0] === 0x52 && bytes[1] === 0x49 && bytes[2] === 0x46 && bytes[8] === 0x57 && bytes[9] === 0x45) return "image/webp";
  return undefined;
}

export function notSupported(provider: ProviderName, what: string): ProviderError {
  return new ProviderError(provider, `${what} is not offered by the ${provider} provider as configured`, {
    retryable: false,
    code: "not_supported",
  });
}

/** A stable 31-bit integer from the job's seed, for models that take a numeric seed. */
export function numericSeed(seed: string, max = 2_147_483_646): number {
  let hash = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    hash ^= seed.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % (max + 1);
}
