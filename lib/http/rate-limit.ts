// Per-API-key rate limits for machine callers: a token budget per second, kept in this process's
// memory (so each app instance allows the limit: N instances allow N times it). Dedup never relies
// on memory; this only sheds load, so forgetting it on a restart is harmless.
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import type { TApiKeyPrincipal } from "@/lib/auth/api-keys";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

const limiters = new Map<number, RateLimiterMemory>();

function limiterFor(pointsPerSecond: number): RateLimiterMemory {
  let limiter = limiters.get(pointsPerSecond);
  if (!limiter) {
    limiter = new RateLimiterMemory({ points: pointsPerSecond, duration: 1 });
    limiters.set(pointsPerSecond, limiter);
  }
  return limiter;
}

/** Spends `points` of the key's budget for this second, or throws 429 with Retry-After. */
export async function requireWithinRateLimit(apiKey: Pick<TApiKeyPrincipal, "id" | "rateLimitPerSecond">, points: number): Promise<void> {
  const limit = apiKey.rateLimitPerSecond ?? env.TALLY_INGEST_RATE_LIMIT;
  // A request larger than a whole second's budget would never pass: retrying it (what a 429 asks
  // for) cannot help, so it is refused for good.
  if (points > limit) {
    const detail = `This API key may send ${limit.toLocaleString("en-US")} events per second; split the batch.`;
    throw new AppError("unprocessable", detail, { errors: [{ pointer: "/events", code: "batch_exceeds_rate_limit", detail }] });
  }
  try {
    await limiterFor(limit).consume(apiKey.id, points);
  } catch (rejection) {
    if (!(rejection instanceof RateLimiterRes)) throw rejection;
    const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    throw new AppError("rate_limited", `This API key may send ${limit.toLocaleString("en-US")} events per second. Retry after ${seconds} s.`, {
      headers: { "retry-after": String(seconds) },
    });
  }
}
