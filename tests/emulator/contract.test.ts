// The contract validator itself: Stripe's own fixture objects pass (or pass only because of a listed
// drift), broken copies fail with a message that says where and why, error bodies are held to the
// error schema, and an endpoint the spec does not have is reported. Then: close() fails the file.
import { readFileSync } from "node:fs";
import path from "node:path";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createContractValidator, formatViolations, type TContractViolation } from "./contract";
import { absentFrom, CONTRACT_EXCEPTIONS, knownValuesOf, type TContractException } from "./contract-exceptions";

type TFixture = Record<string, unknown>;
const fixtures = (JSON.parse(readFileSync(path.join(import.meta.dirname, "fixtures/stripe-fixtures.json"), "utf8")) as { resources: Record<string, TFixture> }).resources;

function fixture(name: string): TFixture {
  const object = fixtures[name];
  if (!object) throw new Error(`no fixture ${name}`);
  return structuredClone(object);
}

const contract = createContractValidator(CONTRACT_EXCEPTIONS);
const ok = (method: string, requestPath: string, body: unknown, status = 200) => contract.validateResponse({ method, path: requestPath, status, body });
const brief = (violations: TContractViolation[]) => violations.map(({ pointer, message }) => ({ pointer, message }));

describe("Stripe's fixture objects as 200 responses", () => {
  it("pass for the resources the emulator serves", () => {
    // The dahlia fixture's discount has `source.coupon` where the spec requires `coupon`; the
    // emulator gives no discounts, so that drift is not listed and the customer is taken without one.
    expect(ok("GET", "/v1/customers/cus_1", { ...fixture("customer"), discount: null })).toEqual([]);
    expect(ok("GET", "/v1/subscriptions/sub_1", fixture("subscription"))).toEqual([]);
    expect(ok("GET", "/v1/invoices/in_1", fixture("invoice"))).toEqual([]);
    expect(ok("GET", "/v1/billing/meters/mtr_1", fixture("billing.meter"))).toEqual([]);
    expect(ok("POST", "/v1/test_helpers/test_clocks", fixture("test_helpers.test_clock"))).toEqual([]);
    expect(ok("GET", "/v1/events/evt_1", fixture("event"))).toEqual([]);
  });

  it("pass only because of the listed drift (without the exceptions they fail)", () => {
    const strict = createContractValidator([]);
    expect(brief(strict.validateResponse({ method: "GET", path: "/v1/subscriptions/sub_1", status: 200, body: fixture("subscription") }))).toEqual([
      { pointer: "/current_period_end", message: "is required by the spec but missing" },
      { pointer: "/current_period_start", message: "is required by the spec but missing" },
    ]);
    const invoice = strict.validateResponse({ method: "GET", path: "/v1/invoices/in_1", status: 200, body: fixture("invoice") });
    expect(invoice.map((violation) => violation.pointer)).toEqual(["/paid", "/paid_out_of_band", "/total_tax_amounts", "/lines/data/0/proration", "/lines/data/0/type"]);
  });

  it("refuse a field the API removed (drift means absent, not optional)", () => {
    const subscription = { ...fixture("subscription"), current_period_end: 1_700_000_000 };
    expect(brief(ok("GET", "/v1/subscriptions/sub_1", subscription))).toEqual([
      { pointer: "/current_period_end", message: expect.stringContaining("removed from the API") },
    ]);
  });

  it("accept an enum value added after the spec, and nothing else", () => {
    const meter = fixture("billing.meter");
    expect(ok("GET", "/v1/billing/meters/mtr_1", { ...meter, default_aggregation: { formula: "last" } })).toEqual([]);
    expect(brief(ok("GET", "/v1/billing/meters/mtr_1", { ...meter, default_aggregation: { formula: "avg" } }))).toEqual([
      { pointer: "/default_aggregation/formula", message: 'must be one of "count", "sum", "last"; got "avg"' },
    ]);
  });
});

