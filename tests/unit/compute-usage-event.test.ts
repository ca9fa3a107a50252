// The rules one usage event must pass, and what makes two payloads "the same" for idempotency.
import { describe, expect, it } from "vitest";
import { computeUsageEvent, type TEventCustomer, type TEventMeter } from "@/lib/metering/compute-usage-event";
import type { TUsageEventInput } from "@/lib/metering/schemas";

const now = new Date("2026-11-21T12:00:00.000Z");
const sumMeter: TEventMeter = { id: "m1", eventName: "api_requests", aggregation: "SUM", allowNegative: false, status: "ACTIVE" };
const countMeter: TEventMeter = { ...sumMeter, id: "m2", eventName: "logins", aggregation: "COUNT" };
const customer: TEventCustomer = { id: "c1", externalId: "acme", archived: false, currentPeriodStart: new Date("2026-11-01T00:00:00Z") };

function compute(input: Partial<TUsageEventInput>, context: { meter?: TEventMeter | undefined; customer?: TEventCustomer | undefined } = {}) {
  const event = { idempotency_key: "k1", customer: "acme", meter: "api_requests", value: 1, ...input } as TUsageEventInput;
  return computeUsageEvent(event, { pointer: "/events/2", customer: "customer" in context ? context.customer : customer, meter: "meter" in context ? context.meter : sumMeter, now });
}

function codes(input: Partial<TUsageEventInput>, context: Parameters<typeof compute>[1] = {}) {
  const result = compute(input, context);
  return result.ok ? [] : result.errors.map((error) => `${error.pointer} ${error.code}`);
}

function hash(input: Partial<TUsageEventInput>) {
  const result = compute(input);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.event.payloadHash;
}

