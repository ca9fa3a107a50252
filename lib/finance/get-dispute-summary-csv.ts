// Finance's dispute summary, a small CSV beside the dispute CSV (one file each: the events file
// stays one table a CSV reader takes whole, and this one is read row by row): the walk from the raw
// total to the invoice line (computeDisputeSummary) for the same scope. The usage comes from the
// hourly rollups plus the raw edge hours (findMeterUsage: exactly the dispute CSV's total, without a
// scan), priced by the one engine with the plan version in force at the period's end and the credits
// in force then; the invoice lines from Tally's copy of Stripe's invoices. Audit-logged.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { findPlanInForce } from "@/lib/billing/find-plan-in-force";
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { rateUsage } from "@/lib/billing/rate-usage";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { toCsvFilename } from "@/lib/csv/csv-filename";
import { toCsvString } from "@/lib/csv/to-csv-string";
import { db as defaultDb, type TDb } from "@/lib/db";
import { findMeterUsage, usageOfRow } from "@/lib/metering/customer-usage-query";
import { ExactDecimal } from "@/lib/money/currency";
import { computeDisputeSummary, DISPUTE_SUMMARY_CSV_COLUMNS, type TDisputeSummaryMeter, type TDisputeSummaryRow } from "./compute-dispute-summary";
import type { TDisputeQuery } from "./dispute-schemas";
import { findMeteredInvoiceLines } from "./find-metered-invoice-lines";
import { getDisputeScope } from "./get-dispute-scope";

export type TDisputeSummaryCsv = { filename: string; rows: TDisputeSummaryRow[]; text: string };

/** Throws not_found for an unknown customer, meter or invoice line (see getDisputeScope). */
export async function getDisputeSummaryCsv(input: TDisputeQuery & { customerId: string }, options: { audit: TAuditContext; db?: TDb }): Promise<TDisputeSummaryCsv> {
  const db = options.db ?? defaultDb;
  const scope = await getDisputeScope(input, db);
  const { customer, period } = scope;

  await recordAudit(db, {
    actor: options.audit.actor,
    action: "dispute_summary.downloaded",
    entityType: "customer",
    entityId: customer.id,
    customerId: customer.id,
    after: { periodStart: period.periodStart, periodEnd: period.periodEnd, meter: scope.meter?.eventName ?? null, stripeInvoiceLineId: scope.invoiceLine?.stripeLineId ?? null },
    requestId: options.audit.requestId ?? null,
  });

  const lastInstant = new Date(period.periodEnd.getTime() - 1);
  const [usageRows, plan, invoiceLines] = await Promise.all([
    findMeterUsage(db, { customerId: customer.id, ...period }),
    findPlanInForce(db, customer.id, period.periodEnd),
    scope.invoiceLine ? [scope.invoiceLine] : findMeteredInvoiceLines({ customerId: customer.id, from: period.periodStart, until: period.periodEnd, meterId: scope.meter?.id ?? null }, db),
  ]);
  const credits = plan ? await findRateCredits(db, customer.id, plan.currency, lastInstant) : [];
  const usage = new Map(usageRows.map((row) => [row.meter_id, new ExactDecimal(usageOfRow(row))]));
  // The engine sees the plan's meters only (another meter's usage, even a negative total, is not priced).
  const charged = new Set(plan?.charges.map((charge) => charge.meterId) ?? []);
  const rated = plan ? rateUsage(toPlanPricing(plan), new Map([...usage].filter(([meterId]) => charged.has(meterId))), { credits }) : null;

  // The plan's meters in its order, then any other meter with usage; or the one meter asked about.
  const meterIds = scope.meter
    ? [scope.meter.id]
    : [...new Set([...(plan?.charges.map((charge) => charge.meterId) ?? []), ...usageRows.map((row) => row.meter_id)])];
  const meterRows = await db.meter.findMany({ where: { id: { in: meterIds } } });
  const countOf = new Map(usageRows.map((row) => [row.meter_id, row.event_count ?? "0"]));
  const meters = meterIds.flatMap((id): TDisputeSummaryMeter[] => {
    const meter = meterRows.find((candidate) => candidate.id === id);
    if (!meter) return [];
    return [
      {
        id,
        eventName: meter.eventName,
        unitLabel: meter.unitLabel,
        aggregation: meter.aggregation,
        valueScale: new ExactDecimal(meter.valueScale.toString()),
        eventCount: countOf.get(id) ?? "0",
        usage: usage.get(id) ?? new ExactDecimal(0),
      },
    ];
  });

  const rows = computeDisputeSummary({
    period,
    plan: plan ? { name: plan.plan.name, version: plan.version, currency: plan.currency } : null,
    rated,
    meters,
    invoiceLines,
    wholeInvoice: scope.meter === null,
  });
  return { filename: toCsvFilename(customer.externalId, "dispute-summary", period), rows, text: toCsvString(DISPUTE_SUMMARY_CSV_COLUMNS, rows) };
}
