// Meter event rate limits (docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api,
// "Rate limits"): calls per second per account (`meterEventsPerSecond`) and one concurrent call per
// customer and meter (`meterEventConcurrencyPerCustomer`), both set through /_emulator/config.
// A refused call is a 429 that the SDK raises as StripeRateLimitError.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;
let sequence = 0;
let defaults: unknown;

beforeAll(async () => {
  e = await startTestEmulator();
  defaults = await e.control("GET", "/_emulator/config");
});
afterAll(async () => {
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
});
afterEach(async () => {
  await e.control("DELETE", "/_emulator/faults");
  const { meterEventsPerSecond, meterEventConcurrencyPerCustomer } = defaults as { meterEventsPerSecond: number; meterEventConcurrencyPerCustomer: boolean };
  await e.control("POST", "/_emulator/config", { meterEventsPerSecond, meterEventConcurrencyPerCustomer });
});

async function setup() {
  sequence += 1;
  const meter = await e.stripe.billing.meters.create({ display_name: `Meter ${sequence}`, event_name: `event_${sequence}`, default_aggregation: { formula: "sum" } });
  const customer = await e.stripe.customers.create({ name: "Ada" });
  const other = await e.stripe.customers.create({ name: "Grace" });
  return { meter, customer, other };
}

function send(stripe: Stripe, meter: Stripe.Billing.Meter, customer: Stripe.Customer, options: Stripe.RequestOptions = {}) {
  return stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } }, options);
}

function recordedCount(): number {
  return e.emulator.store.allMeterEvents().length;
}

/** Waits until the injected delay fault has been taken, i.e. the call it holds is in flight. */
async function untilFaultTaken(): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (((await e.control("GET", "/_emulator/faults")) as { data: unknown[] }).data.length > 0) {
    if (Date.now() > deadline) throw new Error("the delayed call never arrived");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("calls per second", () => {
  it("refuses the calls of a burst beyond the configured rate with 429 rate_limit, and records only the admitted ones", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventsPerSecond: 20, meterEventConcurrencyPerCustomer: false });
    // 25 calls at once, well inside one second: 20 admitted, 5 refused.
    const results = await Promise.allSettled(Array.from({ length: 25 }, () => send(e.stripe, meter, customer)));
    const refused = results.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : []));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(20);
    expect(refused).toHaveLength(5);
    for (const error of refused) {
      expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
    }
    expect(recordedCount()).toBe(20);
  });

  it("lets a client that backs off succeed with the same idempotency key; the SDK itself does not retry a 429", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventsPerSecond: 2 });
    await send(e.stripe, meter, customer);
    await send(e.stripe, meter, customer);

    // Stripe does not mark a rate limit retryable, so even a client with retries makes one attempt.
    let attempts = 0;
    const count = () => {
      attempts += 1;
    };
    e.stripeWithRetries.on("request", count);
    const error = await send(e.stripeWithRetries, meter, customer, { idempotencyKey: "usage-report-7" }).catch((caught: unknown) => caught);
    e.stripeWithRetries.off("request", count);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(attempts).toBe(1);

    // The 429 is not stored under the key: backing off and retrying it records the event once.
    let event: Stripe.Billing.MeterEvent | undefined;
    const deadline = Date.now() + 3_000;
    for (let delay = 50; !event && Date.now() < deadline; delay *= 2) {
      await new Promise((resolve) => setTimeout(resolve, delay));
      event = await send(e.stripeWithRetries, meter, customer, { idempotencyKey: "usage-report-7" }).catch((caught: unknown) => {
        if (caught instanceof Stripe.errors.StripeRateLimitError) return undefined;
        throw caught;
      });
    }
    expect(event?.object).toBe("billing.meter_event");
    expect(recordedCount()).toBe(3);
  });

  it("applies no rate limit when meterEventsPerSecond is 0", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventsPerSecond: 0 });
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => send(e.stripe, meter, customer)));
    expect(results.every((result) => result.status === "fulfilled")).toBe(true);
    expect(recordedCount()).toBe(40);
  });
});

describe("one concurrent call per customer and meter", () => {
  it("refuses a second call for the same customer and meter while the first is in flight", async () => {
    const { meter, customer, other } = await setup();
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/billing/meter_events", action: "delay", delay_ms: 500 });
    const first = send(e.stripe, meter, customer);
    await untilFaultTaken();

    const error = await send(e.stripe, meter, customer).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
    // Another customer on the same meter is not held up.
    await send(e.stripe, meter, other);

    expect((await first).object).toBe("billing.meter_event");
    // Once the first has answered, the customer can send again.
    await send(e.stripe, meter, customer);
    expect(recordedCount()).toBe(3);
  });

  it("answers v2 meter events with too_many_concurrent_requests", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/billing/meter_events", action: "delay", delay_ms: 500 });
    const first = send(e.stripe, meter, customer);
    await untilFaultTaken();
    const error = await e.stripe.v2.billing.meterEvents
      .create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "too_many_concurrent_requests" });
    await first;
    expect(recordedCount()).toBe(1);
  });

  it("lets concurrent calls through when meterEventConcurrencyPerCustomer is off", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventConcurrencyPerCustomer: false });
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/billing/meter_events", action: "delay", delay_ms: 300 });
    const first = send(e.stripe, meter, customer);
    await untilFaultTaken();
    await send(e.stripe, meter, customer);
    await first;
    expect(recordedCount()).toBe(2);
  });
});
