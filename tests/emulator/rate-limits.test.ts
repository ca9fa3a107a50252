// Meter event rate limits (docs.stripe.com/billing/subscriptions/usage-based/recording-usage-api,
// "Rate limits"): calls per second per account (`meterEventsPerSecond`) and one concurrent call per
// customer and meter (`meterEventConcurrencyPerCustomer`), and events per second on the v2 meter
// event stream (`meterEventStreamEventsPerSecond`), all set through /_emulator/config.
// A refused call is a 429 that the SDK raises as StripeRateLimitError.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
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
  vi.useRealTimers();
  await e.control("DELETE", "/_emulator/faults");
  const { meterEventsPerSecond, meterEventConcurrencyPerCustomer, meterEventStreamEventsPerSecond } = defaults as {
    meterEventsPerSecond: number;
    meterEventConcurrencyPerCustomer: boolean;
    meterEventStreamEventsPerSecond: number;
  };
  await e.control("POST", "/_emulator/config", { meterEventsPerSecond, meterEventConcurrencyPerCustomer, meterEventStreamEventsPerSecond });
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

describe("events per second on the v2 meter event stream", () => {
  /** A whole minute, so the summaries below can start and end on minute boundaries. */
  const T0 = Date.UTC(2026, 0, 15, 12) / 1000;

  /** `count` events of value 1 whose identifiers start with `tag`. */
  function batch(meter: Stripe.Billing.Meter, customer: Stripe.Customer, tag: string, count: number) {
    return Array.from({ length: count }, (_, index) => ({ event_name: meter.event_name, identifier: `${tag}-${index}`, payload: { stripe_customer_id: customer.id, value: "1" } }));
  }

  async function usage(meter: Stripe.Billing.Meter, customer: Stripe.Customer): Promise<number | undefined> {
    const list = await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0 - 3_600, end_time: T0 + 3_600 });
    return list.data[0]?.aggregated_value;
  }

  /** The stream records after answering: waits (at most 2 s) until the event `identifier` is recorded. */
  async function untilRecorded(identifier: string): Promise<void> {
    const deadline = Date.now() + 2_000;
    while (!e.emulator.store.meterEventByIdentifier(identifier)) {
      if (Date.now() > deadline) throw new Error(`${identifier} was never recorded`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const identifiers = (tag: string) => e.emulator.store.allMeterEvents().filter((event) => event.identifier.startsWith(`${tag}-`));

  it("counts events, not calls: refuses a call that would pass the budget whole with 429, records none of it, and admits again a second later", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventStreamEventsPerSecond: 150 });
    // The emulator runs in this process: a frozen Date keeps every call below within one second.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 * 1000);
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const stream = (events: ReturnType<typeof batch>, options: Stripe.RequestOptions = {}) =>
      e.stripe.v2.billing.meterEventStream.create({ events }, { ...options, apiKey: session.authentication_token });

    await stream(batch(meter, customer, "first", 100));
    // 100 + 100 > 150: the whole second call is refused, by the official SDK as a rate limit.
    const error = await stream(batch(meter, customer, "second", 100), { idempotencyKey: "stream-batch-2" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "rate_limit" });
    // What is left of the second fits: 100 + 50 = 150. Then not one event more.
    await stream(batch(meter, customer, "third", 50));
    const oneMore = await stream(batch(meter, customer, "fourth", 1)).catch((caught: unknown) => caught);
    expect(oneMore).toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    await untilRecorded("third-49");
    expect(await usage(meter, customer)).toBe(150);
    expect(identifiers("second")).toHaveLength(0);
    expect(identifiers("fourth")).toHaveLength(0);

    // A second later the refused call, sent again with the same idempotency key, is admitted: the
    // 429 was not stored under the key, so this is a new attempt and not a replayed refusal.
    vi.setSystemTime(T0 * 1000 + 1_000);
    await stream(batch(meter, customer, "second", 100), { idempotencyKey: "stream-batch-2" });
    await untilRecorded("second-99");
    expect(await usage(meter, customer)).toBe(250);
    expect(identifiers("second")).toHaveLength(100);
  });

  it("applies no limit to the stream when meterEventStreamEventsPerSecond is 0", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventStreamEventsPerSecond: 0 });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 * 1000);
    const session = await e.stripe.v2.billing.meterEventSession.create();
    for (const tag of ["a", "b", "c"]) {
      await e.stripe.v2.billing.meterEventStream.create({ events: batch(meter, customer, tag, 100) }, { apiKey: session.authentication_token });
    }
    await untilRecorded("c-99");
    expect(await usage(meter, customer)).toBe(300);
  });

  it("leaves the v1 calls-per-second budget alone", async () => {
    const { meter, customer } = await setup();
    await e.control("POST", "/_emulator/config", { meterEventsPerSecond: 1, meterEventStreamEventsPerSecond: 150 });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(T0 * 1000);
    const session = await e.stripe.v2.billing.meterEventSession.create();
    await e.stripe.v2.billing.meterEventStream.create({ events: batch(meter, customer, "stream", 100) }, { apiKey: session.authentication_token });
    // The one v1 call this second is still available, and it spends none of the stream's events.
    await send(e.stripe, meter, customer);
    await e.stripe.v2.billing.meterEventStream.create({ events: batch(meter, customer, "more", 50) }, { apiKey: session.authentication_token });
    await untilRecorded("more-49");
    expect(recordedCount()).toBe(151);
  });
});
