// The plans page: every plan a customer can move to, each priced by the engine on the customer's
// real usage in the current period — what they would pay this period at their usage so far, and at
// the run-rate to the period end — with the cheapest marked, and what a change to it would do
// (an upgrade now with proration; a downgrade at the period end, or now, per TALLY_DOWNGRADE_AT).
// The customer's credits in force at the period end count for every plan they would apply to (amount
// credits in the plan's currency, free units of the meters it charges), for what is left of them.
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { rateUsage, type TRatedInvoice } from "@/lib/billing/rate-usage";
import { PLAN_VERSION_INCLUDE, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db as defaultDb, type TDb } from "@/lib/db";
import { env } from "@/lib/env";
import { computeQuotaUsage } from "@/lib/metering/compute-quota-usage";
import { findMeterUsage, usageOfRow } from "@/lib/metering/customer-usage-query";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import { getUtcMonth } from "@/lib/time/utc-month";

export type TPlanChangeKind = "current" | "upgrade" | "downgrade";

export type TPlanOption = {
  planId: string;
  planName: string;
  description: string;
  version: TPlanVersionWithCharges;
  /** The engine's invoice for this period at the usage so far, and at the projected usage. */
  soFar: TRatedInvoice;
  projected: TRatedInvoice;
  kind: TPlanChangeKind;
  /** When choosing it takes effect; null for the current plan. */
  when: "now" | "period_end" | null;
  /** Why it cannot be chosen (another currency or interval), or null. */
  unavailable: string | null;
  /** The lowest total at the usage so far among the plans that can be chosen. */
  cheapest: boolean;
  /** The subscription moves to it at the period end (a scheduled downgrade). */
  scheduled: boolean;
};

export type TPlanOptions = { period: TPeriod; currency: string | null; options: TPlanOption[] };

/** Upgrades have a higher base fee; at an equal fee, the plan that costs more at the projected usage is the downgrade. */
export function planChangeKind(current: { baseFeeMinor: bigint; projectedMinor: bigint }, target: { baseFeeMinor: bigint; projectedMinor: bigint }): "upgrade" | "downgrade" {
  if (target.baseFeeMinor !== current.baseFeeMinor) return target.baseFeeMinor > current.baseFeeMinor ? "upgrade" : "downgrade";
  return target.projectedMinor <= current.projectedMinor ? "upgrade" : "downgrade";
}

export async function findPlanOptions(customerId: string, options: { now?: Date } = {}, db: TDb = defaultDb): Promise<TPlanOptions> {
  const now = options.now ?? new Date();
  const subscription = await db.subscription.findFirst({
    where: { customerId, endedAt: null },
    include: { planVersion: { include: PLAN_VERSION_INCLUDE } },
  });
  const period: TPeriod = subscription ? { periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd } : getUtcMonth(now);
  const [rows, plans] = await Promise.all([
    findMeterUsage(db, { customerId, ...period }),
    db.plan.findMany({
      where: { status: "ACTIVE" },
      orderBy: [{ sortOrder: "asc" }, { name: "asc" }],
      include: { versions: { where: { status: "PUBLISHED" }, orderBy: { version: "desc" }, take: 1, include: PLAN_VERSION_INCLUDE } },
    }),
  ]);
  const soFarUsage = new Map(rows.map((row) => [row.meter_id, new ExactDecimal(usageOfRow(row))]));
  const projectedUsage = new Map(
    rows.map((row) => [row.meter_id, new ExactDecimal(computeQuotaUsage({ aggregation: row.aggregation, usage: new ExactDecimal(usageOfRow(row)), included: null, period, now }).projectedUsage)]),
  );
  const current = subscription?.planVersion ?? null;
  const creditsByCurrency = new Map<string, Awaited<ReturnType<typeof findRateCredits>>>();
  for (const currency of new Set([current, ...plans.map((plan) => plan.versions[0])].flatMap((version) => (version ? [version.currency.toLowerCase()] : [])))) {
    creditsByCurrency.set(currency, await findRateCredits(db, customerId, currency, period.periodEnd));
  }
  const rate = (version: TPlanVersionWithCharges) => {
    const credits = creditsByCurrency.get(version.currency.toLowerCase()) ?? [];
    return {
      soFar: rateUsage(toPlanPricing(version), soFarUsage, { credits }),
      projected: rateUsage(toPlanPricing(version), projectedUsage, { credits }),
    };
  };
  const currentRated = current ? rate(current) : null;

  const versions = plans.flatMap((plan) => plan.versions.map((version) => ({ plan, version })));
  // The customer's own version stays listed even when a newer version of its plan was published since.
  if (current && !versions.some(({ version }) => version.id === current.id)) {
    const plan = await db.plan.findUniqueOrThrow({ where: { id: current.planId } });
    versions.unshift({ plan: { ...plan, versions: [] }, version: current });
  }
  const listed: TPlanOption[] = versions.map(({ plan, version }) => {
    const rated = rate(version);
    const isCurrent = current?.id === version.id;
    const unavailable = !current
      ? "Ask us to start a subscription first."
      : version.currency !== current.currency
        ? `Billed in ${version.currency.toUpperCase()}; your subscription bills in ${current.currency.toUpperCase()}.`
        : version.interval !== current.interval || version.intervalCount !== current.intervalCount
          ? "Billed on another interval."
          : null;
    const kind: TPlanChangeKind =
      isCurrent || !current || !currentRated
        ? "current"
        : planChangeKind({ baseFeeMinor: current.baseFeeMinor, projectedMinor: currentRated.projected.totalMinor }, { baseFeeMinor: version.baseFeeMinor, projectedMinor: rated.projected.totalMinor });
    return {
      planId: plan.id,
      planName: plan.name,
      description: plan.description,
      version,
      ...rated,
      kind,
      when: kind === "current" ? null : kind === "upgrade" ? "now" : env.TALLY_DOWNGRADE_AT,
      unavailable: isCurrent ? null : unavailable,
      cheapest: false,
      scheduled: subscription?.pendingPlanVersionId === version.id,
    };
  });
  const choosable = listed.filter((option) => option.unavailable === null);
  const lowest = choosable.reduce<bigint | null>((min, option) => (min === null || option.soFar.totalMinor < min ? option.soFar.totalMinor : min), null);
  for (const option of choosable) option.cheapest = lowest !== null && option.soFar.totalMinor === lowest && choosable.length > 1;
  return { period, currency: current?.currency ?? null, options: listed };
}
