// How long to wait before trying a HubSpot call again. HubSpot's 429s carry its X-HubSpot-RateLimit-*
// headers (the rolling window's length in X-HubSpot-RateLimit-Interval-Milliseconds, what is left in
// X-HubSpot-RateLimit-Remaining); it documents no Retry-After, but a proxy in front of it may send
// one. Without either, the wait doubles with each attempt.

export type THubSpotRetryOptions = {
  /** Tries in all, the first included (default 5). */
  attempts?: number;
  /** The first wait when HubSpot says nothing of when to come back; doubled each time (default 1 s). */
  baseDelayMs?: number;
  /** The longest wait, whatever HubSpot asks for (default 30 s). */
  maxDelayMs?: number;
};

export const DEFAULT_HUBSPOT_RETRY = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 30_000 } as const;

/**
 * The wait (ms) before attempt `attempt + 1`, after attempt `attempt` (1-based) failed with `status`
 * (0: no answer) and `headers` (any case). Retry-After (seconds or an HTTP date) comes first; then,
 * for a 429 whose rolling window is used up, the window's length; otherwise base × 2^(attempt − 1).
 * Never more than maxDelayMs, never negative.
 */
export function computeHubSpotRetryDelay(input: {
  attempt: number;
  status: number;
  headers?: Readonly<Record<string, string | undefined>>;
  options?: THubSpotRetryOptions;
  nowMs?: number;
}): number {
  const baseDelayMs = input.options?.baseDelayMs ?? DEFAULT_HUBSPOT_RETRY.baseDelayMs;
  const maxDelayMs = input.options?.maxDelayMs ?? DEFAULT_HUBSPOT_RETRY.maxDelayMs;
  const header = (name: string) => {
    for (const [key, value] of Object.entries(input.headers ?? {})) if (key.toLowerCase() === name && value !== undefined) return value.trim();
    return undefined;
  };
  const clamp = (ms: number) => Math.max(0, Math.min(maxDelayMs, Math.ceil(ms)));

  const retryAfter = header("retry-after");
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return clamp(Number(retryAfter) * 1_000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return clamp(at - (input.nowMs ?? Date.now()));
  }
  if (input.status === 429) {
    const interval = Number(header("x-hubspot-ratelimit-interval-milliseconds"));
    const remaining = header("x-hubspot-ratelimit-remaining");
    if (Number.isFinite(interval) && interval > 0 && (remaining === undefined || Number(remaining) <= 0)) return clamp(interval);
  }
  return clamp(baseDelayMs * 2 ** Math.max(0, input.attempt - 1));
}
