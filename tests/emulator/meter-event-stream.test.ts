// v2 meter events (SEMANTICS.md §2.2, §2.6, §3.2): the session, the high-throughput stream that
// validates afterwards and reports problems as thin events, and the one-event and adjustment
// endpoints, through the official SDK (`stripe.v2.billing.*`).
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
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
afterEach(() => {
  vi.useRealTimers();
});

const T0 = Date.UTC(2026, 0, 15, 12) / 1000;
const DAY = 86_400;
const iso = (unix: number) => new Date(unix * 1000).toISOString();

/** One event of a stream request (the SDK's params type is not exported). */
type TStreamEvent = { event_name: string; identifier?: string; payload: Record<string, string>; timestamp?: string };

async function setup(formula: Stripe.Billing.MeterCreateParams.DefaultAggregation.Formula = "sum") {
  sequence += 1;
  const meter = await e.stripe.billing.meters.create({ display_name: `Meter ${sequence}`, event_name: `event_${sequence}`, default_aggregation: { formula } });
  const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
  const customer = await e.stripe.customers.create({ test_clock: clock.id });
  return { meter, customer };
}

async function usage(meter: Stripe.Billing.Meter, customer: Stripe.Customer): Promise<number | undefined> {
  const list = await e.stripe.billing.meters.listEventSummaries(meter.id, { customer: customer.id, start_time: T0 - 36 * DAY, end_time: T0 + DAY });
  return list.data[0]?.aggregated_value;
}

