// Every provider call the pipeline makes goes through here (SPEC §5): a timeout per call, retries
// with exponential backoff and full jitter on retryable failures, a circuit breaker per provider
// and modality, and the fallback chain. Providers themselves make exactly one attempt.
import { ProviderError, type Capability, type ProviderName } from "./types";

export type CallPolicy = {
  /** Abort one attempt after this long. */
  timeoutMs: number;
  /** Attempts per provider before moving down the chain. */
  attempts: number;
  /** First backoff; doubles per attempt, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_POLICY: CallPolicy = { timeoutMs: 30_000, attempts: 3, baseDelayMs: 250, maxDelayMs: 8_000 };

/** After this many failures in a row a provider is skipped for `BREAKER_OPEN_MS`. */
export const BREAKER_THRESHOLD = 5;
export const BREAKER_OPEN_MS = 30_000;

type BreakerState = { failures: number; openUntil: number };
/** Per isolate: each consumer instance learns on its own, which is what a breaker needs. */
const breakers = new Map<string, BreakerState>();

export function breakerOpen(provider: ProviderName, modality: Capability, now = Date.now()): boolean {
  const state = breakers.get(`${provider}:${modality}`);
  return Boolean(state && state.openUntil > now);
}

function recordOutcome(provider: ProviderName, modality: Capability, ok: boolean) {
  const key = `${provider}:${modality}`;
  if (ok) {
    breakers.delete(key);
    return;
  }
  const state = breakers.get(key) ?? { failures: 0, openUntil: 0 };
  state.failures += 1;
  // Half-open after the pause: one more failure opens it again at once.
  if (state.failures >= BREAKER_THRESHOLD) state.openUntil = Date.now() + BREAKER_OPEN_MS;
  breakers.set(key, state);
}

/** For tests: forget every breaker's history. */
export function resetBreakers() {
  breakers.clear();
}

/** Exponential backoff with full jitter ("AWS architecture blog" style): random in [0, cap]. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(random() * cap);
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

/** Errors no other provider would answer differently: stop the chain. */
const FINAL_CODES = new Set(["moderation", "cancelled"]);

export type ChainOutcome<T, P> = { value: T; provider: P; attempts: number; fellBack: boolean };

/**
 * Runs `call` on the first provider in `chain` that answers: retryable failures are retried with
 * backoff, anything else (or a provider whose breaker is open) moves to the next link. Throws the
 * last error when the whole chain fails; it is retryable if any link failed in a retryable way.
 */
export async function callChain<T, P extends { name: ProviderName }>(
  modality: Capability,
  chain: P[],
  call: (provider: P, signal: AbortSignal) => Promise<T>,
  policy: CallPolicy = DEFAULT_POLICY,
  cancel?: AbortSignal,
): Promise<ChainOutcome<T, P>> {
  let lastError: unknown = new ProviderError("local", `No ${modality} provider is configured.`, { retryable: false, code: "not_configured" });
  let anyRetryable = false;
  let attempts = 0;
  for (const [index, provider] of chain.entries()) {
    if (breakerOpen(provider.name, modality)) {
      lastError = new ProviderError(provider.name, `${provider.name} ${modality} is paused after repeated failures.`, { retryable: true, code: "circuit_open" });
      anyRetryable = true;
      continue;
    }
    for (let attempt = 0; attempt < policy.attempts; attempt += 1) {
      if (cancel?.aborted) throw new ProviderError(provider.name, "The job was cancelled.", { retryable: false, code: "cancelled" });
      attempts += 1;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error("timeout")), policy.timeoutMs);
      const onCancel = () => controller.abort(new Error("cancelled"));
      cancel?.addEventListener("abort", onCancel);
      try {
        const value = await call(provider, controller.signal);
        recordOutcome(provider.name, modality, true);
        return { value, provider, attempts, fellBack: index > 0 };
      } catch (error) {
        const failure =
          error instanceof ProviderError
            ? error
            : new ProviderError(provider.name, error instanceof Error ? error.message : String(error), { retryable: false, code: "provider_bug" });
        lastError = failure;
        if (FINAL_CODES.has(failure.options.code ?? "")) throw failure;
        recordOutcome(provider.name, modality, !failure.retryable);
        if (!failure.retryable) break;
        anyRetryable = true;
        if (breakerOpen(provider.name, modality)) break;
        if (attempt + 1 < policy.attempts) {
          const wait = Math.max(failure.options.retryAfterMs ?? 0, backoffDelay(attempt, policy.baseDelayMs, policy.maxDelayMs));
          await sleep(Math.min(wait, policy.maxDelayMs), cancel);
        }
      } finally {
        clearTimeout(timer);
        cancel?.removeEventListener("abort", onCancel);
      }
    }
  }
  if (lastError instanceof ProviderError && anyRetryable && !lastError.retryable) {
    throw new ProviderError(lastError.provider, lastError.message, { ...lastError.options, retryable: true });
  }
  throw lastError;
}
