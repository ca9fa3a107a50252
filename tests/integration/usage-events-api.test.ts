// POST /api/v1/events, what gets recorded: the documented responses, idempotency (sequential,
// concurrent, across a module reload), exact decimals, rollups that always equal the raw events
// under a mixed concurrent load, and late events. Route handlers are called in-process with real
// Requests against the real database. (Rejections: usage-events-rejections.test.ts.)
import { describe, expect, it, vi } from "vitest";
import type { z } from "zod";
import * as usageRoute from "@/app/api/v1/customers/[customerId]/usage/route";
import * as eventsRoute from "@/app/api/v1/events/route";
import { ZApiProblem } from "@/lib/api/resources";
import { ZApiCustomerUsage, ZApiUsageEvent, ZApiUsageEventBatch } from "@/lib/api/usage-resources";
import { db, type MeterAggregation, type Prisma } from "@/lib/db";
import { createCustomer, unique } from "./factories";
import { createLiveSubscription, createUsageMeter, ingestKey } from "./usage-helpers";

type Customer = Prisma.CustomerModel;
type Meter = Prisma.MeterModel;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type TEvent = Record<string, unknown>;
type TResult = { status: number; body: unknown };
type TPost = (request: Request) => Promise<Response>;


const createMeter = (aggregation: MeterAggregation, options: { allowNegative?: boolean } = {}): Promise<Meter> => createUsageMeter(aggregation, options);

const event = (customer: Customer, meter: Meter, overrides: TEvent = {}): TEvent => ({
  idempotency_key: unique("key"),
  customer: customer.externalId,
  meter: meter.eventName,
  value: "2.5",
  ...overrides,
});

