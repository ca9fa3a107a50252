// When and how long to wait before resending a request. Pure policy, no I/O: transient statuses
// (429, 500, 502, 503, 504) and failed attempts are retried; the wait is the server's Retry-After
// when it sent one (capped), otherwise exponential backoff with full jitter.

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

export type TRetryPolicy = {
  /** Retries after the first attempt; 0 sends once. */
  maxRetries: number;
  /** Backoff ceiling for the first retry; it doubles on each retry up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Upper bound on a server-requested Retry-After wait. */
  maxRetryAfterMs: number;
};

export const DEFAULT_RETRY_POLICY: TRetryPolicy = {
  maxRetries: 5,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  maxRetryAfterMs: 60_000,
};

/** Full jitter: uniform in [0, min(max, base · 2^retry)). `retry` counts from 0. */
export function backoffDelay(retry: number, policy: TRetryPolicy, random: () => number = Math.random): number {
  return random() * Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** retry);
}

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The wait before retry number `retry` (from 0): Retry-After when given (capped), else backoff. */
export function retryDelay(retry: number, retryAfter: string | null, policy: TRetryPolicy): number {
  const requested = parseRetryAfter(retryAfter);
  return requested === undefined ? backoffDelay(retry, policy) : Math.min(requested, policy.maxRetryAfterMs);
}

/** A plain wait. Deliberately not unref()ed: a request still being retried keeps the process alive. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
