// Meter event rate limits (docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api,
// "Rate limits"): calls per second per account (live mode 1,000; `config.meterEventsPerSecond`,
// 0 turns it off), counted over a sliding one-second window per endpoint, and one concurrent call
// per customer and meter (`config.meterEventConcurrencyPerCustomer`). The v2 meter event stream
// has its own budget, in events rather than calls: "up to 10,000 requests per second in livemode"
// (MeterEventStreamResource.create) read conservatively, as the changelog puts it ("up to 10k
// events per second to a meter event stream"); `config.meterEventStreamEventsPerSecond`, 0 off.
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

const STREAM_PATH = "/v2/billing/meter_event_stream";

/** What an admitted call counts for: when (ms) and how much (1 a call, or its number of events). */
type TAdmission = { at: number; weight: number };
/** Admitted calls per emulator and endpoint, oldest first. */
const admitted = new WeakMap<TEmulator, Map<string, TAdmission[]>>();

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
  const window = slidingWindow(context.emulator, context.path);
  if (window.used + 1 > context.emulator.config.meterEventsPerSecond) throw rateLimited();
  window.admit(1);
}

/**
 * Throws 429 when the events of this meter event stream call would take the account past
 * `config.meterEventStreamEventsPerSecond` within the last second; the call is refused whole
 * (none of its events is recorded). Otherwise returns `admit`, which counts them: call it once the
 * call's parameters are accepted, so a call refused as invalid spends nothing. Like the limits
 * above it is checked before the parameters are parsed, so a refusal is not stored under the
 * idempotency key. The error has the v2 shape of the concurrency refusal (type
 * `invalid_request_error`, status 429), which the SDK raises as StripeRateLimitError; the v2 type
 * `rate_limit` would give the unrelated RateLimitError class instead.
 */
export function requireMeterEventStreamCapacity(context: TRequestContext): () => void {
  const limit = context.emulator.config.meterEventStreamEventsPerSecond;
  if (limit <= 0) return () => {};
  const { events } = context.input as { events?: unknown };
  const count = Array.isArray(events) ? events.length : 0;
  const window = slidingWindow(context.emulator, STREAM_PATH);
  if (window.used + count > limit) {
    throw rateLimited(
      `Too many meter events sent to the meter event stream too quickly: this account may send ${limit.toLocaleString("en-US")} events per second, and ${window.used.toLocaleString("en-US")} were received in the last second. None of the ${count} events of this request was recorded; retry it after backing off.`,
    );
  }
  return () => window.admit(count);
}

/** The calls admitted for `key` within the last second: their total weight, and a way to add one. */
function slidingWindow(emulator: TEmulator, key: string): { used: number; admit(weight: number): void } {
  let byKey = admitted.get(emulator);
  if (!byKey) {
    const created = new Map<string, TAdmission[]>();
    admitted.set(emulator, (byKey = created));
    emulator.hooks.onReset.push(() => created.clear());
  }
  const windows = byKey;
  const now = Date.now();
  const calls = (windows.get(key) ?? []).filter((call) => call.at > now - WINDOW_MS);
  windows.set(key, calls);
  return {
    used: calls.reduce((sum, call) => sum + call.weight, 0),
    admit(weight) {
      // Read again: a reset may have come in between.
      const current = windows.get(key) ?? [];
      current.push({ at: Date.now(), weight });
      windows.set(key, current);
    },
  };
}

/** `meter|customer` for a meter event call's raw input, when both can be told. */
function concurrencyKey(emulator: TEmulator, input: TInFlightRequest["input"]): string | undefined {
  const { event_name: eventName, payload } = input as { event_name?: unknown; payload?: unknown };
  if (typeof eventName !== "string" || !payload || typeof payload !== "object") return undefined;
  const meter = findMeterByEventName(emulator.store, eventName);
  const customer = meter ? (payload as Record<string, unknown>)[meter.customer_mapping.event_payload_key] : undefined;
  return meter && typeof customer === "string" ? `${meter.id}|${customer}` : undefined;
}
