// Everything a customer's usage page shows for one billing period, read from rollups (never a scan
// of raw events): per meter the usage so far against the included quota, the run-rate projection and
// what the pricing engine charges for both, the daily series for the chart, the invoice the period
// is heading to (base fee, included units, overage by tier, credits), the customer's credits in
// force with what is left of them, and how fresh the data is.
//
// Credits price the coming invoice as Stripe will bill it: those in force at the period end (when
// Stripe makes the invoice), for what is left of them. QUANTITY credits reach Stripe only once it
// drafts the invoice (lib/credits/grant-quantity-credits.ts), so Stripe's preview cannot show them
// yet: `stripeComparableTotalMinor` is the engine's total without them, the figure Stripe's preview
// must equal.
//
// The current period is priced with the plan in force; a period before is shown with the plan that
// was in force at its end. After a plan change mid-period, the coming invoice prices only the usage
// since the change (the usage before it was billed at the old price when the plan changed).
import Decimal from "decimal.js";
import { computePricingStart } from "@/lib/billing/compute-pricing-start";
import { findPlanInForce } from "@/lib/billing/find-plan-in-force";
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { findCreditsInForce, type TCreditRow } from "@/lib/credits/find-credits";
import { rateUsage, type TRatedInvoice, type TRatedUsageLine } from "@/lib/billing/rate-usage";
import { getPlanVersion } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db as defaultDb, type MeterAggregation, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { computeQuotaUsage, type TQuotaUsage } from "@/lib/metering/compute-quota-usage";
import { findMeterUsage, usageOfRow } from "@/lib/metering/customer-usage-query";
import type { TMeterQuotaUsage } from "@/lib/metering/get-customer-usage";
import { findDailyUsageRows, findUsageFreshness } from "@/lib/metering/daily-usage-query";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import { getUtcMonth } from "@/lib/time/utc-month";

export type TDashboardMeter = TMeterQuotaUsage & {
  /** The highest alert threshold (percent) the usage reached, null below the first. */
  thresholdReached: number | null;
  /** What the engine charges for this meter: at the usage so far, and at the projected usage. */
  amountMinor: bigint | null;
  projectedAmountMinor: bigint | null;
  /** Per UTC day of the period: that day's usage and the running total (SUM/COUNT) or value (MAX/LAST). */
  daily: { day: Date; quantity: string; total: string }[];
};

export type TDashboardPeriod = TPeriod & { current: boolean };

export type TUsageDashboard = {
  customer: { id: string; name: string; externalId: string };
  subscription: {
    id: string;
    status: string;
    planName: string;
    planVersionId: string;
    stripeSubscriptionId: string | null;
    cancelAtPeriodEnd: boolean;
    pendingPlanName: string | null;
  } | null;
  /** The plan priced for this period: the live one now, the one in force at the end of a past period. */
  plan: { name: string; version: number; currency: string; alertThresholds: number[] } | null;
  period: TDashboardPeriod;
  /** The current period first, then past ones (newest first), for the period selector. */
  periods: TDashboardPeriod[];
  meters: TDashboardMeter[];
  /** The coming invoice (current period with a plan): at the usage so far, and at the projection. */
  preview: { soFar: TRatedInvoice; projected: TRatedInvoice; pricedSince: Date; stripeComparableTotalMinor: bigint } | null;
  /** The customer's credits in force now, in the order Stripe applies them, with what is left. */
  credits: TCreditRow[];
  freshness: { usageUpdatedAt: Date | null; reportedAt: Date | null; asOf: Date };
};

const MAX_PAST_PERIODS = 12;

