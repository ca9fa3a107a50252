// Billing meters and their event summaries (SEMANTICS.md §1, §4), through the official SDK.
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

/** A UTC midnight: summaries below are computed by hand around it. */
const T0 = Date.UTC(2026, 0, 15) / 1000;
const HOUR = 3_600;
const DAY = 86_400;

function createMeter(formula: Stripe.Billing.MeterCreateParams.DefaultAggregation.Formula = "sum", extra: Partial<Stripe.Billing.MeterCreateParams> = {}) {
  sequence += 1;
  return e.stripe.billing.meters.create({ display_name: `Meter ${sequence}`, event_name: `event_${sequence}`, default_aggregation: { formula }, ...extra });
}

/** A customer on a test clock frozen two days after T0, so events around T0 are within bounds. */
async function clockCustomer(): Promise<Stripe.Customer> {
  const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 + 2 * DAY });
  return e.stripe.customers.create({ test_clock: clock.id });
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

async function eventsOfType(type: string): Promise<Stripe.Event[]> {
  return (await e.stripe.events.list({ type, limit: 100 })).data;
}

describe("meters", () => {
  it("creates a meter with Stripe's defaults, retrieves it, and emits billing.meter.created", async () => {
    const meter = await createMeter();
    expect(meter).toMatchObject({
      object: "billing.meter",
      status: "active",
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
      default_aggregation: { formula: "sum" },
      event_time_window: null,
      status_transitions: { deactivated_at: null },
      livemode: false,
    });
    expect(meter.id).toMatch(/^mtr_/);
    expect(await e.stripe.billing.meters.retrieve(meter.id)).toEqual(meter);
    const created = await eventsOfType("billing.meter.created");
    expect(created.map((event) => (event.data.object as Stripe.Billing.Meter).id)).toEqual([meter.id]);
  });

  it("keeps the payload keys and event time window it was created with", async () => {
    const meter = await createMeter("last", {
      customer_mapping: { type: "by_id", event_payload_key: "account" },
      value_settings: { event_payload_key: "tokens" },
      event_time_window: "day",
    });
    expect(meter).toMatchObject({
      customer_mapping: { event_payload_key: "account" },
      value_settings: { event_payload_key: "tokens" },
      event_time_window: "day",
      default_aggregation: { formula: "last" },
    });
  });

  it("updates only display_name, and emits billing.meter.updated with the previous name", async () => {
    const meter = await createMeter();
    const updated = await e.stripe.billing.meters.update(meter.id, { display_name: "Tokens" });
    expect(updated).toMatchObject({ id: meter.id, display_name: "Tokens", event_name: meter.event_name });
    const [event] = await eventsOfType("billing.meter.updated");
    expect(event?.data.previous_attributes).toMatchObject({ display_name: meter.display_name });

    // Nothing else can change after creation: the SDK's own params type has no other field.
    const error = await refusal(e.stripe.billing.meters.update(meter.id, { event_name: "renamed" } as Stripe.Billing.MeterUpdateParams));
    expect(error).toMatchObject({ statusCode: 400, param: "event_name" });
    expect((await e.stripe.billing.meters.retrieve(meter.id)).event_name).toBe(meter.event_name);
  });

  it("refuses a second meter with the same event_name, even while the first is inactive", async () => {
    const first = await createMeter();
    await e.stripe.billing.meters.deactivate(first.id);
    const error = await refusal(e.stripe.billing.meters.create({ display_name: "Again", event_name: first.event_name, default_aggregation: { formula: "sum" } }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: "event_name" });
    expect((await e.stripe.billing.meters.list()).data).toHaveLength(1);
  });

  it("checks display_name (250), event_name (100) and the formula", async () => {
    const base = { display_name: "Calls", event_name: "calls", default_aggregation: { formula: "sum" as const } };
    expect(await refusal(e.stripe.billing.meters.create({ ...base, display_name: "x".repeat(251) }))).toMatchObject({ param: "display_name" });
    expect(await refusal(e.stripe.billing.meters.create({ ...base, event_name: "x".repeat(101) }))).toMatchObject({ param: "event_name" });
    expect(await refusal(e.stripe.billing.meters.create({ ...base, default_aggregation: { formula: "max" } }))).toMatchObject({
      param: "default_aggregation[formula]",
    });
    expect(await refusal(e.stripe.billing.meters.create({ ...base, event_time_window: "week" }))).toMatchObject({ param: "event_time_window" });
    // 250 and 100 characters are fine.
    await e.stripe.billing.meters.create({ ...base, display_name: "x".repeat(250), event_name: "y".repeat(100) });
  });

  it("lists meters newest first, filtered by status", async () => {
    const a = await createMeter();
    const b = await createMeter();
    const c = await createMeter();
    await e.stripe.billing.meters.deactivate(b.id);
    expect((await e.stripe.billing.meters.list()).data.map((meter) => meter.id)).toEqual([c.id, b.id, a.id]);
    expect((await e.stripe.billing.meters.list({ status: "active" })).data.map((meter) => meter.id)).toEqual([c.id, a.id]);
    expect((await e.stripe.billing.meters.list({ status: "inactive" })).data.map((meter) => meter.id)).toEqual([b.id]);
    const page = await e.stripe.billing.meters.list({ limit: 2 });
    expect(page).toMatchObject({ has_more: true, url: "/v1/billing/meters" });
  });

  it("deactivates and reactivates, recording the time in status_transitions and emitting events", async () => {
    const meter = await createMeter();
    const before = Math.floor(Date.now() / 1000);
    const inactive = await e.stripe.billing.meters.deactivate(meter.id);
    expect(inactive.status).toBe("inactive");
    expect(inactive.status_transitions.deactivated_at).toBeGreaterThanOrEqual(before);
    expect(await eventsOfType("billing.meter.deactivated")).toHaveLength(1);
    expect(await refusal(e.stripe.billing.meters.deactivate(meter.id))).toMatchObject({ statusCode: 400 });

    const active = await e.stripe.billing.meters.reactivate(meter.id);
    expect(active).toMatchObject({ status: "active", status_transitions: { deactivated_at: null } });
    expect(await eventsOfType("billing.meter.reactivated")).toHaveLength(1);
  });

  it("answers 404 resource_missing for an unknown meter", async () => {
    const error = await refusal(e.stripe.billing.meters.retrieve("mtr_missing"));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id" });
  });
});

