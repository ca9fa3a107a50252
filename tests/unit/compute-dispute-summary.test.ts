// The dispute summary's walk (lib/finance/compute-dispute-summary.ts) on hand-computed cases: credits
// (free units of a meter, money off the invoice), drift against the invoice line (a meter whose
// Stripe value is scaled), usage nobody invoiced, and the cells as the CSV writes them.
import { parse } from "csv-parse/sync";
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { rateUsage } from "@/lib/billing/rate-usage";
import type { TPlanPricing } from "@/lib/billing/types";
import { toCsvString } from "@/lib/csv/to-csv-string";
import { computeDisputeSummary, DISPUTE_SUMMARY_CSV_COLUMNS, type TDisputeSummaryMeter } from "@/lib/finance/compute-dispute-summary";
import type { TMeteredInvoiceLine } from "@/lib/finance/find-metered-invoice-lines";


const d = (value: Decimal.Value) => new Decimal(value);
const period = { periodStart: new Date("2026-11-01T00:00:00Z"), periodEnd: new Date("2026-12-01T00:00:00Z") };

/** $10 base fee; calls: 100 included, then 0.5¢ each; storage (GB-hours, Stripe counts tenths): 2¢ each. */
const pricing: TPlanPricing = {
  currency: "usd",
  baseFeeMinor: 1_000n,
  charges: [
    { meterId: "calls", meterName: "API calls", unitLabel: "call", includedQuantity: d(100), model: "PER_UNIT", unitPriceMinor: d("0.5"), packageSize: null, tiers: [] },
    { meterId: "storage", meterName: "Storage", unitLabel: "GB-hour", includedQuantity: d(0), model: "PER_UNIT", unitPriceMinor: d(2), packageSize: null, tiers: [] },
  ],
};

function meter(id: string, usage: Decimal.Value, extra: Partial<TDisputeSummaryMeter> = {}): TDisputeSummaryMeter {
  return { id, eventName: `${id}_event`, unitLabel: "unit", aggregation: "SUM", valueScale: d(1), eventCount: "3", usage: d(usage), ...extra };
}

function invoiceLine(meterId: string, quantity: string | null, amountMinor: bigint): TMeteredInvoiceLine {
  return {
    id: `tally-${meterId}`,
    stripeInvoiceId: "in_1",
    stripeLineId: `il_${meterId}`,
    invoiceStatus: "PAID",
    currency: "usd",
    meter: { id: meterId, eventName: `${meterId}_event` },
    quantity,
    amountMinor,
    ...period,
    proration: false,
  };
}

describe("computeDisputeSummary", () => {
  it("walks credits, included units and the priced units to the line, then to the invoice lines and the drift", () => {
    const usage = new Map([
      ["calls", d(1_000.5)],
      ["storage", d(12.34)],
    ]);
    const rated = rateUsage(pricing, usage, {
      credits: [
        { kind: "QUANTITY", meterId: "calls", quantity: d(50), reason: "outage" },
        { kind: "AMOUNT", amountMinor: 500n, currency: "usd", reason: "goodwill" },
      ],
    });
    const rows = computeDisputeSummary({
      period,
      plan: { name: "Team", version: 2, currency: "usd" },
      rated,
      meters: [meter("calls", "1000.5"), meter("storage", "12.34", { valueScale: d(10), eventCount: "2" })],
      // calls: Stripe billed the 50 credited units too (it knows no Tally credits); storage: 123.4 GB-hour tenths, rounded down by the reporter.
      invoiceLines: [invoiceLine("calls", "1000", 450n), invoiceLine("storage", "123", 2_468n)],
      wholeInvoice: true,
    });
    const text = toCsvString(DISPUTE_SUMMARY_CSV_COLUMNS, rows);
    const [header, ...records] = parse(text) as string[][];
    const at = (name: string) => header?.indexOf(name) ?? -1;
    const table = records.map((record) => [record[at("meter")], record[at("step")], record[at("quantity")], record[at("amount_minor")], record[at("amount")]]);
    expect(table).toEqual([
      ["", "plan", "", "", ""],
      ["calls_event", "raw_events", "1000.5", "", ""],
      ["calls_event", "credited", "50", "0", "0"],
      ["calls_event", "included", "100", "0", "0"],
      ["calls_event", "units", "850.5", "425.25", "4.2525"], // 850.5 × 0.5¢
      ["calls_event", "line_amount", "1000.5", "425", "4.25"], // rounded once
      ["calls_event", "invoice_line", "1000", "450", "4.5"],
      ["calls_event", "difference", "-0.5", "25", "0.25"],
      ["storage_event", "raw_events", "12.34", "", ""],
      ["storage_event", "units", "12.34", "24.68", "0.2468"],
      ["storage_event", "line_amount", "12.34", "25", "0.25"],
      ["storage_event", "invoice_line", "123", "2468", "24.68"],
      ["storage_event", "difference", "-0.4", "2443", "24.43"], // 123 − 12.34 × 10
      ["", "base_fee", "", "1000", "10"],
      ["", "credit", "", "-450", "-4.5"], // billing credits apply to the usage lines only: 425 + 25 of the 500
      ["", "total", "", "1000", "10"], // 1000 + 425 + 25 − 450: the base fee stays
    ]);
    const storageRow = records.find((record) => record[at("step")] === "difference" && record[at("meter")] === "storage_event");
    expect(storageRow?.[at("description")]).toContain("value scale 10 (123.4)");
    expect(records.find((record) => record[at("step")] === "credit")?.[at("description")]).toBe("Credit: goodwill ($4.50 of $5.00)");
  });

  it("says so when nothing invoiced the meter, and prices nothing without a plan", () => {
    const rows = computeDisputeSummary({ period, plan: null, rated: null, meters: [meter("calls", "7")], invoiceLines: [], wholeInvoice: true });
    expect(rows.map((row) => [row.step, row.description])).toEqual([
      ["plan", "No plan in force at the period's end: nothing is priced"],
      ["raw_events", "3 raw events, total 7 units"],
      ["line_amount", "Not priced: no plan in force"],
      ["invoice_line", "Not invoiced: no Stripe invoice line bills this meter in the period (in Tally's copy of the invoices)"],
    ]);
    expect(rows.every((row) => row.amountMinor === null && row.currency === null)).toBe(true);
  });
});