async function post(key: string, body: unknown, handler: TPost = eventsRoute.POST): Promise<TResult> {
  const response = await handler(
    new Request("http://localhost:3000/api/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  return { status: response.status, body: await response.json() };
}

/** The body, checked against its documented (strict) schema. */
function as<S extends z.ZodType>(schema: S, result: TResult, status: number): z.output<S> {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  return schema.parse(result.body);
}

async function rows(customerId: string) {
  const [events, rollups] = await Promise.all([
    db.usageEvent.findMany({ where: { customerId }, orderBy: { id: "asc" } }),
    db.usageRollup.findMany({ where: { customerId }, orderBy: [{ meterId: "asc" }, { hourStart: "asc" }] }),
  ]);
  return { events, rollups };
}

/** The instant in RFC 3339 at another UTC offset, e.g. 12:00Z as 14:00+02:00. */
function withOffset(instant: Date, offset: string): string {
  const [hours, minutes] = offset.slice(1).split(":").map(Number) as [number, number];
  const shift = (offset.startsWith("-") ? -1 : 1) * (hours * HOUR + minutes * MINUTE);
  return new Date(instant.getTime() + shift).toISOString().replace("Z", offset);
}

/** Fisher–Yates with a seeded generator, so a failing run can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const shuffle = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = int(0, i);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };
  return { next, int, shuffle };
}

/** Per idempotency key, across many responses: how many said "created", and which ids were answered. */
function tallyByKey(results: { customer: string; key: string; id: string; created: boolean }[]) {
  const byKey = new Map<string, { created: number; ids: Set<string> }>();
  for (const result of results) {
    const entry = byKey.get(`${result.customer}/${result.key}`) ?? { created: 0, ids: new Set<string>() };
    entry.created += result.created ? 1 : 0;
    entry.ids.add(result.id);
    byKey.set(`${result.customer}/${result.key}`, entry);
  }
  return byKey;
}

function batchResults(result: TResult) {
  const batch = as(ZApiUsageEventBatch, result, 200);
  return batch.data.map((row) => ({ customer: row.customer, key: row.idempotency_key, id: row.id, created: row.status === "created" }));
}

/** A live subscription whose current period is [start, end), on a plan with no charges. */
const liveSubscription = async (customerId: string, period: { start: Date; end: Date }) => (await createLiveSubscription(customerId, period)).subscription;

describe("POST /api/v1/events: recording", () => {
  it("records one event: 201 with the documented body, one raw row and its hourly rollup", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const timestamp = new Date(Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 17 * MINUTE + 250);

    const body = as(ZApiUsageEvent, await post(key, event(customer, meter, { idempotency_key: "req-1", value: "2.50", timestamp: timestamp.toISOString() })), 201);
    expect(body).toMatchObject({
      object: "usage_event",
      idempotency_key: "req-1",
      customer: customer.externalId,
      meter: meter.eventName,
      value: "2.5",
      timestamp: timestamp.toISOString(),
      duplicate: false,
      late: false,
    });

    const { events, rollups } = await rows(customer.id);
    expect(events.map((row) => ({ id: String(row.id), quantity: row.quantity.toString(), occurredAt: row.occurredAt, meterId: row.meterId }))).toEqual([
      { id: body.id, quantity: "2.5", occurredAt: timestamp, meterId: meter.id },
    ]);
    expect(rollups.map((row) => ({ hourStart: row.hourStart, quantity: row.quantity.toString(), eventCount: row.eventCount }))).toEqual([
      { hourStart: new Date(Math.floor(timestamp.getTime() / HOUR) * HOUR), quantity: "2.5", eventCount: 1n },
    ]);
  });

  it("accepts every documented input form in one batch: 200 with one row per event", async () => {
    const [key, customer, sum, count] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM"), createMeter("COUNT")]);
    const now = Date.now();
    const unixSeconds = Math.floor((now - HOUR) / 1000);
    const inputs = [
      event(customer, count, { value: undefined }), // COUNT: value defaults to 1
      event(customer, sum, { value: 12 }),
      event(customer, sum, { value: "0.000000000001", timestamp: unixSeconds }),
      event(customer, sum, { value: "1e3", timestamp: withOffset(new Date(now - 3 * HOUR), "+02:00") }),
      event(customer, sum, { value: "7", timestamp: new Date(now + 4 * MINUTE).toISOString() }), // within 5 minutes ahead
      event(customer, sum, { value: "7", timestamp: new Date(now - 34 * DAY).toISOString() }), // within 35 days back
      event(customer, sum, { value: 0, properties: { region: "eu", retried: false, weight: 1.5, note: null } }),
    ];

    const batch = as(ZApiUsageEventBatch, await post(key, { events: inputs }), 200);
    expect(batch).toMatchObject({ object: "list", created: inputs.length, duplicates: 0 });
    expect(batch.data.map((row) => [row.index, row.idempotency_key, row.customer, row.status, row.late])).toEqual(
      inputs.map((input, index) => [index, input.idempotency_key, customer.externalId, "created", false]),
    );

    const { events } = await rows(customer.id);
    const byKey = new Map(events.map((row) => [row.idempotencyKey, row]));
    expect(inputs.map((input) => byKey.get(String(input.idempotency_key))?.quantity.toString())).toEqual(["1", "12", "1e-12", "1000", "7", "7", "0"]);
    expect(byKey.get(String(inputs[2]?.idempotency_key))?.occurredAt).toEqual(new Date(unixSeconds * 1000));
    expect(byKey.get(String(inputs[6]?.idempotency_key))?.properties).toEqual({ region: "eu", retried: false, weight: 1.5, note: null });
    expect(new Set(batch.data.map((row) => row.id)).size).toBe(inputs.length);
  });
});

describe("POST /api/v1/events: idempotency", () => {
  it("a sequential replay answers 200 with the original id and duplicate: true, and is counted once", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const hour = Math.floor((Date.now() - HOUR) / HOUR) * HOUR;
    const input = event(customer, meter, { value: "4", timestamp: new Date(hour + MINUTE).toISOString(), properties: { region: "eu" } });

    const first = as(ZApiUsageEvent, await post(key, input), 201);
    const replay = as(ZApiUsageEvent, await post(key, input), 200);
    expect(replay).toEqual({ ...first, duplicate: true });
    const inBatch = as(ZApiUsageEventBatch, await post(key, { events: [input, event(customer, meter, { value: "1", timestamp: new Date(hour + 2 * MINUTE).toISOString() })] }), 200);
    expect(inBatch.data.map((row) => [row.id === first.id, row.status])).toEqual([
      [true, "duplicate"],
      [false, "created"],
    ]);
    expect(inBatch).toMatchObject({ created: 1, duplicates: 1 });

    const { events, rollups } = await rows(customer.id);
    expect(events).toHaveLength(2);
    expect(rollups.map((row) => [row.quantity.toString(), row.eventCount])).toEqual([["5", 2n]]);
  });

  it("the same key with another payload is a 409 and changes nothing, alone or in a batch", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const input = event(customer, meter, { value: "4" });
    const original = as(ZApiUsageEvent, await post(key, input), 201);
    const before = await rows(customer.id);

    const alone = as(ZApiProblem, await post(key, { ...input, value: "5" }), 409);
    expect(alone).toMatchObject({ code: "conflict", errors: [{ pointer: "/idempotency_key", code: "idempotency_key_reused" }] });
    // In a batch with new events: none of them is kept.
    const fresh = [event(customer, meter), event(customer, meter)];
    const batch = as(ZApiProblem, await post(key, { events: [fresh[0], { ...input, properties: { region: "us" } }, fresh[1]] }), 409);
    expect(batch.errors).toEqual([expect.objectContaining({ pointer: "/events/1/idempotency_key", code: "idempotency_key_reused" })]);
    // Twice in one batch with different payloads.
    const twice = event(customer, meter, { value: "1" });
    const inBatch = as(ZApiProblem, await post(key, { events: [twice, { ...twice, value: "2" }] }), 409);
    expect(inBatch.errors).toEqual([expect.objectContaining({ pointer: "/events/1/idempotency_key", code: "idempotency_key_reused" })]);

    expect(await rows(customer.id)).toEqual(before);
    expect(as(ZApiUsageEvent, await post(key, input), 200).id).toBe(original.id);
  });

  it("a retry that omits the timestamp (as the original did) is a duplicate and keeps the original time", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const input = event(customer, meter, { value: "3" });
    const first = as(ZApiUsageEvent, await post(key, input), 201);
    await new Promise((resolve) => setTimeout(resolve, 25)); // the retry's "now" is later
    const retry = as(ZApiUsageEvent, await post(key, input), 200);
    expect(retry).toMatchObject({ id: first.id, duplicate: true, timestamp: first.timestamp, received_at: first.received_at });
    expect((await rows(customer.id)).events).toHaveLength(1);
  });

  it("equal values and instants in other spellings, and properties in another order, are the same payload", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const instant = new Date(Math.floor((Date.now() - HOUR) / 1000) * 1000);
    const input = event(customer, meter, { value: "1", timestamp: instant.toISOString(), properties: { a: 1, b: "x", c: true } });
    const first = as(ZApiUsageEvent, await post(key, input), 201);

    const spellings: TEvent[] = [
      { value: "1.0" },
      { value: 1 },
      { value: "1.000" },
      { value: " 1 " },
      { timestamp: Math.floor(instant.getTime() / 1000) },
      { timestamp: instant.toISOString().replace(".000Z", "Z") },
      { timestamp: withOffset(instant, "+02:00") },
      { timestamp: withOffset(instant, "-05:30") },
      { properties: { c: true, b: "x", a: 1 } },
    ];
    for (const spelling of spellings) {
      const replay = as(ZApiUsageEvent, await post(key, { ...input, ...spelling }), 200);
      expect(replay, JSON.stringify(spelling)).toMatchObject({ id: first.id, duplicate: true, value: "1" });
    }
    expect((await rows(customer.id)).rollups.map((row) => [row.quantity.toString(), row.eventCount])).toEqual([["1", 1n]]);
  });

  it("50 identical requests at once: one row, one 201 and 49 × 200 with the same id, no 5xx", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const input = event(customer, meter, { value: "0.5", timestamp: new Date(Date.now() - MINUTE).toISOString() });

    const results = await Promise.all(Array.from({ length: 50 }, () => post(key, input)));
    expect(results.map((result) => result.status).sort((a, b) => b - a)).toEqual([201, ...Array<number>(49).fill(200)]);
    const bodies = results.map((result) => ZApiUsageEvent.parse(result.body));
    expect(new Set(bodies.map((body) => body.id)).size).toBe(1);
    expect(bodies.filter((body) => !body.duplicate)).toHaveLength(1);

    const { events, rollups } = await rows(customer.id);
    expect(events).toHaveLength(1);
    expect(rollups.map((row) => [row.quantity.toString(), row.eventCount])).toEqual([["0.5", 1n]]);
  });

  it("50 concurrent batches with overlapping keys in shuffled order: no 5xx, each key created once, rows = distinct keys", async () => {
    const [key, customers, meters] = await Promise.all([
      ingestKey(),
      Promise.all([createCustomer(), createCustomer()]),
      Promise.all([createMeter("SUM"), createMeter("SUM")]),
    ]);
    const rng = random(20261121);
    const now = Date.now();
    // 300 events, each with a fixed payload, across 2 customers × 2 meters × 3 hours.
    const pool = Array.from({ length: 300 }, (_, i) =>
      event(customers[i % 2] as Customer, meters[(i >> 1) % 2] as Meter, {
        idempotency_key: `k-${i}`,
        value: String(i % 7),
        timestamp: new Date(now - MINUTE - (i % 3) * HOUR - i * SECOND).toISOString(),
      }),
    );
    const batches = Array.from({ length: 50 }, () => rng.shuffle(pool).slice(0, rng.int(20, 80)));
    const sent = new Set(batches.flat());

    const results = await Promise.all(batches.map((events) => post(key, { events })));
    expect(results.filter((result) => result.status !== 200).map((result) => result.body)).toEqual([]);
    const byKey = tallyByKey(results.flatMap(batchResults));
    expect(byKey.size).toBe(sent.size);
    for (const [name, entry] of byKey) expect({ name, created: entry.created, ids: entry.ids.size }).toEqual({ name, created: 1, ids: 1 });

    const stored = await Promise.all(customers.map((customer) => rows(customer.id)));
    expect(stored.reduce((total, { events }) => total + events.length, 0)).toBe(sent.size);
    const expected = [...sent].reduce((total, input) => total + Number(input.value), 0);
    const rolledUp = stored.flatMap(({ rollups }) => rollups).reduce((total, row) => total + Number(row.quantity), 0);
    expect(rolledUp).toBe(expected);
  });

  it("the same key for two customers is two events, both 201", async () => {
    const [key, acme, globex, meter] = await Promise.all([ingestKey(), createCustomer(), createCustomer(), createMeter("SUM")]);
    const first = as(ZApiUsageEvent, await post(key, event(acme, meter, { idempotency_key: "order-42", value: "1" })), 201);
    const second = as(ZApiUsageEvent, await post(key, event(globex, meter, { idempotency_key: "order-42", value: "2" })), 201);
    expect(second.id).not.toBe(first.id);
    expect((await rows(acme.id)).events.map((row) => row.quantity.toString())).toEqual(["1"]);
    expect((await rows(globex.id)).events.map((row) => row.quantity.toString())).toEqual(["2"]);
  });

  // Dedup lives in the database alone: nothing held in the module (or a key) may decide it. A fresh
  // module graph stands in for a restart here; the real server restarted end to end is covered by
  // the e2e suite.
  it("a replay after the route module is reloaded, with another API key, answers 200 duplicate with the original id", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    const input = event(customer, meter, { value: "9" });
    const original = as(ZApiUsageEvent, await post(key, input), 201);

    vi.resetModules();
    const reloaded = await import("@/app/api/v1/events/route");
    expect(reloaded.POST).not.toBe(eventsRoute.POST);
    const replay = as(ZApiUsageEvent, await post(await ingestKey(), input, reloaded.POST), 200);
    expect(replay).toMatchObject({ id: original.id, duplicate: true, received_at: original.received_at });
    const conflict = as(ZApiProblem, await post(key, { ...input, value: "10" }, reloaded.POST), 409);
    expect(conflict.code).toBe("conflict");
    expect((await rows(customer.id)).events).toHaveLength(1);
  });
});

