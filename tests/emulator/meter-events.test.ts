// v1 meter events and meter event adjustments (SEMANTICS.md §2, §3), through the official SDK.
// The emulator checks every rule of a v1 event at once (Tally's contract: a refused event is
// refused now, never reported later). Time moves with test clocks: a clock customer's "now" is its
// clock's frozen time.
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;
let sequence = 0;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
});

const T0 = Date.UTC(2026, 0, 15, 12) / 1000;
const DAY = 86_400;

function createMeter(formula: Stripe.Billing.MeterCreateParams.DefaultAggregation.Formula = "sum", extra: Partial<Stripe.Billing.MeterCreateParams> = {}) {
  sequence += 1;
  return e.stripe.billing.meters.create({ display_name: `Meter ${sequence}`, event_name: `event_${sequence}`, default_aggregation: { formula }, ...extra });
}

async function clockCustomer(): Promise<{ customer: Stripe.Customer; clock: Stripe.TestHelpers.TestClock }> {
  const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  return { customer: await e.stripe.customers.create({ test_clock: clock.id }), clock };
}

/** Advances a clock and waits until it is ready (advancing finishes in the background). */
async function advance(clock: Stripe.TestHelpers.TestClock, frozenTime: number): Promise<void> {
  await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: frozenTime });
  const deadline = Date.now() + 5_000;
  while ((await e.stripe.testHelpers.testClocks.retrieve(clock.id)).status !== "ready") {
    if (Date.now() > deadline) throw new Error("the test clock did not finish advancing");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function recordedCount(): number {
  return e.emulator.store.allMeterEvents().length;
}

async function usage(meter: Stripe.Billing.Meter, customer: Stripe.Customer, start = T0 - 36 * DAY, end = T0 + 2 * DAY): Promise<number | undefined> {
  const list = await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: start, end_time: end });
  return list.data[0]?.aggregated_value;
}

function refusal(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  return promise.then(
    () => {
      throw new Error("expected the call to be refused");
    },
    (error: unknown) => {
      if (!(error instanceof Stripe.errors.StripeError)) throw error;
      return error;
    },
  );
}

describe("recording meter events", () => {
  it("records an event and answers a billing.meter_event, which has no id", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    const event = await e.stripe.billing.meterEvents.create({
      event_name: meter.event_name,
      payload: { stripe_customer_id: customer.id, value: "25" },
      identifier: "call-1",
      timestamp: T0 - 60,
    });
    expect(event).toEqual({
      object: "billing.meter_event",
      created: T0,
      event_name: meter.event_name,
      identifier: "call-1",
      livemode: false,
      payload: { stripe_customer_id: customer.id, value: "25" },
      timestamp: T0 - 60,
    });
    expect(event).not.toHaveProperty("id");
    expect(await usage(meter, customer)).toBe(25);
  });

  it("generates an identifier and dates the event by the customer's clock when they are omitted", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    const first = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } });
    const second = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } });
    expect(first.identifier).not.toBe("");
    expect(second.identifier).not.toBe(first.identifier);
    expect(first).toMatchObject({ timestamp: T0, created: T0 });
  });

  it("reads the customer and value from the meter's own payload keys", async () => {
    const meter = await createMeter("sum", { customer_mapping: { type: "by_id", event_payload_key: "account" }, value_settings: { event_payload_key: "tokens" } });
    const { customer } = await clockCustomer();
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { account: customer.id, tokens: "1200" } });
    expect(await usage(meter, customer)).toBe(1200);
  });

  it("counts events of a count meter without a value", async () => {
    const meter = await createMeter("count");
    const { customer } = await clockCustomer();
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id } });
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id } });
    expect(await usage(meter, customer)).toBe(2);
  });

  it("accepts a negative whole number, which corrects earlier usage (Stripe docs: record negative quantities)", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "10" } });
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "-3" } });
    // 10 − 3 = 7
    expect(await usage(meter, customer)).toBe(7);
  });
});

describe("validation: each broken rule is a 400 and records nothing", () => {
  async function expectRefused(params: Stripe.Billing.MeterEventCreateParams, expected: { param: string; code?: string; message?: RegExp }) {
    const before = recordedCount();
    const error = await refusal(e.stripe.billing.meterEvents.create(params));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError", param: expected.param });
    expect(error.code).toBe(expected.code);
    if (expected.message) expect(error.message).toMatch(expected.message);
    expect(recordedCount()).toBe(before);
  }

  it("no meter has the event_name", async () => {
    const { customer } = await clockCustomer();
    await expectRefused({ event_name: "nobody_meters_this", payload: { stripe_customer_id: customer.id, value: "1" } }, { param: "event_name", message: /No active meter/ });
  });

  it("the meter is inactive", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await e.stripe.billing.meters.deactivate(meter.id);
    await expectRefused({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } }, { param: "event_name", message: /inactive/ });
    // Reactivated, it accepts events again.
    await e.stripe.billing.meters.reactivate(meter.id);
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } });
    expect(recordedCount()).toBe(1);
  });

  it("the payload lacks the customer key", async () => {
    const meter = await createMeter();
    await expectRefused(
      { event_name: meter.event_name, payload: { customer: "cus_123", value: "1" } },
      { param: "payload[stripe_customer_id]", code: "parameter_missing", message: /Customer mapping key stripe_customer_id not found in payload/ },
    );
  });

  it("the payload names an unknown customer", async () => {
    const meter = await createMeter();
    await expectRefused(
      { event_name: meter.event_name, payload: { stripe_customer_id: "cus_nobody", value: "1" } },
      { param: "payload[stripe_customer_id]", code: "resource_missing", message: /No such customer: 'cus_nobody'/ },
    );
  });

  it("the value is missing", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await expectRefused({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id } }, { param: "payload[value]", code: "parameter_missing" });
  });

  it("the value is not a number", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await expectRefused(
      { event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "ten" } },
      { param: "payload[value]", code: "parameter_invalid_integer", message: /not a number/ },
    );
  });

  it("the value is not a whole number", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await expectRefused(
      { event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1.5" } },
      { param: "payload[value]", code: "parameter_invalid_integer", message: /whole number/ },
    );
  });

  it("the identifier is longer than 100 characters", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await expectRefused({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" }, identifier: "i".repeat(101) }, { param: "identifier", code: "parameter_invalid" });
  });
});