describe("event summaries", () => {
  async function record(meter: Stripe.Billing.Meter, customer: Stripe.Customer, value: string | null, timestamp: number) {
    const payload: Record<string, string> = { stripe_customer_id: customer.id };
    if (value !== null) payload.value = value;
    return e.stripe.billing.meterEvents.create({ event_name: meter.event_name, payload, timestamp });
  }

  /** Events of T0's day: 5 at 00:10, 7 at 01:05, 11 at 02:00, and 100 at 02:30 that is cancelled. */
  async function dayOfEvents() {
    const meter = await createMeter();
    const customer = await clockCustomer();
    await record(meter, customer, "5", T0 + 10 * 60);
    await record(meter, customer, "7", T0 + HOUR + 5 * 60);
    await record(meter, customer, "11", T0 + 2 * HOUR);
    const cancelled = await record(meter, customer, "100", T0 + 2 * HOUR + 30 * 60);
    await e.stripe.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel", cancel: { identifier: cancelled.identifier } });
    return { meter, customer };
  }

  it("gives one summary for the whole range without a grouping window; cancelled events never count", async () => {
    const { meter, customer } = await dayOfEvents();
    const list = await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0, end_time: T0 + 3 * HOUR });
    expect(list.url).toBe(`/v1/billing/meters/${meter.id}/event_summaries`);
    // 5 + 7 + 11 = 23 (the cancelled 100 is left out).
    expect(list.data).toEqual([
      {
        id: expect.stringMatching(/^mtrusg_/),
        object: "billing.meter_event_summary",
        aggregated_value: 23,
        start_time: T0,
        end_time: T0 + 3 * HOUR,
        meter: meter.id,
        livemode: false,
      },
    ]);
    // [T0 + 1 h, T0 + 2 h) holds only the 7; the end is exclusive, so the 11 at T0 + 2 h is out.
    const middle = await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0 + HOUR, end_time: T0 + 2 * HOUR });
    expect(middle.data.map((summary) => summary.aggregated_value)).toEqual([7]);
  });

  it("gives one summary per hour with value_grouping_window=hour, newest first", async () => {
    const { meter, customer } = await dayOfEvents();
    const list = await e.stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: T0,
      end_time: T0 + 4 * HOUR,
      value_grouping_window: "hour",
    });
    // 00:00–01:00 → 5, 01:00–02:00 → 7, 02:00–03:00 → 11 (100 cancelled), 03:00–04:00 → 0.
    expect(list.data.map((summary) => [summary.start_time, summary.end_time, summary.aggregated_value])).toEqual([
      [T0 + 3 * HOUR, T0 + 4 * HOUR, 0],
      [T0 + 2 * HOUR, T0 + 3 * HOUR, 11],
      [T0 + HOUR, T0 + 2 * HOUR, 7],
      [T0, T0 + HOUR, 5],
    ]);
    expect(new Set(list.data.map((summary) => summary.id)).size).toBe(4);
  });

  it("gives one summary per UTC day with value_grouping_window=day", async () => {
    const { meter, customer } = await dayOfEvents();
    await record(meter, customer, "2", T0 - HOUR);
    const list = await e.stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: T0 - DAY,
      end_time: T0 + DAY,
      value_grouping_window: "day",
    });
    // The day before T0 → 2; T0's day → 5 + 7 + 11 = 23.
    expect(list.data.map((summary) => [summary.start_time, summary.aggregated_value])).toEqual([
      [T0, 23],
      [T0 - DAY, 2],
    ]);
  });

  it("pages through hourly summaries with the list parameters", async () => {
    const { meter, customer } = await dayOfEvents();
    const params = { customer: customer.id, start_time: T0, end_time: T0 + DAY, value_grouping_window: "hour" as const };
    const first = await e.stripe.billing.meters.listEventSummaries(meter.id, { ...params, limit: 10 });
    expect(first.data).toHaveLength(10);
    expect(first.has_more).toBe(true);
    const all = await e.stripe.billing.meters.listEventSummaries(meter.id, { ...params, limit: 10 }).autoPagingToArray({ limit: 100 });
    expect(all).toHaveLength(24);
    expect(all.reduce((total, summary) => total + summary.aggregated_value, 0)).toBe(23);
  });

  it("applies the meter's formula: count and last", async () => {
    const customer = await clockCustomer();
    const count = await createMeter("count");
    await record(count, customer, null, T0 + 60);
    await record(count, customer, "40", T0 + 120);
    await record(count, customer, null, T0 + 180);
    const last = await createMeter("last");
    // Sent out of order: the newest timestamp wins, not the latest call.
    await record(last, customer, "4", T0 + 60);
    await record(last, customer, "9", T0 + 120);
    await record(last, customer, "6", T0 + 90);
    const range = { customer: customer.id, start_time: T0, end_time: T0 + HOUR };
    // count: 3 events, whatever their values; last: the value at T0 + 120 s = 9.
    expect((await e.stripe.billing.meters.listEventSummaries(count.id, range)).data[0]?.aggregated_value).toBe(3);
    expect((await e.stripe.billing.meters.listEventSummaries(last.id, range)).data[0]?.aggregated_value).toBe(9);
  });

  it("refuses times off the minute, hour or UTC-midnight grid, and an empty range", async () => {
    const meter = await createMeter();
    const customer = await clockCustomer();
    const list = (params: Partial<Stripe.Billing.MeterListEventSummariesParams>) =>
      refusal(e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0, end_time: T0 + HOUR, ...params }));
    expect(await list({ start_time: T0 + 30 })).toMatchObject({ statusCode: 400, param: "start_time" });
    expect(await list({ end_time: T0 + HOUR + 1 })).toMatchObject({ statusCode: 400, param: "end_time" });
    expect(await list({ end_time: T0 + 90 * 60, value_grouping_window: "hour" })).toMatchObject({ param: "end_time" });
    expect(await list({ start_time: T0 + HOUR, end_time: T0 + DAY + HOUR, value_grouping_window: "day" })).toMatchObject({ param: "start_time" });
    expect(await list({ start_time: T0 + HOUR, end_time: T0 + HOUR })).toMatchObject({ statusCode: 400, param: "start_time" });
    // Whole minutes are enough without a window.
    await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0 + 60, end_time: T0 + 120 });
  });

  it("needs customer, start_time and end_time, and an existing customer", async () => {
    const meter = await createMeter();
    const missing = await refusal(
      e.stripe.billing.meters.listEventSummaries(meter.id, { customer: "cus_x", end_time: T0 } as Stripe.Billing.MeterListEventSummariesParams),
    );
    expect(missing).toMatchObject({ statusCode: 400, param: "start_time", code: "parameter_missing" });
    const unknown = await refusal(e.stripe.billing.meters.listEventSummaries(meter.id, { customer: "cus_unknown", start_time: T0, end_time: T0 + 60 }));
    expect(unknown).toMatchObject({ statusCode: 404, code: "resource_missing", param: "customer" });
  });
});