describe("POST /api/v1/events: quantities", () => {
  it("10,000 events of 0.1 sum to exactly 1000, in the raw events, the rollups and the usage endpoint", async () => {
    const [key, customer, meter] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM")]);
    for (let batch = 0; batch < 10; batch += 1) {
      const events = Array.from({ length: 1000 }, () => event(customer, meter, { value: "0.1" }));
      expect(as(ZApiUsageEventBatch, await post(key, { events }), 200).created).toBe(1000);
    }
    expect(Array.from({ length: 10_000 }, () => 0.1).reduce((a, b) => a + b)).not.toBe(1000); // what a float would say

    const [sums] = await db.$queryRaw<{ raw: string; rolled_up: string; events: bigint }[]>`
      SELECT (SELECT trim_scale(sum(quantity))::text FROM usage_events WHERE customer_id = ${customer.id}::uuid) AS raw,
             (SELECT trim_scale(sum(quantity))::text FROM usage_rollups WHERE customer_id = ${customer.id}::uuid) AS rolled_up,
             (SELECT sum(event_count) FROM usage_rollups WHERE customer_id = ${customer.id}::uuid)::bigint AS events`;
    expect(sums).toEqual({ raw: "1000", rolled_up: "1000", events: 10_000n });

    const response = await usageRoute.GET(
      new Request(`http://localhost:3000/api/v1/customers/${customer.externalId}/usage?meter=${meter.eventName}`, { headers: { authorization: `Bearer ${key}` } }),
      { params: Promise.resolve({ customerId: customer.externalId }) },
    );
    const usage = as(ZApiCustomerUsage, { status: response.status, body: await response.json() }, 200);
    expect(usage.meters.map((row) => [row.meter, row.usage, row.event_count])).toEqual([[meter.eventName, "1000", 10_000]]);
  });

  it("rollups equal the raw events per customer, meter and hour after a mixed concurrent load", async () => {
    const [key, customers, meters] = await Promise.all([
      ingestKey(),
      Promise.all([createCustomer(), createCustomer()]),
      Promise.all([createMeter("SUM"), createMeter("COUNT"), createMeter("LAST"), createMeter("MAX"), createMeter("SUM", { allowNegative: true })]),
    ]);
    const [sum, count, last, max, signed] = meters as [Meter, Meter, Meter, Meter, Meter];
    const rng = random(42);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const decimal = (min: number, max: number, places: number) => (rng.int(min * 10 ** places, max * 10 ** places) / 10 ** places).toFixed(places);

    // 1,000 distinct events over ~5 hours, every one at its own second (so "latest" is never a tie).
    const pool = Array.from({ length: 1000 }, (_, i) => {
      const meter = [sum, count, last, max, signed][rng.int(0, 4)] as Meter;
      const seconds = nowSeconds - 60 - i * 19;
      const value = meter === count ? undefined : meter === signed ? decimal(-100, 100, 2) : decimal(0, 500, 3);
      return event(customers[i % 2] as Customer, meter, {
        idempotency_key: `load-${i}`,
        value,
        timestamp: i % 3 === 0 ? seconds : new Date(seconds * 1000).toISOString(),
      });
    });
    // About 20 % are sent twice, all in random order, as singles and batches of 2–60 over 8 workers.
    const sends = rng.shuffle([...pool, ...rng.shuffle(pool).slice(0, 200)]);
    const requests: { single: boolean; events: TEvent[] }[] = [];
    for (let i = 0; i < sends.length; ) {
      const single = rng.next() < 0.3;
      const size = single ? 1 : rng.int(2, 60);
      requests.push({ single, events: sends.slice(i, i + size) });
      i += size;
    }
    const workers = Array.from({ length: 8 }, (_, worker) => requests.filter((_, index) => index % 8 === worker));
    const results = (
      await Promise.all(
        workers.map(async (mine) => {
          const answered: { single: boolean; result: TResult }[] = [];
          for (const { single, events } of mine) answered.push({ single, result: await post(key, single ? events[0] : { events }) });
          return answered;
        }),
      )
    ).flat();

    expect(results.filter(({ result }) => result.status >= 300).map(({ result }) => result.body)).toEqual([]);
    const answers = results.flatMap(({ single, result }) => {
      if (!single) return batchResults(result);
      const body = ZApiUsageEvent.parse(result.body);
      expect(result.status).toBe(body.duplicate ? 200 : 201);
      return [{ customer: body.customer, key: body.idempotency_key, id: body.id, created: !body.duplicate }];
    });
    const byKey = tallyByKey(answers);
    expect(byKey.size).toBe(pool.length);
    expect([...byKey.values()].filter((entry) => entry.created !== 1 || entry.ids.size !== 1)).toEqual([]);

    type TAggregate = { customer_id: string; meter_id: string; hour_start: Date; quantity: string; event_count: bigint; max_quantity: string; last_quantity: string };
    const ids = customers.map((customer) => customer.id);
    const rolledUp = await db.$queryRaw<TAggregate[]>`
      SELECT customer_id::text, meter_id::text, hour_start, trim_scale(quantity)::text AS quantity, event_count,
             trim_scale(max_quantity)::text AS max_quantity, trim_scale(last_quantity)::text AS last_quantity
      FROM usage_rollups WHERE customer_id = ANY(${ids}::uuid[])
      ORDER BY 1, 2, 3`;
    const raw = await db.$queryRaw<TAggregate[]>`
      SELECT customer_id::text, meter_id::text, date_trunc('hour', occurred_at, 'UTC') AS hour_start, trim_scale(sum(quantity))::text AS quantity,
             count(*) AS event_count, trim_scale(max(quantity))::text AS max_quantity,
             trim_scale((array_agg(quantity ORDER BY occurred_at DESC))[1])::text AS last_quantity
      FROM usage_events WHERE customer_id = ANY(${ids}::uuid[])
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`;
    expect(raw.reduce((total, row) => total + Number(row.event_count), 0)).toBe(pool.length);
    expect(new Set(raw.map((row) => row.hour_start.getTime())).size).toBeGreaterThanOrEqual(5);
    expect(rolledUp).toEqual(raw);

    // And the raw events are what was sent (COUNT events default to 1; negatives kept).
    const stored = await db.usageEvent.findMany({ where: { customerId: { in: ids } }, select: { idempotencyKey: true, quantity: true, occurredAt: true } });
    const storedByKey = new Map(stored.map((row) => [row.idempotencyKey, row]));
    for (const input of pool) {
      const row = storedByKey.get(String(input.idempotency_key));
      expect(row?.quantity.toString(), String(input.idempotency_key)).toBe(input.value === undefined ? "1" : String(Number(input.value)));
    }
    expect(stored.some((row) => row.quantity.isNegative())).toBe(true);
  });
});