describe("computeUsageEvent", () => {
  it("keeps exact decimals and canonicalises them", () => {
    const values: [number | string, string][] = [[0.1, "0.1"], ["0.100", "0.1"], ["1e3", "1000"], [12, "12"], ["-0", "0"], ["123456789012345678901234.123456789012", "123456789012345678901234.123456789012"]];
    for (const [value, expected] of values) {
      const result = compute({ value });
      expect(result.ok && result.event.quantity, String(value)).toBe(expected);
    }
  });

  it("refuses values it would have to round, negative, non-finite or fractional counts, each with its code", () => {
    expect(codes({ value: "0.0000000000001" })).toEqual(["/events/2/value value_too_precise"]);
    expect(codes({ value: "1e26" })).toEqual(["/events/2/value value_too_large"]);
    expect(codes({ value: -1 })).toEqual(["/events/2/value value_negative"]);
    expect(codes({ value: Number.POSITIVE_INFINITY })).toEqual(["/events/2/value value_not_finite"]);
    expect(codes({ value: "12abc" })).toEqual(["/events/2/value value_not_a_number"]);
    expect(codes({ value: "NaN" })).toEqual(["/events/2/value value_not_a_number"]);
    expect(codes({ value: 1.5, meter: "logins" }, { meter: countMeter })).toEqual(["/events/2/value value_not_integer"]);
    expect(codes({ value: undefined })).toEqual(["/events/2/value value_required"]);
  });

  it("lets a meter that allows negatives take them, and count meters default to 1", () => {
    expect(compute({ value: "-2.5" }, { meter: { ...sumMeter, allowNegative: true } })).toMatchObject({ ok: true, event: { quantity: "-2.5" } });
    expect(compute({ value: undefined, meter: "logins" }, { meter: countMeter })).toMatchObject({ ok: true, event: { quantity: "1" } });
  });

  it("refuses blank, long and control-character keys", () => {
    expect(codes({ idempotency_key: "" })).toEqual(["/events/2/idempotency_key idempotency_key_empty"]);
    expect(codes({ idempotency_key: "   " })).toEqual(["/events/2/idempotency_key idempotency_key_empty"]);
    expect(codes({ idempotency_key: "x".repeat(101) })).toEqual(["/events/2/idempotency_key idempotency_key_too_long"]);
    expect(codes({ idempotency_key: "x".repeat(100) })).toEqual([]);
    expect(codes({ idempotency_key: "a\u0000b" })).toEqual(["/events/2/idempotency_key idempotency_key_invalid"]);
    expect(codes({ idempotency_key: "a\nb" })).toEqual(["/events/2/idempotency_key idempotency_key_invalid"]);
  });

  it("takes RFC 3339 or unix seconds inside Stripe's window, and nothing else", () => {
    expect(compute({ timestamp: "2026-11-21T10:15:00+02:00" })).toMatchObject({ ok: true, event: { occurredAt: new Date("2026-11-21T08:15:00Z") } });
    expect(compute({ timestamp: 1_795_000_000.5 })).toMatchObject({ ok: true, event: { occurredAt: new Date(1_795_000_000_500) } });
    expect(compute({ timestamp: "2026-11-21T11:00:00.123456Z" })).toMatchObject({ ok: true, event: { occurredAt: new Date("2026-11-21T11:00:00.123Z") } });
    expect(compute({ timestamp: undefined })).toMatchObject({ ok: true, event: { occurredAt: now } });
    for (const bad of ["2026-02-30T00:00:00Z", "2026-11-21T10:15:00", "21/11/2026", "2026-11-21T24:00:00Z", ""]) {
      expect(codes({ timestamp: bad }), bad).toEqual(["/events/2/timestamp timestamp_invalid"]);
    }
    expect(codes({ timestamp: "2026-11-21T12:05:00Z" })).toEqual([]);
    expect(codes({ timestamp: "2026-11-21T12:05:01Z" })).toEqual(["/events/2/timestamp timestamp_in_future"]);
    expect(codes({ timestamp: "2026-10-17T12:00:00Z" })).toEqual([]);
    expect(codes({ timestamp: "2026-10-17T11:59:59Z" })).toEqual(["/events/2/timestamp timestamp_too_old"]);
  });

  it("names unknown and archived customers and meters, and reports every problem of an event at once", () => {
    expect(codes({ customer: "nobody" }, { customer: undefined })).toEqual(["/events/2/customer unknown_customer"]);
    expect(codes({}, { customer: { ...customer, archived: true } })).toEqual(["/events/2/customer archived_customer"]);
    expect(codes({}, { meter: { ...sumMeter, status: "ARCHIVED" } })).toEqual(["/events/2/meter archived_meter"]);
    expect(codes({ idempotency_key: "", timestamp: "soon" }, { customer: undefined, meter: undefined })).toEqual([
      "/events/2/idempotency_key idempotency_key_empty",
      "/events/2/customer unknown_customer",
      "/events/2/meter unknown_meter",
      "/events/2/timestamp timestamp_invalid",
    ]);
  });

  it("marks events before the customer's current period as late", () => {
    expect(compute({ timestamp: "2026-10-31T23:59:59Z" })).toMatchObject({ ok: true, event: { late: true } });
    expect(compute({ timestamp: "2026-11-01T00:00:00Z" })).toMatchObject({ ok: true, event: { late: false } });
    expect(compute({ timestamp: "2026-10-31T23:59:59Z" }, { customer: { ...customer, currentPeriodStart: null } })).toMatchObject({ ok: true, event: { late: false } });
  });

  it("hashes the payload canonically: equal values, instants and property sets are the same event", () => {
    expect(hash({ value: 1 })).toBe(hash({ value: "1.0" }));
    expect(hash({ timestamp: "2026-11-21T10:15:00Z" })).toBe(hash({ timestamp: "2026-11-21T12:15:00+02:00" }));
    expect(hash({ properties: { a: 1, b: "x" } })).toBe(hash({ properties: { b: "x", a: 1 } }));
    expect(hash({ timestamp: undefined })).toBe(hash({ timestamp: undefined }));
    expect(hash({ value: 1 })).not.toBe(hash({ value: 2 }));
    expect(hash({ properties: { a: 1 } })).not.toBe(hash({ properties: { a: "1" } }));
    expect(hash({ timestamp: "2026-11-21T10:15:00Z" })).not.toBe(hash({ timestamp: undefined }));
  });
});
