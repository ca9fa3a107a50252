// GET /api/v1/customers/{customer}/usage: a customer's usage in its current billing period against
// its plan's included quantities, as a vendor's product checks it. Usage is recorded through
// POST /api/v1/events; plans and subscriptions are inserted as rows (their Stripe side is not
// what is under test here). Route handlers are called in-process with real Requests.
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as usageRoute from "@/app/api/v1/customers/[customerId]/usage/route";
import * as eventsRoute from "@/app/api/v1/events/route";
import { ZApiProblem } from "@/lib/api/resources";
import { ZApiCustomerUsage, ZApiUsageEventBatch } from "@/lib/api/usage-resources";
import { createApiKey } from "@/lib/auth/api-keys";
import { db, type MeterAggregation, type Prisma } from "@/lib/db";
import { createCustomer, unique } from "./factories";
import { createLiveSubscription, createUsageMeter, ingestKey } from "./usage-helpers";

type Customer = Prisma.CustomerModel;
type Meter = Prisma.MeterModel;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type TResult = { status: number; type: string | null; body: unknown };
type TUsage = z.output<typeof ZApiCustomerUsage>;

const floorHour = (ms: number) => Math.floor(ms / HOUR) * HOUR;

const createMeter = (aggregation: MeterAggregation, displayName: string): Promise<Meter> => createUsageMeter(aggregation, { displayName });
const subscribe = async (customer: Customer, period: { start: Date; end: Date }, included: { meter: Meter; quantity: string }[]) =>
  (await createLiveSubscription(customer.id, period, included)).plan;

/** Records usage through the ingestion API (one batch). */
async function record(key: string, customer: Customer, events: { meter: Meter; value?: string; at: number }[]) {
  const response = await eventsRoute.POST(
    new Request("http://localhost:3000/api/v1/events", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({
        events: events.map(({ meter, value, at }) => ({ idempotency_key: unique("key"), customer: customer.externalId, meter: meter.eventName, value, timestamp: new Date(at).toISOString() })),
      }),
    }),
  );
  const body: unknown = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(ZApiUsageEventBatch.parse(body).created).toBe(events.length);
}

