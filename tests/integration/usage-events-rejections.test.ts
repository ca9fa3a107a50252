// POST /api/v1/events, every way a request is refused: authentication, media type, JSON, size,
// shape (400), the rules that need the catalog or the clock (422) and the rate limit (429). Each
// refused request carries events that would otherwise be recorded, and each test checks that not
// one usage_events or usage_rollups row was written, and that the answer is a documented
// problem+json that leaks no stack or SQL.
import { describe, expect, it } from "vitest";
import * as eventsRoute from "@/app/api/v1/events/route";
import { ZApiUsageEventBatch } from "@/lib/api/usage-resources";
import { ZApiProblem } from "@/lib/api/resources";
import { createApiKey, generateApiKey } from "@/lib/auth/api-keys";
import { db, type Prisma } from "@/lib/db";
import { MAX_EVENTS_BODY_BYTES } from "@/lib/metering/schemas";
import { createCustomer, unique } from "./factories";

type Customer = Prisma.CustomerModel;
type Meter = Prisma.MeterModel;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type TFixture = { key: string; keyId: string; customer: Customer; sum: Meter; count: Meter };
type TEvent = Record<string, unknown>;
type TResult = { status: number; headers: Headers; text: string };

async function fixture(): Promise<TFixture> {
  const [customer, sum, count, apiKey] = await Promise.all([
    createCustomer(),
    db.meter.create({ data: { eventName: unique("tokens"), displayName: "Tokens", aggregation: "SUM", unitLabel: "token" } }),
    db.meter.create({ data: { eventName: unique("calls"), displayName: "Calls", aggregation: "COUNT", unitLabel: "call" } }),
    createApiKey({ name: unique("ingest"), scopes: ["INGEST"] }),
  ]);
  return { key: apiKey.key, keyId: apiKey.id, customer, sum, count };
}

/** A valid event of the fixture's SUM meter: what each refused request would otherwise record. */
const event = (f: TFixture, overrides: TEvent = {}): TEvent => ({
  idempotency_key: unique("key"),
  customer: f.customer.externalId,
  meter: f.sum.eventName,
  value: "2.5",
  ...overrides,
});

async function post(options: { key?: string | null; authorization?: string; body?: unknown; raw?: string; contentType?: string | null; headers?: Record<string, string> }) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.contentType !== null) headers["content-type"] = options.contentType ?? "application/json";
  return send(
    new Request("http://localhost:3000/api/v1/events", { method: "POST", headers, body: options.raw ?? JSON.stringify(options.body) }),
  );
}

