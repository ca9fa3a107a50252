// What a failed meter event call means for its line (DESIGN.md rules 3, 4, 6): Stripe's "already
// exists" is a delivery; rate limits, 5xx and lost connections are retried with backoff (Retry-After
// when Stripe gives one), key problems slowly; a refusal a retry cannot fix is dead-lettered.
// Errors are built with the SDK's own classes, as the SDK raises them.
import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { backoffMs, classifySendError, isDuplicateIdentifier } from "@/lib/stripe/reporter/classify-stripe-error";

const { StripeAPIError, StripeAuthenticationError, StripeConnectionError, StripeIdempotencyError, StripeInvalidRequestError, StripePermissionError, StripeRateLimitError } = Stripe.errors;

const lowest = () => 0;
const highest = () => 1;

describe("classifySendError", () => {
  it("counts Stripe's 'an event already exists with this identifier' as delivered", () => {
    const duplicate = new StripeInvalidRequestError({
      type: "invalid_request_error",
      statusCode: 400,
      message: "An event already exists with identifier tally_0123456789abcdef0123456789abcdef.",
      param: "identifier",
      headers: { "stripe-should-retry": "false" },
    });
    expect(isDuplicateIdentifier(duplicate)).toBe(true);
    expect(classifySendError(duplicate, 3)).toEqual({ kind: "delivered", duplicate: true });
    // Stripe's code for it, whatever the wording.
    const coded = new StripeInvalidRequestError({ type: "invalid_request_error", statusCode: 400, code: "duplicate_meter_event", message: "Duplicate." });
    expect(classifySendError(coded, 1)).toEqual({ kind: "delivered", duplicate: true });
    // The same words from something that is not Stripe are not a delivery.
    expect(classifySendError(new Error("An event already exists with identifier x"), 1)).toMatchObject({ kind: "retry" });
  });

  it("retries a 429 after Stripe's Retry-After, capped, and pauses the whole worker only for the account-wide limit", () => {
    const limited = (headers?: Record<string, string>) =>
      new StripeRateLimitError({ type: "invalid_request_error", statusCode: 429, code: "rate_limit", message: "Too many requests hit the API too quickly.", headers });
    expect(classifySendError(limited({ "retry-after": "7" }), 1, highest)).toEqual({
      kind: "retry",
      delayMs: 7_000,
      rateLimited: true,
      pauseAllMs: 7_000,
      error: "StripeRateLimitError rate_limit: Too many requests hit the API too quickly.",
    });
    // Without Retry-After the worker waits a second (Stripe's window), whatever the line's backoff.
    expect(classifySendError(limited(), 6, highest)).toMatchObject({ delayMs: 32_000, pauseAllMs: 1_000 });
    // A call of the same customer and meter in flight: only this line waits.
    const concurrent = new StripeRateLimitError({
      type: "invalid_request_error",
      statusCode: 429,
      code: "rate_limit",
      message: "Cannot create multiple usage events for the same customer, meter concurrently.",
    });
    expect(classifySendError(concurrent, 6, highest)).toMatchObject({ kind: "retry", delayMs: 32_000, pauseAllMs: 0 });
    expect(classifySendError(limited({ "retry-after": "86400" }), 1)).toMatchObject({ delayMs: 5 * 60_000 });
    // Without one (or an unreadable one): the line's backoff.
    expect(classifySendError(limited(), 3, lowest)).toMatchObject({ kind: "retry", delayMs: 2_000, rateLimited: true });
    expect(classifySendError(limited({ "retry-after": "soon" }), 3, highest)).toMatchObject({ delayMs: 4_000 });
  });

  it("retries server errors, conflicts and lost connections with the line's backoff", () => {
    const cases = [
      new StripeAPIError({ type: "api_error", statusCode: 500, message: "An unexpected error occurred." }),
      new StripeAPIError({ type: "api_error", statusCode: 503, message: "Service unavailable." }),
      new StripeIdempotencyError({ type: "idempotency_error", statusCode: 409, message: "There is currently another in-progress request using this key." }),
      new StripeConnectionError({ message: "An error occurred with our connection to Stripe. Request was retried 1 times." }),
      new StripeConnectionError({ message: "Request aborted due to timeout being reached (300ms)" }),
      new TypeError("fetch failed"),
    ];
    for (const error of cases) {
      const outcome = classifySendError(error, 2, lowest);
      expect(outcome).toMatchObject({ kind: "retry", delayMs: 1_000, rateLimited: false });
      expect(outcome.kind === "retry" && outcome.error).toContain(error.message);
    }
  });

  it("retries key and permission problems slowly (they are not the line's fault)", () => {
    for (const error of [
      new StripeAuthenticationError({ type: "invalid_request_error", statusCode: 401, message: "Invalid API Key provided: sk_test_****1234" }),
      new StripePermissionError({ type: "invalid_request_error", statusCode: 403, message: "The provided key does not have access." }),
    ]) {
      const outcome = classifySendError(error, 1, lowest);
      expect(outcome).toMatchObject({ kind: "retry", rateLimited: false });
      expect(outcome.kind === "retry" && outcome.delayMs).toBeGreaterThanOrEqual(60_000);
    }
  });

  it("dead-letters a timestamp Stripe refuses as timestamp_out_of_range", () => {
    const old = new StripeInvalidRequestError({
      type: "invalid_request_error",
      statusCode: 400,
      param: "timestamp",
      message: "Timestamp 1700000000 is too far in the past: meter events must be within the past 35 calendar days.",
    });
    expect(classifySendError(old, 1)).toEqual({ kind: "dead", code: "timestamp_out_of_range", error: `StripeInvalidRequestError: ${old.message}` });
    const future = new StripeInvalidRequestError({ type: "invalid_request_error", statusCode: 400, message: "Timestamp 1900000000 is too far in the future." });
    expect(classifySendError(future, 1)).toMatchObject({ kind: "dead", code: "timestamp_out_of_range" });
  });

  it("dead-letters any other refusal as stripe_rejected, with Stripe's words", () => {
    const cases = [
      new StripeInvalidRequestError({ type: "invalid_request_error", statusCode: 400, code: "resource_missing", param: "payload[stripe_customer_id]", message: "No such customer: 'cus_gone'" }),
      new StripeInvalidRequestError({ type: "invalid_request_error", statusCode: 400, message: "No active meter found for event_name 'api_calls'." }),
      new StripeInvalidRequestError({ type: "invalid_request_error", statusCode: 404, code: "resource_missing", message: "No such meter: 'mtr_gone'" }),
    ];
    for (const error of cases) {
      const outcome = classifySendError(error, 1);
      expect(outcome).toMatchObject({ kind: "dead", code: "stripe_rejected" });
      expect(outcome.kind === "dead" && outcome.error).toContain(error.message);
    }
    expect(classifySendError(cases[0], 1)).toMatchObject({ error: "StripeInvalidRequestError resource_missing: No such customer: 'cus_gone'" });
  });
});

describe("backoffMs", () => {
  it("waits between half and all of one second × 2^(attempt − 1)", () => {
    expect([1, 2, 3, 4].map((attempt) => [backoffMs(attempt, lowest), backoffMs(attempt, highest)])).toEqual([
      [500, 1_000],
      [1_000, 2_000],
      [2_000, 4_000],
      [4_000, 8_000],
    ]);
    expect(backoffMs(9, highest)).toBe(256_000);
    expect(backoffMs(0, highest)).toBe(1_000);
  });

  it("never waits more than five minutes, however many attempts", () => {
    for (const attempt of [10, 20, 1_000, Number.MAX_SAFE_INTEGER]) {
      expect(backoffMs(attempt, lowest)).toBe(150_000);
      expect(backoffMs(attempt, highest)).toBe(300_000);
    }
  });

  it("spreads retries (jitter) within the bounds", () => {
    const delays = Array.from({ length: 500 }, () => backoffMs(3));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(2_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(4_000);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});