/** Polls `read` until `done` holds (the stream validates after answering), for at most 2 s. */
async function eventually<T>(read: () => T | Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Thin events, as the emulator records them. Stripe serves them from /v2/core/events and event
 * destinations, which the emulator does not have (/v1/events leaves them out, as Stripe does).
 */
function thinEvents(type: string): Stripe.Event[] {
  return e.emulator.store.list("events").filter((event) => event.type === type);
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

describe("meter event sessions and the stream", () => {
  it("creates a session whose token is valid for 15 minutes", async () => {
    const session = await e.stripe.v2.billing.meterEventSession.create();
    expect(session).toMatchObject({ object: "v2.billing.meter_event_session", livemode: false });
    expect(session.id).not.toBe("");
    expect(session.authentication_token).not.toBe("");
    expect(Date.parse(session.expires_at) - Date.parse(session.created)).toBe(15 * 60 * 1000);
  });

  it("accepts up to 100 events with the session token and records them afterwards", async () => {
    const { meter, customer } = await setup();
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const events = Array.from({ length: 100 }, (_, index) => ({
      event_name: meter.event_name,
      identifier: `stream-${index}`,
      payload: { stripe_customer_id: customer.id, value: "2" },
      timestamp: iso(T0 - 60),
    }));
    await e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token });
    // 100 events × 2 = 200
    expect(await eventually(() => usage(meter, customer), (value) => value === 200)).toBe(200);
  });

  it("refuses more than 100 events in one request, and records none of them", async () => {
    const { meter, customer } = await setup();
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const events = Array.from({ length: 101 }, () => ({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } }));
    const error = await refusal(e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error.statusCode).toBe(400);
    expect(e.emulator.store.allMeterEvents()).toHaveLength(0);
  });

  it("needs a session token: the secret key and unknown tokens are refused", async () => {
    const { meter, customer } = await setup();
    const events = [{ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } }];
    expect(await refusal(e.stripe.v2.billing.meterEventStream.create({ events }))).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(await refusal(e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: "ek_test_unknown" }))).toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
  });

  it("raises TemporarySessionExpiredError once the token is older than 15 minutes", async () => {
    const { meter, customer } = await setup();
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const events = [{ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } }];
    // The emulator runs in this process: moving the system clock moves its real time.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(session.expires_at) - 1_000);
    await e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token });
    vi.setSystemTime(Date.parse(session.expires_at));
    const error = await refusal(e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token }));
    expect(error).toBeInstanceOf(Stripe.errors.TemporarySessionExpiredError);
    expect(error).toMatchObject({ statusCode: 401, code: "billing_meter_event_session_expired" });
  });

  it("counts an event sent again with the same identifier once, so a reporter may resend a batch safely", async () => {
    const { meter, customer } = await setup();
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const send = (events: TStreamEvent[]) => e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token });
    const event: TStreamEvent = { event_name: meter.event_name, identifier: "report-42", payload: { stripe_customer_id: customer.id, value: "7" }, timestamp: iso(T0 - 60) };
    await send([event]);
    expect(await eventually(() => usage(meter, customer), (value) => value === 7)).toBe(7);

    // The same event resent (twice in one call), then a new one that shows the call was processed.
    await send([event, event, { ...event, identifier: "report-43", payload: { stripe_customer_id: customer.id, value: "1" } }]);
    await eventually(() => e.emulator.store.meterEventByIdentifier("report-43"), (found) => found !== undefined);
    expect(await usage(meter, customer)).toBe(8);
    expect(e.emulator.store.allMeterEvents().filter((recorded) => recorded.identifier === "report-42")).toHaveLength(1);
    // A resend is not a mistake to report: no error report is emitted for it.
    expect(thinEvents("v1.billing.meter.error_report_triggered")).toEqual([]);
  });

  it("accepts a batch with bad events, records the good ones and reports the bad ones as thin events", async () => {
    const { meter, customer } = await setup();
    const session = await e.stripe.v2.billing.meterEventSession.create();
    const events: TStreamEvent[] = [
      { event_name: meter.event_name, identifier: "good", payload: { stripe_customer_id: customer.id, value: "5" } },
      { event_name: meter.event_name, identifier: "no-customer", payload: { value: "5" } },
      { event_name: meter.event_name, identifier: "unknown-customer", payload: { stripe_customer_id: "cus_nobody", value: "5" } },
      { event_name: meter.event_name, identifier: "fraction", payload: { stripe_customer_id: customer.id, value: "2.5" } },
      { event_name: meter.event_name, identifier: "ancient", payload: { stripe_customer_id: customer.id, value: "5" }, timestamp: iso(T0 - 40 * DAY) },
      { event_name: "nobody_meters_this", identifier: "no-meter", payload: { stripe_customer_id: customer.id, value: "5" } },
    ];
    await e.stripe.v2.billing.meterEventStream.create({ events }, { apiKey: session.authentication_token });

    const [report] = await eventually(() => thinEvents("v1.billing.meter.error_report_triggered"), (found) => found.length > 0);
    // One report for the meter, one error type per code, in the order the events came.
    expect(report?.data.object).toMatchObject({
      related_object: { id: meter.id, type: "billing.meter", url: `/v1/billing/meters/${meter.id}` },
      developer_message_summary: "There are 4 invalid events",
      reason: {
        error_count: 4,
        error_types: [
          { code: "meter_event_no_customer_defined", error_count: 1, sample_errors: [{ request: { identifier: "no-customer" } }] },
          { code: "meter_event_customer_not_found", error_count: 1, sample_errors: [{ request: { identifier: "unknown-customer" } }] },
          { code: "meter_event_invalid_value", error_count: 1, sample_errors: [{ request: { identifier: "fraction" } }] },
          { code: "timestamp_too_far_in_past", error_count: 1, sample_errors: [{ request: { identifier: "ancient" } }] },
        ],
      },
    });
    const [noMeter] = thinEvents("v1.billing.meter.no_meter_found");
    expect(noMeter?.data.object).toMatchObject({ reason: { error_count: 1, error_types: [{ code: "no_meter", error_count: 1 }] } });
    // Only the good event counts.
    expect(await usage(meter, customer)).toBe(5);
    expect(e.emulator.store.allMeterEvents()).toHaveLength(1);
  });
});

