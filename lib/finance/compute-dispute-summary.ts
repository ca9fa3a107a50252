// The dispute summary's walk from the raw events to the invoice line, per meter: the raw events'
// count and total; what the pricing engine does with that total under the plan in force (credited
// units, included units, each tier's or unit's quantity, unit price and exact amount; the line's
// amount, rounded once); then each Stripe invoice line that billed the meter in the period and the
// difference (invoiced − Tally), so drift shows. With every meter, the invoice's own steps follow:
// the base fee, amount credits and the engine's total. Pure: the caller reads the figures.
import type Decimal from "decimal.js";
import type { TRatedInvoice, TRatedStep, TRatedUsageLine } from "@/lib/billing/rate-usage";
import type { TCsvColumn } from "@/lib/csv/csv-columns";
import type { MeterAggregation } from "@/lib/db";
import { ExactDecimal, formatMoney, formatUnits, fromMinorUnits } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import type { TMeteredInvoiceLine } from "./find-metered-invoice-lines";

export type TDisputeSummaryStep =
  | "plan"
  | "raw_events"
  | "credited"
  | "included"
  | "units"
  | "packages"
  | "tier"
  | "line_amount"
  | "invoice_line"
  | "difference"
  | "base_fee"
  | "credit"
  | "total";

export type TDisputeSummaryRow = TPeriod & {
  /** The meter's event name; null on the invoice's own rows. */
  meter: string | null;
  step: TDisputeSummaryStep;
  /** TIER: the tier's number (1-based). */
  tier: number | null;
  description: string;
  events: string | null;
  quantity: Decimal | null;
  unitPriceMinor: Decimal | null;
  flatPriceMinor: Decimal | null;
  /** Exact minor units (a tier's amount before the line is rounded may have decimals). */
  amountMinor: Decimal | null;
  currency: string | null;
  stripeInvoiceId: string | null;
  stripeInvoiceLineId: string | null;
};

export type TDisputeSummaryMeter = {
  id: string;
  eventName: string;
  unitLabel: string;
  aggregation: MeterAggregation;
  /** Stripe's value = quantity × this (the invoice line counts Stripe's units). */
  valueScale: Decimal;
  eventCount: string;
  /** The period's usage under the meter's aggregation (usageOfRow). */
  usage: Decimal;
};

export type TDisputeSummaryInput = {
  period: TPeriod;
  plan: { name: string; version: number; currency: string } | null;
  /** The engine's invoice for every meter's usage in the period (null without a plan). */
  rated: TRatedInvoice | null;
  /** The meters summarised, in order. */
  meters: readonly TDisputeSummaryMeter[];
  /** The invoice lines to compare with (those of the summarised meters). */
  invoiceLines: readonly TMeteredInvoiceLine[];
  /** Add the invoice's own rows (base fee, amount credits, total): the summary covers every meter. */
  wholeInvoice: boolean;
};

/** Minor units → the exact amount in the row's currency's major units ("0.005" dollars for 0.5 cents). */
const major = (row: TDisputeSummaryRow, minor: Decimal | null) => (minor === null || row.currency === null ? null : fromMinorUnits(minor, row.currency).toFixed());

/** The file's columns, in order (documented in the README). */
export const DISPUTE_SUMMARY_CSV_COLUMNS: readonly TCsvColumn<TDisputeSummaryRow>[] = [
  { header: "period_start", kind: "datetime", value: (row) => row.periodStart },
  { header: "period_end", kind: "datetime", value: (row) => row.periodEnd },
  { header: "meter", kind: "text", value: (row) => row.meter },
  { header: "step", kind: "text", value: (row) => row.step },
  { header: "tier", kind: "number", value: (row) => row.tier },
  { header: "description", kind: "text", value: (row) => row.description },
  { header: "events", kind: "number", value: (row) => row.events },
  { header: "quantity", kind: "number", value: (row) => row.quantity?.toFixed() ?? null },
  { header: "unit_price", kind: "number", value: (row) => major(row, row.unitPriceMinor) },
  { header: "unit_price_minor", kind: "number", value: (row) => row.unitPriceMinor?.toFixed() ?? null },
  { header: "flat_price", kind: "number", value: (row) => major(row, row.flatPriceMinor) },
  { header: "flat_price_minor", kind: "number", value: (row) => row.flatPriceMinor?.toFixed() ?? null },
  { header: "amount", kind: "number", value: (row) => major(row, row.amountMinor) },
  { header: "amount_minor", kind: "number", value: (row) => row.amountMinor?.toFixed() ?? null },
  { header: "currency", kind: "text", value: (row) => row.currency },
  { header: "stripe_invoice_id", kind: "text", value: (row) => row.stripeInvoiceId },
  { header: "stripe_invoice_line_id", kind: "text", value: (row) => row.stripeInvoiceLineId },
];

const STEP_NAMES: Record<TRatedStep["kind"], TDisputeSummaryStep> = { CREDITED: "credited", INCLUDED: "included", UNITS: "units", PACKAGES: "packages", TIER: "tier" };