async function send(request: Request): Promise<TResult> {
  const response = await eventsRoute.POST(request);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The rows of these customers (and, for events sent to no known customer, of these keys). */
async function written(customerIds: string[], keys: string[] = []) {
  const [events, rollups] = await Promise.all([
    db.usageEvent.count({ where: { OR: [{ customerId: { in: customerIds } }, { idempotencyKey: { in: keys } }] } }),
    db.usageRollup.count({ where: { customerId: { in: customerIds } } }),
  ]);
  return { events, rollups };
}

/** Sends the request and checks it left no usage row behind. */
async function refused(customerIds: string[], request: () => Promise<TResult>, keys: string[] = []): Promise<TResult> {
  const before = await written(customerIds, keys);
  const result = await request();
  expect(await written(customerIds, keys)).toEqual(before);
  return result;
}

/** A documented problem+json with this status and code, with no stack frame or SQL in it. */
function problem(result: TResult, status: number, code: string) {
  expect(result.status, result.text).toBe(status);
  expect(result.headers.get("content-type")).toBe("application/problem+json");
  expect(result.text).not.toMatch(/\n\s*at |\.(?:ts|js|mjs|cjs):\d+:\d+|node_modules/);
  expect(result.text).not.toMatch(/\bSELECT\b|\bINSERT INTO\b|\bON CONFLICT\b|jsonb_to_recordset|prisma|SQLSTATE/i);
  const body = ZApiProblem.parse(JSON.parse(result.text));
  expect(body.code).toBe(code);
  expect(body.status).toBe(status);
  return body;
}

const errorsOf = (body: { errors?: { pointer: string; code?: string }[] | undefined }) =>
  (body.errors ?? []).map((error) => ({ pointer: error.pointer, code: error.code })).sort((a, b) => a.pointer.localeCompare(b.pointer));

describe("POST /api/v1/events: authentication", () => {
  it.each([
    ["no Authorization header", undefined],
    ["a Basic header", "Basic dXNlcjpwYXNz"],
    ["a bearer that is not a Tally key", "Bearer not-a-key"],
    ["a well-formed key that does not exist", `Bearer ${generateApiKey()}`],
  ])("401 with %s", async (_label, authorization) => {
    const f = await fixture();
    const result = await refused([f.customer.id], () => post({ ...(authorization ? { authorization } : { key: null }), body: event(f) }));
    problem(result, 401, "unauthenticated");
    expect(result.headers.get("www-authenticate")).toContain("Bearer");
  });

  it("401 with a revoked key", async () => {
    const f = await fixture();
    await db.apiKey.update({ where: { id: f.keyId }, data: { revokedAt: new Date() } });
    problem(await refused([f.customer.id], () => post({ key: f.key, body: event(f) })), 401, "unauthenticated");
  });

  it("401 with an expired key", async () => {
    const f = await fixture();
    await db.apiKey.update({ where: { id: f.keyId }, data: { expiresAt: new Date(Date.now() - MINUTE) } });
    problem(await refused([f.customer.id], () => post({ key: f.key, body: event(f) })), 401, "unauthenticated");
  });

  it("403 with a key without the ingest scope", async () => {
    const f = await fixture();
    const admin = await createApiKey({ name: unique("admin"), scopes: ["ADMIN"] });
    problem(await refused([f.customer.id], () => post({ key: admin.key, body: event(f) })), 403, "forbidden");
  });
});

describe("POST /api/v1/events: the body", () => {
  it.each([["text/plain"], ["application/x-www-form-urlencoded"], [null]])("415 for content type %s", async (contentType) => {
    const f = await fixture();
    problem(await refused([f.customer.id], () => post({ key: f.key, body: event(f), contentType })), 415, "unsupported_media_type");
  });

  it.each([
    ["a truncated object", (body: string) => body.slice(0, -5)],
    ["a trailing comma", (body: string) => body.replace(/}$/, ",}")],
    ["an empty body", () => ""],
  ])("400 malformed_json for %s", async (_label, mangle) => {
    const f = await fixture();
    problem(await refused([f.customer.id], () => post({ key: f.key, raw: mangle(JSON.stringify(event(f))) })), 400, "malformed_json");
  });

  /** A valid batch of 1,000 events just over 2 MiB (each event padded with properties). */
  function oversizedBatch(f: TFixture) {
    const padding = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`pad${i}`, "x".repeat(430)]));
    const body = JSON.stringify({ events: Array.from({ length: 1000 }, () => event(f, { properties: padding })) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_EVENTS_BODY_BYTES);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_EVENTS_BODY_BYTES * 1.25);
    return body;
  }

  it("413 for a body over 2 MiB that says so in Content-Length", async () => {
    const f = await fixture();
    const raw = oversizedBatch(f);
    const headers = { "content-length": String(Buffer.byteLength(raw)) };
    problem(await refused([f.customer.id], () => post({ key: f.key, raw, headers })), 413, "payload_too_large");
  });

  it("413 for a body over 2 MiB with a lying small Content-Length, or none", async () => {
    const f = await fixture();
    const raw = oversizedBatch(f);
    problem(await refused([f.customer.id], () => post({ key: f.key, raw, headers: { "content-length": "64" } })), 413, "payload_too_large");
    problem(await refused([f.customer.id], () => post({ key: f.key, raw })), 413, "payload_too_large");
  });

  it("413 stops reading an endless body soon after 2 MiB", async () => {
    const f = await fixture();
    const chunk = new TextEncoder().encode(`${JSON.stringify(event(f)).slice(0, -1)}, "properties": {"a": "${"x".repeat(64 * 1024)}`);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk); // never closes: a server that reads to the end never answers
      },
    });
    const request = new Request("http://localhost:3000/api/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, "content-type": "application/json", "content-length": "100" },
      body,
      duplex: "half",
    } as RequestInit);
    problem(await refused([f.customer.id], () => send(request)), 413, "payload_too_large");
    expect(pulled).toBeLessThan(MAX_EVENTS_BODY_BYTES + 4 * chunk.byteLength);
  });

  it("400 names an unknown field at its pointer, including tenant-style fields", async () => {
    const f = await fixture();
    const single = problem(await refused([f.customer.id], () => post({ key: f.key, body: event(f, { tenant: "other-vendor" }) })), 400, "invalid_params");
    expect(single.errors?.map((error) => error.pointer)).toEqual(["/tenant"]);
    expect(single.errors?.[0]?.detail).toContain("tenant");

    const batch = problem(
      await refused([f.customer.id], () =>
        post({ key: f.key, body: { events: [event(f), event(f, { customer_id: f.customer.id }), event(f)], tenant_id: "other" } }),
      ),
      400,
      "invalid_params",
    );
    expect(batch.errors?.map((error) => error.pointer).sort()).toEqual(["/events/1/customer_id", "/tenant_id"]);
    expect(batch.errors?.map((error) => error.detail).join(" ")).toMatch(/customer_id.*tenant_id|tenant_id.*customer_id/);
  });

  it("400 for a property name over 40 characters says what the limit is", async () => {
    const f = await fixture();
    const name = "p".repeat(41);
    const body = problem(await refused([f.customer.id], () => post({ key: f.key, body: event(f, { properties: { [name]: 1 } }) })), 400, "invalid_params");
    expect(body.errors).toEqual([{ pointer: `/properties/${name}`, detail: "Property names have at most 40 characters." }]);
  });

  it.each([
    ["a value that is an object", (f: TFixture) => event(f, { value: { amount: 1 } }), "/value"],
    ["a missing customer", (f: TFixture) => ({ ...event(f), customer: undefined }), "/customer"],
    ["a missing idempotency key", (f: TFixture) => ({ ...event(f), idempotency_key: undefined }), "/idempotency_key"],
    ["a boolean timestamp", (f: TFixture) => event(f, { timestamp: true }), "/timestamp"],
    ["nested properties", (f: TFixture) => event(f, { properties: { plan: { tier: "gold" } } }), "/properties/plan"],
    ["a property name over 40 characters", (f: TFixture) => event(f, { properties: { ["p".repeat(41)]: 1 } }), `/properties/${"p".repeat(41)}`],
    ["51 properties", (f: TFixture) => event(f, { properties: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`p${i}`, i])) }), "/properties"],
    ["a property value over 500 characters", (f: TFixture) => event(f, { properties: { note: "x".repeat(501) } }), "/properties/note"],
    ["an empty batch", () => ({ events: [] }), "/events"],
    ["a batch of 1,001 events", (f: TFixture) => ({ events: Array.from({ length: 1001 }, () => event(f)) }), "/events"],
    ["a list instead of an object", (f: TFixture) => [event(f)], ""],
  ])("400 invalid_params for %s", async (_label, body, pointer) => {
    const f = await fixture();
    const result = problem(await refused([f.customer.id], () => post({ key: f.key, body: body(f) })), 400, "invalid_params");
    expect(result.errors?.map((error) => error.pointer)).toContain(pointer);
  });
});

