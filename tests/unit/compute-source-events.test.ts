// A SQL source's rows as usage events: raw rows keyed by their id, aggregate rows as the change of
// their total since the last run (deterministic keys by revision), and every unusable row named.
import { describe, expect, it } from "vitest";
import {
  aggregateStateKey,
  computeAggregateSourceEvents,
  computeRawSourceEvents,
  requireSourceColumns,
} from "@/lib/connectors/postgres/compute-source-events";
import { countQueryParameters } from "@/lib/connectors/postgres/read-source-rows";

const T = new Date("2026-11-03T00:00:00Z");
const row = (overrides: Record<string, unknown> = {}) => ({ customer: "acme", meter: "api_calls", quantity: "120", occurred_at: T, ...overrides });

describe("raw rows", () => {
  it("become events keyed by prefix and event id, with the quantity exact and the instant in UTC", () => {
    const { events, errors } = computeRawSourceEvents([row({ event_id: 42, quantity: "0.1" }), row({ event_id: "e-2", quantity: null, occurred_at: "2026-11-03 10:00:00+01" })], "sql-app");
    expect(errors).toEqual([]);
    expect(events.map((event) => event.input)).toEqual([
      { idempotency_key: "sql-app:42", customer: "acme", meter: "api_calls", value: "0.1", timestamp: T.toISOString(), properties: { source: "sql-app", source_event_id: "42" } },
      { idempotency_key: "sql-app:e-2", customer: "acme", meter: "api_calls", timestamp: "2026-11-03T09:00:00.000Z", properties: { source: "sql-app", source_event_id: "e-2" } },
    ]);
  });

  it("name each unusable row and keep the others", () => {
    const { events, errors } = computeRawSourceEvents(
      [row({ event_id: 1 }), row({ event_id: null }), row({ event_id: 3, quantity: "ten" }), row({ event_id: 4, occurred_at: "2026-11-03 10:00" }), row({ event_id: "x".repeat(95) })],
      "sql-app",
    );
    expect(events.map((event) => event.row)).toEqual([1]);
    expect(errors).toEqual([
      { ref: "row 2", code: "invalid_row", detail: "event_id is empty." },
      { ref: "row 3 (event 3)", code: "invalid_row", detail: 'quantity "ten" is not a number.' },
      { ref: "row 4 (event 4)", code: "invalid_row", detail: 'occurred_at "2026-11-03 10:00" is not a time (return a timestamptz).' },
      { ref: `row 5 (event ${"x".repeat(95)})`, code: "invalid_row", detail: "event_id is longer than 92 characters." },
    ]);
  });
});

describe("aggregate rows", () => {
  it("record the whole total first, then only its change, under the next revision's key; an unchanged total records nothing", () => {
    const first = computeAggregateSourceEvents([row()], "sql-agg", new Map());
    expect(first.events).toHaveLength(1);
    expect(first.events[0]?.input).toMatchObject({ value: "120", idempotency_key: expect.stringMatching(/^sql-agg:agg:[\w-]{22}:r1$/) });
    const key = aggregateStateKey({ customer: "acme", meter: "api_calls", occurredAt: T });

    const same = computeAggregateSourceEvents([row()], "sql-agg", new Map([[key, { recordedQuantity: "120", revision: 1 }]]));
    expect(same).toEqual({ events: [], unchanged: 1, errors: [] });

    const raised = computeAggregateSourceEvents([row({ quantity: "130.5" })], "sql-agg", new Map([[key, { recordedQuantity: "120", revision: 1 }]]));
    expect(raised.events[0]?.input).toMatchObject({ value: "10.5", idempotency_key: first.events[0]?.input.idempotency_key.replace(/r1$/, "r2") });
    expect(raised.events[0]?.aggregate).toMatchObject({ previous: "120", total: "130.5", revision: 2 });

    const fell = computeAggregateSourceEvents([row({ quantity: 100 })], "sql-agg", new Map([[key, { recordedQuantity: "120", revision: 2 }]]));
    expect(fell.events[0]?.input.value).toBe("-20");
  });

  it("keys depend on customer, meter and period only, and a total returned twice is an error", () => {
    const a = computeAggregateSourceEvents([row(), row({ customer: "globex" }), row({ occurred_at: new Date(T.getTime() + 86_400_000) })], "p", new Map());
    expect(new Set(a.events.map((event) => event.input.idempotency_key)).size).toBe(3);
    expect(computeAggregateSourceEvents([row()], "p", new Map()).events[0]?.input.idempotency_key).toBe(a.events[0]?.input.idempotency_key);
    const twice = computeAggregateSourceEvents([row(), row({ quantity: 5 })], "p", new Map());
    expect(twice.errors).toEqual([{ ref: `row 2 (acme · api_calls · ${T.toISOString()})`, code: "duplicate_row", detail: expect.stringContaining("Row 1 has the same") }]);
    expect(computeAggregateSourceEvents([row({ quantity: null })], "p", new Map()).errors[0]?.detail).toBe("quantity is empty.");
  });
});

describe("the query's shape", () => {
  it("needs the mode's columns", () => {
    expect(() => requireSourceColumns("AGGREGATE", ["customer", "meter", "quantity", "occurred_at"])).not.toThrow();
    expect(() => requireSourceColumns("RAW", ["customer", "meter", "quantity"])).toThrow("event_id, occurred_at are missing (it returned customer, meter, quantity)");
  });

  it("binds as many of $1, $2 and $3 as the query uses, and no more exist", () => {
    expect(countQueryParameters("SELECT 1")).toBe(0);
    expect(countQueryParameters("SELECT * FROM t WHERE at >= $1")).toBe(1);
    expect(countQueryParameters("SELECT * FROM t WHERE at < $2 AND at >= $1")).toBe(2);
    expect(countQueryParameters("SELECT * FROM t WHERE inserted_at >= $3")).toBe(3);
    expect(() => countQueryParameters("SELECT $4")).toThrow("only $1");
  });

  it("keeps $3 (rows since the last run) to raw events: a total must add up its whole period", () => {
    const columns = ["customer", "meter", "quantity", "occurred_at"];
    expect(() => requireSourceColumns("AGGREGATE", columns, "SELECT … WHERE created_at >= $3 GROUP BY 1, 2, 4")).toThrow("not $3");
    expect(() => requireSourceColumns("RAW", [...columns, "event_id"], "SELECT … WHERE created_at >= $3")).not.toThrow();
  });

  it("numbers rows across pages, and catches a total returned twice on two pages", () => {
    expect(computeRawSourceEvents([row({ event_id: 9, quantity: "x" })], "p", 5_001).errors[0]?.ref).toBe("row 5001 (event 9)");
    const seen = new Map<string, number>();
    computeAggregateSourceEvents([row()], "p", new Map(), { firstRow: 1, seen });
    const second = computeAggregateSourceEvents([row()], "p", new Map(), { firstRow: 5_001, seen });
    expect(second.errors[0]).toMatchObject({ ref: expect.stringMatching(/^row 5001 /), code: "duplicate_row" });
  });
});
