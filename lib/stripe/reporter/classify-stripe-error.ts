// Pure: what a meter event call's failure means for its line. Stripe's "an event already exists
// with this identifier" is a delivery (a resend of a line Stripe already has); rate limits, 5xx,
// timeouts, dropped connections and key problems are retried later with backoff and jitter (never
// in a busy loop); any other refusal is one a retry cannot fix: the line is dead-lettered with it.
import Stripe from "stripe";

export type TSendOutcome =
  | { kind: "delivered"; duplicate: boolean }
  | {
      kind: "retry";
      /** When this line is tried again. */
      delayMs: number;
      error: string;
      rateLimited: boolean;
      /**
       * How long every call of the worker should wait: Stripe's account-wide limit (its Retry-After,
       * or a second, the span of its window). 0 when the refusal concerns this line's customer and
       * meter only (another call of theirs was in flight), so other customers go on.
       */
      pauseAllMs: number;
    }
  | { kind: "dead"; code: "stripe_rejected" | "timestamp_out_of_range" | "needs_reconciliation"; error: string };

const BASE_DELAY_MS = 1_000;
const MAX_DELAY_MS = 5 * 60_000;
/** Problems with the key or account: not the line's fault, so retried, slowly. */
const KEY_PROBLEM_DELAY_MS = 60_000;
/** Stripe counts its rate limit over one second: a 429 without Retry-After pauses the worker that long. */
const ACCOUNT_LIMIT_PAUSE_MS = 1_000;

/** Exponential backoff with "equal jitter": between half and all of base × 2^(attempt − 1), capped. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function retryAfterMs(error: Stripe.errors.StripeError): number | undefined {
  const header = error.headers?.["retry-after"];
  const seconds = header === undefined ? Number.NaN : Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(MAX_DELAY_MS, seconds * 1000) : undefined;
}

export function isDuplicateIdentifier(error: unknown): boolean {
  return (
    error instanceof Stripe.errors.StripeError &&
    (error.code === "duplicate_meter_event" || /already exists with (the )?identifier/i.test(error.message ?? ""))
  );
}

export function classifySendError(error: unknown, attempt: number, random: () => number = Math.random): TSendOutcome {
  if (isDuplicateIdentifier(error)) return { kind: "delivered", duplicate: true };
  if (!(error instanceof Stripe.errors.StripeError)) {
    return { kind: "retry", delayMs: backoffMs(attempt, random), error: describe(error), rateLimited: false, pauseAllMs: 0 };
  }
  const status = error.statusCode;
  const message = `${error.type}${error.code ? ` ${error.code}` : ""}: ${error.message}`;
  if (status === 429 || error instanceof Stripe.errors.StripeRateLimitError) {
    const retryAfter = retryAfterMs(error);
    const onePair = /concurrent/i.test(error.message ?? "");
    return {
      kind: "retry",
      delayMs: retryAfter ?? backoffMs(attempt, random),
      error: message,
      rateLimited: true,
      pauseAllMs: onePair ? 0 : (retryAfter ?? ACCOUNT_LIMIT_PAUSE_MS),
    };
  }
  if (status === undefined || status >= 500 || status === 409 || error instanceof Stripe.errors.StripeConnectionError) {
    return { kind: "retry", delayMs: backoffMs(attempt, random), error: message, rateLimited: false, pauseAllMs: 0 };
  }
  if (status === 401 || status === 403) {
    return { kind: "retry", delayMs: Math.max(KEY_PROBLEM_DELAY_MS, backoffMs(attempt, random)), error: message, rateLimited: false, pauseAllMs: 0 };
  }
  const timestamp = error.param === "timestamp" || /timestamp/i.test(error.message ?? "");
  return { kind: "dead", code: timestamp ? "timestamp_out_of_range" : "stripe_rejected", error: message };
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