type TRuleCase = [code: string, field: string, bad: (f: TFixture) => Promise<TEvent> | TEvent];

const now = () => Date.now();

const RULES: TRuleCase[] = [
  ["unknown_customer", "customer", (f) => event(f, { customer: unique("nobody") })],
  [
    "archived_customer",
    "customer",
    async (f) => {
      const archived = await db.customer.create({ data: { externalId: unique("gone"), name: "Gone", archivedAt: new Date() } });
      return event(f, { customer: archived.externalId });
    },
  ],
  ["unknown_meter", "meter", (f) => event(f, { meter: unique("nothing") })],
  [
    "archived_meter",
    "meter",
    async (f) => {
      const meter = await db.meter.create({
        data: { eventName: unique("old"), displayName: "Old", aggregation: "SUM", unitLabel: "unit", status: "ARCHIVED", archivedAt: new Date() },
      });
      return event(f, { meter: meter.eventName });
    },
  ],
  ["value_required", "value", (f) => ({ ...event(f), value: undefined })],
  // A decimal string whose exponent no number can hold (a JSON 1e999 is a shape error: zod numbers are finite).
  ["value_not_finite", "value", (f) => event(f, { value: "1e99999999999999999" })],
  ["value_not_a_number", "value", (f) => event(f, { value: "1,5" })],
  ["value_negative", "value", (f) => event(f, { value: -1 })],
  ["value_not_integer", "value", (f) => event(f, { meter: f.count.eventName, value: "1.5" })],
  ["value_too_precise", "value", (f) => event(f, { value: "0.0000000000001" })],
  ["value_too_large", "value", (f) => event(f, { value: "1e26" })],
  ["idempotency_key_empty", "idempotency_key", (f) => event(f, { idempotency_key: "   " })],
  ["idempotency_key_too_long", "idempotency_key", (f) => event(f, { idempotency_key: "k".repeat(101) })],
  ["idempotency_key_invalid", "idempotency_key", (f) => event(f, { idempotency_key: `${unique("key")}\n` })],
  ["timestamp_invalid", "timestamp", (f) => event(f, { timestamp: "2026-02-30T10:00:00Z" })],
  ["timestamp_in_future", "timestamp", (f) => event(f, { timestamp: new Date(now() + 10 * MINUTE).toISOString() })],
  ["timestamp_too_old", "timestamp", (f) => event(f, { timestamp: Math.floor((now() - 36 * DAY) / 1000) })],
];

