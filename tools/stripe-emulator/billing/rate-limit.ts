// Meter event rate limits (docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api,
// "Rate limits"): calls per second per account (live mode 1,000; `config.meterEventsPerSecond`,
// 0 turns it off), counted over a sliding one-second window per endpoint, and one concurrent call
// per customer and meter (`config.meterEventConcurrencyPerCustomer`).
//
// Checked before the request's parameters are parsed, so a refused call is not stored under its
// idempotency key: a retry with the same key is a new attempt, as with Stripe. Stripe does not ask
// the SDK to retry a rate limit (no `Stripe-Should-Retry`), so clients back off themselves.
import type { TEmulator, TInFlightRequest, TRequestContext } from "../core/context";
import { rateLimited, StripeError } from "../core/errors";
import { findMeterByEventName } from "./meter-lookup";

const WINDOW_MS = 1_000;
/** Endpoints that create meter events one call at a time; concurrency is counted across them. */
const METER_EVENT_PATHS = new Set(["/v1/billing/meter_events", "/v2/billing/meter_events"]);

/** Admitted calls per emulator and endpoint, oldest first (ms). */
const admitted = new WeakMap<TEmulator, Map<string, number[]>>();

/** Throws 429 when this meter event call is over a limit; otherwise counts it. */
export function requireMeterEventCapacity(context: TRequestContext): void {
  const { emulator } = context;
  if (emulator.config.meterEventConcurrencyPerCustomer) requireNoConcurrentCall(context);
  if (emulator.config.meterEventsPerSecond > 0) requireRate(context);
}

function requireNoConcurrentCall(context: TRequestContext): void {
  const key = concurrencyKey(context.emulator, context.input);
  if (key === undefined) return;
  for (const other of context.inFlight) {
    // Only a call that arrived earlier holds the customer and meter.
    if (other.requestId === context.requestId) return;
    if (other.method === "POST" && METER_EVENT_PATHS.has(other.path) && concurrencyKey(context.emulator, other.input) === key) {
      const message = "Cannot create multiple usage events for the same customer, meter concurrently.";
      throw context.apiMode === "v2" ? new StripeError(429, "invalid_request_error", message, { code: "too_many_concurrent_requests" }) : rateLimited(message);
    }
  }
}

function requireRate(context: TRequestContext): void {
  const { emulator, path } = context;
  let byPath = admitted.get(emulator);
  if (!byPath) {
    const created = new Map<string, number[]>();
    admitted.set(emulator, (byPath = created));
    emulator.hooks.onReset.push(() => created.clear());
  }
  const now = Date.now();
  const calls = (byPath.get(path) ?? []).filter((at) => at > now - WINDOW_MS);
  if (calls.length >= emulator.config.meterEventsPerSecond) {
    byPath.set(path, calls);
    throw rateLimited();
  }
  calls.push(now);
  byPath.set(path, calls);
}

/** `meter|customer` for a meter event call's raw input, when both can be told. */
function concurrencyKey(emulator: TEmulator, input: TInFlightRequest["input"]): string | undefined {
  const { event_name: eventName, payload } = input as { event_name?: unknown; payload?: unknown };
  if (typeof eventName !== "string" || !payload || typeof payload !== "object") return undefined;
  const meter = findMeterByEventName(emulator.store, eventName);
  const customer = meter ? (payload as Record<string, unknown>)[meter.customer_mapping.event_payload_key] : undefined;
  return meter && typeof customer === "string" ? `${meter.id}|${customer}` : undefined;
}