describe("POST /v2/billing/meter_events", () => {
  it("records one event and answers with RFC 3339 times", async () => {
    const { meter, customer } = await setup();
    const event = await e.stripe.v2.billing.meterEvents.create({
      event_name: meter.event_name,
      identifier: "v2-1",
      payload: { stripe_customer_id: customer.id, value: "8" },
      timestamp: iso(T0 - 3_600),
    });
    expect(event).toMatchObject({
      object: "v2.billing.meter_event",
      created: iso(T0),
      event_name: meter.event_name,
      identifier: "v2-1",
      livemode: false,
      payload: { stripe_customer_id: customer.id, value: "8" },
      timestamp: iso(T0 - 3_600),
    });
    expect(await usage(meter, customer)).toBe(8);
  });

  it("answers the payload and meter rules at once with v2 error codes", async () => {
    const { meter, customer } = await setup();
    const create = (params: Partial<Stripe.V2.Billing.MeterEventCreateParams>) =>
      refusal(e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" }, ...params }));
    await e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, identifier: "taken", payload: { stripe_customer_id: customer.id, value: "1" } });

    expect(await create({ event_name: "nobody_meters_this" })).toMatchObject({ statusCode: 400, code: "no_meter" });
    expect(await create({ payload: { value: "1" } })).toMatchObject({ statusCode: 400, code: "payload_no_customer_defined" });
    expect(await create({ payload: { stripe_customer_id: customer.id } })).toMatchObject({ statusCode: 400, code: "payload_no_value_defined" });
    expect(await create({ payload: { stripe_customer_id: customer.id, value: "0.5" } })).toMatchObject({ statusCode: 400, code: "payload_invalid_value" });
    expect(await create({ identifier: "taken" })).toMatchObject({ statusCode: 400, code: "duplicate_meter_event" });
    await e.stripe.billing.meters.deactivate(meter.id);
    expect(await create({})).toMatchObject({ statusCode: 400, code: "archived_meter" });
    expect(await create({})).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(e.emulator.store.allMeterEvents()).toHaveLength(1);
  });

  it("accepts an unknown customer, then reports it instead of recording the event", async () => {
    const { meter } = await setup();
    const event = await e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, identifier: "ghost", payload: { stripe_customer_id: "cus_nobody", value: "1" } });
    expect(event.identifier).toBe("ghost");
    const [report] = await eventually(() => thinEvents("v1.billing.meter.error_report_triggered"), (found) => found.length > 0);
    expect(report?.data.object).toMatchObject({ reason: { error_types: [{ code: "meter_event_customer_not_found", sample_errors: [{ request: { identifier: "ghost" } }] }] } });
    expect(e.emulator.store.allMeterEvents()).toHaveLength(0);
  });
});

describe("POST /v2/billing/meter_event_adjustments", () => {
  it("cancels an event: pending, with an id and RFC 3339 created, and the event stops counting", async () => {
    const { meter, customer } = await setup();
    await e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, identifier: "keep", payload: { stripe_customer_id: customer.id, value: "4" } });
    await e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, identifier: "drop", payload: { stripe_customer_id: customer.id, value: "6" } });
    const adjustment = await e.stripe.v2.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel", cancel: { identifier: "drop" } });
    expect(adjustment).toMatchObject({
      object: "v2.billing.meter_event_adjustment",
      cancel: { identifier: "drop" },
      created: iso(T0),
      event_name: meter.event_name,
      livemode: false,
      status: "pending",
      type: "cancel",
    });
    expect(adjustment.id).not.toBe("");
    // 4 + 6 − 6 = 4
    expect(await usage(meter, customer)).toBe(4);
  });

  it("refuses a cancel without an identifier with invalid_cancel_configuration", async () => {
    const { meter } = await setup();
    const error = await refusal(
      e.stripe.v2.billing.meterEventAdjustments.create({ event_name: meter.event_name, type: "cancel" } as Stripe.V2.Billing.MeterEventAdjustmentCreateParams),
    );
    expect(error).toMatchObject({ statusCode: 400, code: "invalid_cancel_configuration" });
  });
});