describe("POST /api/v1/events: the rules (422)", () => {
  it.each(RULES)("422 %s at /%s, alone and in a batch, writing nothing", async (code, field, bad) => {
    const f = await fixture();
    const single = await bad(f);
    const keys = [String(single.idempotency_key)];
    const alone = problem(await refused([f.customer.id], () => post({ key: f.key, body: single }), keys), 422, "unprocessable");
    expect(errorsOf(alone)).toEqual([{ pointer: `/${field}`, code }]);

    // In a batch after a good event: the good one is not written either.
    const good = event(f);
    const batch = { events: [good, { ...(await bad(f)), idempotency_key: single.idempotency_key }] };
    const inBatch = problem(
      await refused([f.customer.id], () => post({ key: f.key, body: batch }), [...keys, String(good.idempotency_key)]),
      422,
      "unprocessable",
    );
    expect(errorsOf(inBatch)).toEqual([{ pointer: `/events/1/${field}`, code }]);
  });

  it("a batch of 10 with 3 bad events writes nothing and names every bad event by index and field", async () => {
    const f = await fixture();
    const events = Array.from({ length: 10 }, () => event(f));
    events[2] = event(f, { value: "twelve" });
    events[5] = event(f, { meter: unique("nothing") });
    events[8] = event(f, { timestamp: new Date(now() - 40 * DAY).toISOString(), idempotency_key: "" });
    const body = problem(await refused([f.customer.id], () => post({ key: f.key, body: { events } })), 422, "unprocessable");
    expect(errorsOf(body)).toEqual([
      { pointer: "/events/2/value", code: "value_not_a_number" },
      { pointer: "/events/5/meter", code: "unknown_meter" },
      { pointer: "/events/8/idempotency_key", code: "idempotency_key_empty" },
      { pointer: "/events/8/timestamp", code: "timestamp_too_old" },
    ]);
    expect(body.detail).toContain("3 event(s)");

    // The same batch with the three events fixed is recorded whole: nothing else was wrong with it.
    events[2] = event(f);
    events[5] = event(f);
    events[8] = event(f);
    const fixed = await post({ key: f.key, body: { events } });
    expect(fixed.status, fixed.text).toBe(200);
    expect(ZApiUsageEventBatch.parse(JSON.parse(fixed.text))).toMatchObject({ created: 10, duplicates: 0 });
    expect(await written([f.customer.id])).toEqual({ events: 10, rollups: 1 });
  });
});