async function getUsage(key: string | null, customerId: string, query = ""): Promise<TResult> {
  const response = await usageRoute.GET(
    new Request(`http://localhost:3000/api/v1/customers/${encodeURIComponent(customerId)}/usage${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} }),
    { params: Promise.resolve({ customerId }) },
  );
  return { status: response.status, type: response.headers.get("content-type"), body: await response.json() };
}

function usageOf(result: TResult): TUsage {
  expect(result.status, JSON.stringify(result.body)).toBe(200);
  return ZApiCustomerUsage.parse(result.body);
}

const meterIn = (usage: TUsage, meter: Meter) => usage.meters.find((row) => row.meter === meter.eventName);

function problem(result: TResult, status: number, code: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.type).toBe("application/problem+json");
  expect(JSON.stringify(result.body)).not.toMatch(/\n\s*at |\bSELECT\b/);
  expect(ZApiProblem.parse(result.body).code).toBe(code);
}

describe("GET /api/v1/customers/{customer}/usage", () => {
  it("reports usage against the included quantity; remaining and over_quota flip once usage passes it", async () => {
    const [key, customer, calls, storage, exports] = await Promise.all([
      ingestKey(),
      createCustomer(),
      createMeter("SUM", "API calls"),
      createMeter("SUM", "Storage"),
      createMeter("SUM", "Exports"),
    ]);
    const now = Date.now();
    const period = { start: new Date(floorHour(now - 10 * DAY)), end: new Date(floorHour(now - 10 * DAY) + 30 * DAY) };
    const plan = await subscribe(customer, period, [
      { meter: calls, quantity: "100" },
      { meter: storage, quantity: "50" },
    ]);

    await record(key, customer, [
      { meter: calls, value: "35", at: now - 5 * DAY },
      { meter: calls, value: "25", at: now - HOUR },
      { meter: exports, value: "3", at: now - HOUR }, // used, but not on the plan
    ]);
    const usage = usageOf(await getUsage(key, customer.externalId));
    expect(usage).toMatchObject({
      object: "customer_usage",
      customer: customer.externalId,
      customer_id: customer.id,
      period: { start: period.start.toISOString(), end: period.end.toISOString() },
      plan: { name: plan.name, version: 1 },
    });
    expect(Math.abs(Date.parse(usage.as_of) - Date.now())).toBeLessThan(MINUTE);
    expect(usage.meters.map((row) => row.meter).sort()).toEqual([calls, storage, exports].map((meter) => meter.eventName).sort());
    expect(meterIn(usage, calls)).toMatchObject({
      display_name: "API calls",
      usage: "60",
      event_count: 2,
      included: "100",
      percent_used: 60,
      remaining: "40",
      over_quota: false,
    });
    expect(meterIn(usage, calls)?.aggregation.toLowerCase()).toBe("sum");
    // 60 in the first ~10 of 30 days: ~180 at the period end, at the same pace.
    const pace = (30 * DAY) / (Date.parse(usage.as_of) - period.start.getTime());
    expect(pace).toBeGreaterThan(2.9);
    expect(Number(meterIn(usage, calls)?.projected_usage)).toBeCloseTo(60 * pace, 4);
    expect(meterIn(usage, storage)).toMatchObject({ usage: "0", event_count: 0, included: "50", percent_used: 0, remaining: "50", over_quota: false, projected_usage: "0" });
    expect(meterIn(usage, exports)).toMatchObject({ usage: "3", included: null, percent_used: null, remaining: null, over_quota: false });

    // Exactly at the included quantity: used up, not over.
    await record(key, customer, [{ meter: calls, value: "40", at: now - MINUTE }]);
    expect(meterIn(usageOf(await getUsage(key, customer.externalId)), calls)).toMatchObject({ usage: "100", percent_used: 100, remaining: "0", over_quota: false });

    // Past it.
    await record(key, customer, [{ meter: calls, value: "0.5", at: now - MINUTE }]);
    expect(meterIn(usageOf(await getUsage(key, customer.externalId)), calls)).toMatchObject({ usage: "100.5", percent_used: 100.5, remaining: "0", over_quota: true });
  });

  it("?meter= returns that meter only; an unknown meter or customer is a 404", async () => {
    const [key, customer, calls, storage] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM", "API calls"), createMeter("SUM", "Storage")]);
    const now = Date.now();
    await subscribe(customer, { start: new Date(floorHour(now - DAY)), end: new Date(floorHour(now - DAY) + 30 * DAY) }, [
      { meter: calls, quantity: "10" },
      { meter: storage, quantity: "10" },
    ]);
    await record(key, customer, [
      { meter: calls, value: "4", at: now - MINUTE },
      { meter: storage, value: "7", at: now - MINUTE },
    ]);

    const only = usageOf(await getUsage(key, customer.externalId, `?meter=${storage.eventName}`));
    expect(only.meters.map((row) => [row.meter, row.usage])).toEqual([[storage.eventName, "7"]]);

    problem(await getUsage(key, customer.externalId, `?meter=${unique("nothing")}`), 404, "not_found");
    problem(await getUsage(key, unique("nobody")), 404, "not_found");
    problem(await getUsage(key, "00000000-0000-4000-8000-000000000000"), 404, "not_found");
    problem(await getUsage(key, customer.externalId, "?tenant=other"), 400, "invalid_params");
  });

  it("answers the same for the customer's Tally id as for its external id", async () => {
    const [key, customer, calls] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM", "API calls")]);
    await record(key, customer, [{ meter: calls, value: "2", at: Date.now() - MINUTE }]);
    const byExternalId = usageOf(await getUsage(key, customer.externalId));
    const byId = usageOf(await getUsage(key, customer.id));
    // The two answers are read a few milliseconds apart: the time and the run-rate projection move on.
    const steady = (usage: typeof byId) => ({ ...usage, as_of: null, meters: usage.meters.map((row) => ({ ...row, projected_usage: null })) });
    expect(steady(byId)).toEqual(steady(byExternalId));
    expect(byId.meters.map((row) => [row.meter, row.usage])).toEqual([[calls.eventName, "2"]]);
  });

  it("counts only this customer's events", async () => {
    const [key, acme, globex, calls] = await Promise.all([ingestKey(), createCustomer(), createCustomer(), createMeter("SUM", "API calls")]);
    await record(key, acme, [{ meter: calls, value: "2", at: Date.now() - MINUTE }]);
    await record(key, globex, [{ meter: calls, value: "40", at: Date.now() - MINUTE }]);
    expect(usageOf(await getUsage(key, acme.externalId)).meters.map((row) => [row.meter, row.usage])).toEqual([[calls.eventName, "2"]]);
  });

  it("without a subscription: the current UTC month, no plan, no quota", async () => {
    const [key, customer, calls] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM", "API calls")]);
    await record(key, customer, [{ meter: calls, value: "5", at: Date.now() - MINUTE }]);
    const usage = usageOf(await getUsage(key, customer.externalId));
    const today = new Date();
    expect(usage.period).toEqual({
      start: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString(),
      end: new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 1)).toISOString(),
    });
    expect(usage.plan).toBeNull();
    expect(usage.meters).toEqual([expect.objectContaining({ meter: calls.eventName, usage: "5", included: null, percent_used: null, remaining: null, over_quota: false })]);
  });

  it("MAX and LAST meters report the largest and the latest value, and project them unchanged", async () => {
    const [key, customer, seats, gauge] = await Promise.all([ingestKey(), createCustomer(), createMeter("MAX", "Seats"), createMeter("LAST", "Storage")]);
    const now = Date.now();
    await subscribe(customer, { start: new Date(floorHour(now - 5 * DAY)), end: new Date(floorHour(now - 5 * DAY) + 30 * DAY) }, [
      { meter: seats, quantity: "10" },
      { meter: gauge, quantity: "100" },
    ]);
    // Sent out of order: the latest LAST value is the one with the latest timestamp, not the last one received.
    await record(key, customer, [
      { meter: seats, value: "12", at: now - 3 * DAY },
      { meter: seats, value: "4", at: now - HOUR },
      { meter: gauge, value: "30", at: now - 2 * DAY },
      { meter: gauge, value: "75", at: now - 4 * DAY },
    ]);
    await record(key, customer, [{ meter: gauge, value: "80", at: now - 3 * DAY }]);
    const usage = usageOf(await getUsage(key, customer.externalId));
    expect(meterIn(usage, seats)).toMatchObject({ usage: "12", projected_usage: "12", percent_used: 120, remaining: "0", over_quota: true });
    expect(meterIn(usage, gauge)).toMatchObject({ usage: "30", projected_usage: "30", percent_used: 30, remaining: "70", over_quota: false });
    expect([meterIn(usage, seats)?.aggregation.toLowerCase(), meterIn(usage, gauge)?.aggregation.toLowerCase()]).toEqual(["max", "last"]);
  });

  // Billing periods start at the subscription's anchor second, rarely on the hour; rollups are
  // hourly. An event in the period's first, partial hour is usage of the period.
  it("counts events in the first, partial hour of a period that does not start on the hour", async () => {
    const [key, customer, calls] = await Promise.all([ingestKey(), createCustomer(), createMeter("SUM", "API calls")]);
    const start = floorHour(Date.now() - 2 * DAY) + 30 * MINUTE;
    await subscribe(customer, { start: new Date(start), end: new Date(start + 30 * DAY) }, [{ meter: calls, quantity: "100" }]);
    await record(key, customer, [
      { meter: calls, value: "7", at: start - 10 * MINUTE }, // the previous period
      { meter: calls, value: "5", at: start + 10 * MINUTE },
      { meter: calls, value: "1", at: start + 2 * HOUR },
    ]);
    expect(meterIn(usageOf(await getUsage(key, customer.externalId)), calls)).toMatchObject({ usage: "6", event_count: 2 });
  });

  it("needs an API key with the ingest scope", async () => {
    const [customer, admin] = await Promise.all([createCustomer(), createApiKey({ name: unique("admin"), scopes: ["ADMIN"] })]);
    problem(await getUsage(admin.key, customer.externalId), 403, "forbidden");
    problem(await getUsage(null, customer.externalId), 401, "unauthenticated");
  });

  it("does not show an archived customer", async () => {
    const [key, customer] = await Promise.all([ingestKey(), createCustomer()]);
    await db.customer.update({ where: { id: customer.id }, data: { archivedAt: new Date() } });
    problem(await getUsage(key, customer.externalId), 404, "not_found");
    problem(await getUsage(key, customer.id), 404, "not_found");
  });
});