export function computeDisputeSummary(input: TDisputeSummaryInput): TDisputeSummaryRow[] {
  const { period, plan, rated } = input;
  const currency = plan?.currency ?? input.invoiceLines[0]?.currency ?? null;
  const blank = { ...period, meter: null, tier: null, events: null, quantity: null, unitPriceMinor: null, flatPriceMinor: null, amountMinor: null, currency, stripeInvoiceId: null, stripeInvoiceLineId: null };
  const rows: TDisputeSummaryRow[] = [
    {
      ...blank,
      step: "plan",
      description: plan ? `${plan.name}, version ${plan.version} (${plan.currency.toUpperCase()}): the plan in force at the period's end` : "No plan in force at the period's end: nothing is priced",
    },
  ];
  const usageLines = new Map((rated?.lines ?? []).flatMap((line) => (line.kind === "USAGE" ? [[line.meterId, line] as const] : [])));

  for (const meter of input.meters) {
    const row = { ...blank, meter: meter.eventName };
    rows.push({ ...row, step: "raw_events", events: meter.eventCount, quantity: meter.usage, description: rawDescription(meter) });
    const line = usageLines.get(meter.id);
    if (line) {
      for (const step of line.breakdown) {
        rows.push({
          ...row,
          step: STEP_NAMES[step.kind],
          tier: step.tier === null ? null : step.tier + 1,
          description: step.description,
          quantity: step.quantity,
          unitPriceMinor: step.unitPriceMinor,
          flatPriceMinor: step.flatPriceMinor,
          amountMinor: step.amountMinor,
        });
      }
      rows.push({ ...row, step: "line_amount", quantity: line.quantity, amountMinor: new ExactDecimal(line.amountMinor.toString()), description: `Line amount, rounded once: ${line.description}` });
    } else {
      rows.push({ ...row, step: "line_amount", description: plan ? `Not charged by ${plan.name}, version ${plan.version}` : "Not priced: no plan in force" });
    }
    rows.push(...invoiceRows(row, meter, line, input.invoiceLines.filter((invoiceLine) => invoiceLine.meter.id === meter.id)));
  }

  if (input.wholeInvoice && rated) {
    for (const line of rated.lines) {
      if (line.kind === "BASE_FEE") rows.push({ ...blank, step: "base_fee", amountMinor: new ExactDecimal(line.amountMinor.toString()), description: line.description });
      if (line.kind === "CREDIT") rows.push({ ...blank, step: "credit", amountMinor: new ExactDecimal(line.amountMinor.toString()), description: line.description });
    }
    rows.push({ ...blank, step: "total", amountMinor: new ExactDecimal(rated.totalMinor.toString()), description: `Tally's total: base fee + usage lines − credits = ${formatMoney(rated.totalMinor, rated.currency)}` });
  }
  return rows;
}

function rawDescription(meter: TDisputeSummaryMeter): string {
  const events = `${meter.eventCount} raw ${meter.eventCount === "1" ? "event" : "events"}`;
  const total = formatUnits(meter.usage, meter.unitLabel);
  switch (meter.aggregation) {
    case "MAX":
      return `${events}, the largest value: ${total}`;
    case "LAST":
      return `${events}, the latest value: ${total}`;
    default:
      return `${events}, total ${total}`;
  }
}

function invoiceRows(row: Omit<TDisputeSummaryRow, "step" | "description">, meter: TDisputeSummaryMeter, line: TRatedUsageLine | undefined, invoiceLines: readonly TMeteredInvoiceLine[]): TDisputeSummaryRow[] {
  if (invoiceLines.length === 0) return [{ ...row, step: "invoice_line", description: "Not invoiced: no Stripe invoice line bills this meter in the period (in Tally's copy of the invoices)" }];
  const rows = invoiceLines.map(
    (invoiceLine): TDisputeSummaryRow => ({
      ...row,
      step: "invoice_line",
      description: `Stripe invoice line (${invoiceLine.invoiceStatus.toLowerCase()} invoice${invoiceLine.proration ? ", proration" : ""}) for ${invoiceLine.periodStart.toISOString()} – ${invoiceLine.periodEnd.toISOString()}`,
      quantity: invoiceLine.quantity === null ? null : new ExactDecimal(invoiceLine.quantity),
      amountMinor: new ExactDecimal(invoiceLine.amountMinor.toString()),
      currency: invoiceLine.currency,
      stripeInvoiceId: invoiceLine.stripeInvoiceId,
      stripeInvoiceLineId: invoiceLine.stripeLineId,
    }),
  );
  const invoicedQuantity = invoiceLines.every((invoiceLine) => invoiceLine.quantity !== null)
    ? invoiceLines.reduce((sum, invoiceLine) => sum.plus(invoiceLine.quantity ?? 0), new ExactDecimal(0))
    : null;
  const invoicedMinor = invoiceLines.reduce((sum, invoiceLine) => sum + invoiceLine.amountMinor, 0n);
  const scaled = !meter.valueScale.equals(1);
  const expectedQuantity = meter.usage.times(meter.valueScale);
  rows.push({
    ...row,
    step: "difference",
    description: `Invoiced − Tally: quantity against the raw total${scaled ? ` × the meter's value scale ${meter.valueScale.toFixed()} (${expectedQuantity.toFixed()})` : ""}, amount against the line amount; 0 when they agree`,
    quantity: invoicedQuantity === null ? null : invoicedQuantity.minus(expectedQuantity),
    amountMinor: line ? new ExactDecimal((invoicedMinor - line.amountMinor).toString()) : null,
    currency: invoiceLines[0]?.currency ?? row.currency,
  });
  return rows;
}