export async function getUsageDashboard(
  customerId: string,
  options: { now?: Date; periodStart?: Date; db?: TDb } = {},
): Promise<TUsageDashboard> {
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const customer = await db.customer.findFirst({
    where: { id: customerId, archivedAt: null },
    select: {
      id: true,
      name: true,
      externalId: true,
      subscriptions: {
        where: { endedAt: null },
        take: 1,
        include: { planVersion: { include: { plan: true } }, pendingPlanVersion: { include: { plan: true } }, items: { where: { removedAt: null } } },
      },
    },
  });
  if (!customer) throw new AppError("not_found", "No such customer.");
  const live = customer.subscriptions[0] ?? null;
  const currentPeriod: TDashboardPeriod = live
    ? { periodStart: live.currentPeriodStart, periodEnd: live.currentPeriodEnd, current: true }
    : { ...getUtcMonth(now), current: true };
  const periods = [currentPeriod, ...(await findPastPeriods(db, customerId, currentPeriod.periodStart))];
  const period = options.periodStart ? periods.find((candidate) => candidate.periodStart.getTime() === options.periodStart?.getTime()) : currentPeriod;
  if (!period) throw new AppError("not_found", "No such billing period.");

  const planVersion = period.current
    ? live
      ? await getPlanVersion(live.planVersionId, db)
      : null
    : await findPlanInForce(db, customerId, period.periodEnd);
  const measuredAt = period.current ? now : period.periodEnd;
  const [usageRows, dailyRows, freshness, credits, creditsInForce] = await Promise.all([
    findMeterUsage(db, { customerId, ...period }),
    findDailyUsageRows(db, { customerId, ...period }),
    findUsageFreshness(db, customerId, period.periodStart),
    period.current && planVersion ? findRateCredits(db, customerId, planVersion.currency, period.periodEnd) : Promise.resolve([]),
    findCreditsInForce(customerId, { now }, db),
  ]);

  // Meters: the plan's charges in their order, then any other meter with usage.
  const charges = planVersion?.charges ?? [];
  const usageByMeter = new Map(usageRows.map((row) => [row.meter_id, row]));
  const meterIds = [...charges.map((charge) => charge.meterId), ...usageRows.map((row) => row.meter_id).filter((id) => !charges.some((charge) => charge.meterId === id))];
  const meterInfo = new Map(charges.map((charge) => [charge.meterId, charge.meter]));
  const extra = meterIds.filter((id) => !meterInfo.has(id));
  if (extra.length > 0) for (const meter of await db.meter.findMany({ where: { id: { in: extra } } })) meterInfo.set(meter.id, meter);

  const quotas = new Map<string, TQuotaUsage>();
  for (const meterId of meterIds) {
    const meter = meterInfo.get(meterId);
    const row = usageByMeter.get(meterId);
    const charge = charges.find((candidate) => candidate.meterId === meterId);
    if (!meter) continue;
    const usage = new ExactDecimal(row ? usageOfRow(row) : "0");
    quotas.set(meterId, computeQuotaUsage({ aggregation: meter.aggregation, usage, included: charge ? new ExactDecimal(charge.includedQuantity.toString()) : null, period, now: measuredAt }));
  }

  // The engine prices the usage since the plan took effect (the period start, or a mid-period change).
  let preview: TUsageDashboard["preview"] = null;
  const ratedSoFar = new Map<string, TRatedUsageLine>();
  const ratedProjected = new Map<string, TRatedUsageLine>();
  if (planVersion) {
    const pricedSince = period.current && live ? computePricingStart(live.items, period) : period.periodStart;
    const priced = pricedSince.getTime() === period.periodStart.getTime() ? usageRows : await findMeterUsage(db, { customerId, periodStart: pricedSince, periodEnd: period.periodEnd });
    const soFarUsage = new Map(priced.map((row) => [row.meter_id, new ExactDecimal(usageOfRow(row))]));
    const projectedUsage = new Map(
      priced.map((row) => {
        const meter = meterInfo.get(row.meter_id);
        const projection = computeQuotaUsage({ aggregation: meter?.aggregation ?? "SUM", usage: new ExactDecimal(usageOfRow(row)), included: null, period: { periodStart: pricedSince, periodEnd: period.periodEnd }, now: measuredAt });
        return [row.meter_id, new ExactDecimal(projection.projectedUsage)];
      }),
    );
    const pricing = toPlanPricing(planVersion);
    const soFar = rateUsage(pricing, soFarUsage, { credits });
    const projected = rateUsage(pricing, projectedUsage, { credits });
    for (const line of soFar.lines) if (line.kind === "USAGE") ratedSoFar.set(line.meterId, line);
    for (const line of projected.lines) if (line.kind === "USAGE") ratedProjected.set(line.meterId, line);
    const stripeComparableTotalMinor = rateUsage(pricing, soFarUsage, { credits: credits.filter((credit) => credit.kind === "AMOUNT") }).totalMinor;
    if (period.current) preview = { soFar, projected, pricedSince, stripeComparableTotalMinor };
  }

  const thresholds = [...(planVersion?.alertThresholds ?? [])].sort((a, b) => a - b);
  const meters: TDashboardMeter[] = meterIds.flatMap((meterId) => {
    const meter = meterInfo.get(meterId);
    const quota = quotas.get(meterId);
    if (!meter || !quota) return [];
    const reached = quota.percentUsed === null ? [] : thresholds.filter((threshold) => (quota.percentUsed ?? 0) >= threshold);
    return [
      {
        ...quota,
        meterId,
        eventName: meter.eventName,
        displayName: meter.displayName,
        unitLabel: meter.unitLabel,
        aggregation: meter.aggregation,
        eventCount: Number(usageByMeter.get(meterId)?.event_count ?? 0),
        thresholdReached: reached.at(-1) ?? null,
        amountMinor: ratedSoFar.get(meterId)?.amountMinor ?? null,
        projectedAmountMinor: period.current ? (ratedProjected.get(meterId)?.amountMinor ?? null) : null,
        daily: dailySeries(dailyRows.filter((row) => row.meter_id === meterId), meter.aggregation),
      },
    ];
  });

  return {
    customer: { id: customer.id, name: customer.name, externalId: customer.externalId },
    subscription: live
      ? {
          id: live.id,
          status: live.status,
          planName: live.planVersion.plan.name,
          planVersionId: live.planVersionId,
          stripeSubscriptionId: live.stripeSubscriptionId,
          cancelAtPeriodEnd: live.cancelAtPeriodEnd,
          pendingPlanName: live.pendingPlanVersion?.plan.name ?? null,
        }
      : null,
    plan: planVersion ? { name: planVersion.plan.name, version: planVersion.version, currency: planVersion.currency, alertThresholds: thresholds } : null,
    period,
    periods,
    meters,
    preview,
    credits: creditsInForce,
    freshness: { usageUpdatedAt: freshness.usage_updated_at, reportedAt: freshness.reported_at, asOf: now },
  };
}