describe("identifiers", () => {
  it("refuses a second event with an identifier used within 24 hours, and says not to retry", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    const params = { event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "3" }, identifier: "usage-42" };
    await e.stripe.billing.meterEvents.create(params);
    const error = await refusal(e.stripe.billing.meterEvents.create({ ...params, payload: { ...params.payload, value: "4" } }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: "identifier", message: "An event already exists with identifier usage-42." });
    expect(error.headers?.["stripe-should-retry"]).toBe("false");
    expect(await usage(meter, customer)).toBe(3);
  });

  it("answers a replay under the same idempotency key with the first result, not a duplicate error", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    const params = { event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "3" }, identifier: "usage-43" };
    const first = await e.stripe.billing.meterEvents.create(params, { idempotencyKey: "report-43" });
    const again = await e.stripe.billing.meterEvents.create(params, { idempotencyKey: "report-43" });
    expect(again).toEqual(first);
    expect(again.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect(recordedCount()).toBe(1);
  });

  it("accepts the identifier again once 24 hours have passed since it was received", async () => {
    const meter = await createMeter();
    const { customer, clock } = await clockCustomer();
    const params = { event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "5" }, identifier: "daily-1" };
    await e.stripe.billing.meterEvents.create(params);
    await advance(clock, T0 + DAY - 1);
    expect(await refusal(e.stripe.billing.meterEvents.create(params))).toMatchObject({ param: "identifier" });
    await advance(clock, T0 + DAY);
    await e.stripe.billing.meterEvents.create(params);
    // Both the first event and the one accepted 24 h later count: 5 + 5 = 10.
    expect(await usage(meter, customer)).toBe(10);
  });
});

describe("timestamps", () => {
  it("accepts exactly 35 days back and 5 minutes ahead of the customer's clock, and refuses one second beyond", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    const at = (timestamp: number, identifier: string) =>
      e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" }, timestamp, identifier });
    await at(T0 - 35 * DAY, "oldest");
    await at(T0 + 5 * 60, "newest");
    expect(await refusal(at(T0 - 35 * DAY - 1, "too-old"))).toMatchObject({ statusCode: 400, param: "timestamp", message: expect.stringMatching(/35 calendar days/) });
    expect(await refusal(at(T0 + 5 * 60 + 1, "too-new"))).toMatchObject({ statusCode: 400, param: "timestamp", message: expect.stringMatching(/5 minutes/) });
    expect(recordedCount()).toBe(2);
  });
});

describe("meter event adjustments", () => {
  it("cancels an event received within 24 hours: status pending, and it stops counting", async () => {
    const meter = await createMeter();
    const { customer } = await clockCustomer();
    await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "5" } });
    const wrong = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "7" } });
    const adjustment = await e.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel", cancel: { identifier: wrong.identifier } });
    expect(adjustment).toEqual({
      object: "billing.meter_event_adjustment",
      cancel: { identifier: wrong.identifier },
      event_name: meter.event_name,
      livemode: false,
      status: "pending",
      type: "cancel",
    });
    // 5 + 7 − 7 = 5
    expect(await usage(meter, customer)).toBe(5);
  });

  it("can still cancel at exactly 24 hours, and refuses one second later", async () => {
    const meter = await createMeter();
    const { customer, clock } = await clockCustomer();
    const kept = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "5" } });
    const late = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "7" } });
    await advance(clock, T0 + DAY);
    await e.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel", cancel: { identifier: kept.identifier } });
    await advance(clock, T0 + DAY + 1);
    const error = await refusal(e.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel", cancel: { identifier: late.identifier } }));
    expect(error).toMatchObject({ statusCode: 400, param: "cancel[identifier]", message: expect.stringMatching(/24 hours/) });
    // The first was cancelled in time, the second was not: 7.
    expect(await usage(meter, customer)).toBe(7);
  });

  it("refuses an unknown identifier, an event of another event_name, and a cancel without an identifier", async () => {
    const meter = await createMeter();
    const other = await createMeter();
    const { customer } = await clockCustomer();
    const event = await e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "5" } });
    const cancel = (event_name: string, cancelParams?: { identifier?: string }) =>
      refusal(e.stripe.billing.meterEventAdjustments.create({ event_name, type: "cancel", cancel: cancelParams }));
    expect(await cancel(meter.event_name, { identifier: "never-sent" })).toMatchObject({ statusCode: 400, param: "cancel[identifier]" });
    expect(await cancel(other.event_name, { identifier: event.identifier })).toMatchObject({ statusCode: 400, param: "cancel[identifier]" });
    expect(await cancel(meter.event_name)).toMatchObject({ statusCode: 400, param: "cancel[identifier]", code: "parameter_missing" });
    expect(await cancel("no_such_event", { identifier: event.identifier })).toMatchObject({ statusCode: 400, param: "event_name" });
    expect(await usage(meter, customer)).toBe(5);
  });
});