describe("broken copies fail with a useful message", () => {
  it("a wrong type", () => {
    const violations = ok("GET", "/v1/customers/cus_1", { ...fixture("customer"), discount: null, balance: "12" });
    expect(violations).toEqual([
      { method: "GET", path: "/v1/customers/cus_1", status: 200, pointer: "/balance", message: 'must be integer; got "12"', rule: "customer#/properties/balance/type" },
    ]);
    expect(formatViolations(violations)).toBe('GET /v1/customers/cus_1 → 200 at /balance: must be integer; got "12" [customer#/properties/balance/type]');
  });

  it("a missing required field", () => {
    const { status: _status, ...subscription } = fixture("subscription");
    expect(brief(ok("POST", "/v1/subscriptions", subscription))).toEqual([{ pointer: "/status", message: "is required by the spec but missing" }]);
  });

  it("a wrong `object`", () => {
    expect(brief(ok("GET", "/v1/test_helpers/test_clocks/clock_1", { ...fixture("test_helpers.test_clock"), object: "test_clock" }))).toEqual([
      { pointer: "/object", message: 'must be one of "test_helpers.test_clock"; got "test_clock"' },
    ]);
  });

  it("inside a list envelope, and a list url for another resource", () => {
    const customer = { ...fixture("customer"), discount: null, email: 42 };
    expect(brief(ok("GET", "/v1/customers", { object: "list", data: [customer], has_more: false, url: "/v1/prices" }))).toEqual([
      { pointer: "/data/0/email", message: "must be string or null; got 42" },
      { pointer: "/url", message: 'must match pattern "^/v1/customers"; got "/v1/prices"' },
    ]);
  });

  it("inside an expanded field, without noise from the union's other branches", () => {
    const subscription = { ...fixture("subscription"), customer: { ...fixture("customer"), discount: null, created: -5 } };
    expect(brief(ok("GET", "/v1/subscriptions/sub_1", subscription))).toEqual([{ pointer: "/customer/created", message: 'must match format "unix-time"; got -5' }]);
    expect(brief(ok("GET", "/v1/subscriptions/sub_1", { ...fixture("subscription"), customer: 42 }))).toEqual([
      { pointer: "/customer", message: "must be string or object; got 42" },
    ]);
  });

  it("inside an event's data.object, held to the schema of the resource it names", () => {
    const event = { ...fixture("event"), type: "customer.subscription.updated", data: { object: { ...fixture("subscription"), status: 7 } } };
    expect(brief(ok("GET", "/v1/events/evt_1", event))).toEqual([
      { pointer: "/data/object/status", message: "must be string; got 7" },
      { pointer: "/data/object/status", message: expect.stringMatching(/^must be one of "active", .*; got 7$/) },
    ]);
  });

  it("a decimal string written as a number or in exponent form", () => {
    const price = { id: "price_1", object: "price", active: true, billing_scheme: "per_unit", created: 1, currency: "usd", livemode: false, metadata: {}, product: "prod_1", type: "one_time", unit_amount_decimal: "1e-8" };
    expect(brief(ok("GET", "/v1/prices/price_1", price))).toEqual([{ pointer: "/unit_amount_decimal", message: 'must match format "decimal"; got "1e-8"' }]);
  });
});