function dailySeries(rows: { day: Date; quantity: string; max_quantity: string | null; last_quantity: string | null }[], aggregation: MeterAggregation) {
  let total = new ExactDecimal(0);
  return rows.map((row) => {
    const value = aggregation === "MAX" ? (row.max_quantity ?? "0") : aggregation === "LAST" ? (row.last_quantity ?? "0") : row.quantity;
    if (aggregation === "MAX") total = Decimal.max(total, value) as Decimal;
    else if (aggregation === "LAST") total = new ExactDecimal(value);
    else total = total.plus(value);
    return { day: row.day, quantity: value, total: total.toFixed() };
  });
}

/** Past billing periods with an invoice, newest first (the first invoice of a subscription covers no time and is skipped). */
async function findPastPeriods(db: TDb, customerId: string, before: Date): Promise<TDashboardPeriod[]> {
  const invoices = await db.invoice.findMany({
    where: { customerId, periodEnd: { lte: before } },
    select: { periodStart: true, periodEnd: true },
    orderBy: { periodStart: "desc" },
    take: MAX_PAST_PERIODS * 3,
  });
  const seen = new Set<number>();
  const periods: TDashboardPeriod[] = [];
  for (const invoice of invoices) {
    if (invoice.periodEnd <= invoice.periodStart || seen.has(invoice.periodStart.getTime())) continue;
    seen.add(invoice.periodStart.getTime());
    periods.push({ periodStart: invoice.periodStart, periodEnd: invoice.periodEnd, current: false });
    if (periods.length === MAX_PAST_PERIODS) break;
  }
  return periods;
}