describe("POST /api/v1/events: late events", () => {
  it("an event before the customer's current period is recorded with late: true; one inside it is not late", async () => {
    const [key, customer, meter, unsubscribed] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM"), createCustomer()]);
    const now = Date.now();
    await liveSubscription(customer.id, { start: new Date(now - 3 * DAY), end: new Date(now + 27 * DAY) });

    const old = as(ZApiUsageEvent, await post(key, event(customer, meter, { timestamp: new Date(now - 5 * DAY).toISOString() })), 201);
    expect(old.late).toBe(true);
    const recent = as(ZApiUsageEvent, await post(key, event(customer, meter, { timestamp: new Date(now - HOUR).toISOString() })), 201);
    expect(recent.late).toBe(false);
    const batch = as(
      ZApiUsageEventBatch,
      await post(key, {
        events: [
          event(customer, meter, { timestamp: new Date(now - 3 * DAY - MINUTE).toISOString() }),
          event(customer, meter, { timestamp: new Date(now - 3 * DAY + MINUTE).toISOString() }),
          event(unsubscribed, meter, { timestamp: new Date(now - 5 * DAY).toISOString() }), // no period: never late
        ],
      }),
      200,
    );
    expect(batch.data.map((row) => row.late)).toEqual([true, false, false]);
    expect((await rows(customer.id)).events).toHaveLength(4);
  });
});