describe("error bodies and paths", () => {
  it("an error status is validated against the `error` schema", () => {
    const error = { error: { type: "invalid_request_error", code: "resource_missing", message: "No such customer: 'cus_x'", param: "id" } };
    expect(ok("GET", "/v1/customers/cus_x", error, 404)).toEqual([]);
    expect(brief(ok("GET", "/v1/customers/cus_x", { error: { ...error.error, type: "not_found" } }, 404))).toEqual([
      { pointer: "/error/type", message: 'must be one of "api_error", "card_error", "idempotency_error", "invalid_request_error"; got "not_found"' },
    ]);
    expect(brief(ok("POST", "/v1/customers", { message: "flat" }, 400))).toEqual([{ pointer: "/error", message: "is required by the spec but missing" }]);
  });

  it("a v2 error matches its union even though the generic v2 error matches too", () => {
    const error = { error: { type: "invalid_request_error", code: "archived_meter", message: "The meter is inactive." } };
    expect(ok("POST", "/v2/billing/meter_events", error, 400)).toEqual([]);
    expect(brief(ok("POST", "/v2/billing/meter_events", { error: { type: "invalid_request_error", message: "no code" } }, 400))).toEqual([
      { pointer: "/error/code", message: "is required by the spec but missing" },
    ]);
  });

  it("a v2 success is held to the v2 schema", () => {
    const session = { id: "mes_1", object: "v2.billing.meter_event_session", authentication_token: "tok", created: "2026-01-01T00:00:00.000Z", expires_at: "2026-01-01T00:15:00.000Z", livemode: false };
    expect(ok("POST", "/v2/billing/meter_event_session", session)).toEqual([]);
    expect(brief(ok("POST", "/v2/billing/meter_event_session", { ...session, expires_at: 1_767_226_500 }))).toEqual([{ pointer: "/expires_at", message: "must be string; got 1767226500" }]);
  });

  it("the meter event stream, missing from the spec, uses the schema derived from the SDK", () => {
    expect(ok("POST", "/v2/billing/meter_event_stream", {})).toEqual([]);
    expect(brief(ok("POST", "/v2/billing/meter_event_stream", { events: [] }))).toEqual([{ pointer: "", message: "must NOT have more than 0 properties" }]);
  });

  it("the most specific path template wins", () => {
    const search = { object: "search_result", data: [], has_more: false, url: "/v1/customers/search", next_page: null };
    expect(ok("GET", "/v1/customers/search", search)).toEqual([]);
    expect(ok("GET", "/v1/customers/search", { ...fixture("customer"), discount: null })).not.toEqual([]);
  });

  it("an unknown path is reported for a success, and an error there still has Stripe's shape", () => {
    expect(brief(ok("GET", "/v1/billing/alerts", { object: "list", data: [] }))).toEqual([
      { pointer: "", message: expect.stringContaining("no operation GET /v1/billing/alerts in the spec") },
    ]);
    expect(ok("GET", "/v1/nothing_here", { error: { type: "invalid_request_error", message: "Unrecognized request URL (GET: /v1/nothing_here)." } }, 404)).toEqual([]);
    expect(brief(ok("GET", "/v1/nothing_here", { message: "Not found" }, 404))).toEqual([{ pointer: "/error", message: "is required by the spec but missing" }]);
  });
});

describe("the exception list", () => {
  it("is refused when an entry no longer matches the spec", () => {
    const stale: TContractException = { kind: "enum-extended", schema: "billing_meter_resource_aggregation_settings", pointer: "/properties/formula", values: ["sum"], drift: "test" };
    expect(() => createContractValidator([stale])).toThrow(/already allows sum/);
    const unknown: TContractException = { kind: "field-removed", schema: "subscription", fields: ["no_such_field"], drift: "test" };
    expect(() => createContractValidator([unknown])).toThrow(/has no field no_such_field/);
  });

  it("cites the SDK: a field the SDK still has, or a value it does not name, is a type error", () => {
    // @ts-expect-error `status` is a field of Stripe.Subscription, so it cannot be listed as removed.
    absentFrom<Stripe.Subscription>()(["status"]);
    // @ts-expect-error `avg` is not a meter formula the SDK knows.
    knownValuesOf<Stripe.Billing.Meter.DefaultAggregation.Formula>()(["avg"]);
    expect(absentFrom<Stripe.Subscription>()(["current_period_end"])).toEqual(["current_period_end"]);
  });
});

describe("the harness", () => {
  it("close() fails the test file when a recorded response does not match the spec", async () => {
    // Imported here so the validator's own tests run even while an emulator resource does not build.
    const { startTestEmulator } = await import("./harness");
    const emulator = await startTestEmulator();
    emulator.recorded.push({ method: "GET", path: "/v1/customers/cus_1", template: "/v1/customers/:id", apiMode: "v1", status: 200, body: { id: "cus_1", object: "customer" } });
    await expect(emulator.close()).rejects.toThrow(
      "2 violation(s) of Stripe's OpenAPI spec in the emulator's responses (tests/emulator/contract.ts):\nGET /v1/customers/cus_1 → 200 at /created: is required by the spec but missing [customer#/required]\nGET /v1/customers/cus_1 → 200 at /livemode: is required by the spec but missing [customer#/required]",
    );
  });
});