// Postgres cannot store NUL in text or jsonb, nor a lone UTF-16 surrogate in jsonb: such input must
// be refused as the client's mistake (4xx, naming the field), not fail in the database (500).
describe("POST /api/v1/events: strings the database cannot store", () => {
  it.each([
    ["a NUL in a property value", (f: TFixture) => event(f, { properties: { note: "a\u0000b" } })],
    ["a NUL in a property name", (f: TFixture) => event(f, { properties: { "a\u0000b": 1 } })],
    ["a lone surrogate in a property value", (f: TFixture) => event(f, { properties: { note: "\ud800" } })],
    ["a lone surrogate in the idempotency key", (f: TFixture) => event(f, { idempotency_key: `${unique("key")}\ud800` })],
    ["a NUL in the customer", (f: TFixture) => event(f, { customer: `${f.customer.externalId}\u0000` })],
    ["a NUL in the meter", (f: TFixture) => event(f, { meter: `${f.sum.eventName}\u0000` })],
  ])("4xx, never 5xx, for %s", async (_label, bad) => {
    const f = await fixture();
    const result = await refused([f.customer.id], () => post({ key: f.key, body: { events: [event(f), bad(f)] } }));
    expect(result.status, result.text).toBeGreaterThanOrEqual(400);
    expect(result.status, result.text).toBeLessThan(500);
    const body = problem(result, result.status, result.status === 400 ? "invalid_params" : "unprocessable");
    expect(body.errors?.[0]?.pointer).toMatch(/^\/events\/1\//);
  });
});

describe("POST /api/v1/events: the rate limit", () => {
  it("422 (not a retryable 429) for a batch larger than the key's whole per-second limit", async () => {
    const f = await fixture();
    await db.apiKey.update({ where: { id: f.keyId }, data: { rateLimitPerSecond: 3 } });
    const result = await refused([f.customer.id], () => post({ key: f.key, body: { events: Array.from({ length: 4 }, () => event(f)) } }));
    // Retrying could never help, so it is not a 429 (which clients retry) but a 422.
    const body = problem(result, 422, "unprocessable");
    expect(body.errors).toEqual([expect.objectContaining({ pointer: "/events", code: "batch_exceeds_rate_limit" })]);
    expect(result.headers.get("retry-after")).toBeNull();
  });

  it("429 with Retry-After once a key has spent its budget for the second", async () => {
    const f = await fixture();
    await db.apiKey.update({ where: { id: f.keyId }, data: { rateLimitPerSecond: 2 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => post({ key: f.key, body: event(f) })));
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(4); // 2 per second, and the six take well under 2 s
    const limited = results.filter((result) => result.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    for (const result of limited) {
      problem(result, 429, "rate_limited");
      expect(Number(result.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    // Only the accepted ones were written.
    expect((await written([f.customer.id])).events).toBe(statuses.filter((status) => status === 201).length);

    // Another key is not limited by this one's spending.
    const other = await createApiKey({ name: unique("ingest"), scopes: ["INGEST"] });
    expect((await post({ key: other.key, body: event(f) })).status).toBe(201);
  });
});
