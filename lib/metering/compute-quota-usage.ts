// Where a customer stands against its included quantity: percent used, what is left, whether it is
// over, and a linear projection to the period end. Pure; the entitlement API and the dashboards
// both use it, so they never disagree.
import Decimal from "decimal.js";
import type { MeterAggregation } from "@/lib/db";
import type { TPeriod } from "@/lib/time/period";

/**
 * Projections extrapolate from at least a day of the period: the first hours of a period say little
 * about a month (a burst at the start projected from minutes reads as millions), and usage has daily cycles.
 */
const MIN_ELAPSED_MS = 24 * 60 * 60 * 1000;
const PROJECTION_PLACES = 6;

export type TQuotaUsage = {
  usage: string;
  /** null: the plan has no charge (so no quota) for this meter. */
  included: string | null;
  /** Rounded to 2 decimals; null without a positive included quantity. */
  percentUsed: number | null;
  /** Usage at the period end if it goes on at the pace so far (SUM, COUNT); the current value for MAX/LAST. */
  projectedUsage: string;
  remaining: string | null;
  overQuota: boolean;
};

export function computeQuotaUsage(input: { aggregation: MeterAggregation; usage: Decimal; included: Decimal | null; period: TPeriod; now: Date }): TQuotaUsage {
  const { usage, included } = input;
  return {
    usage: usage.toFixed(),
    included: included === null ? null : included.toFixed(),
    percentUsed: included === null || included.lte(0) ? null : usage.div(included).times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toNumber(),
    projectedUsage: project(input).toFixed(),
    remaining: included === null ? null : Decimal.max(included.minus(usage), 0).toFixed(),
    overQuota: included !== null && usage.gt(included),
  };
}

function project(input: { aggregation: MeterAggregation; usage: Decimal; period: TPeriod; now: Date }): Decimal {
  if (input.aggregation === "MAX" || input.aggregation === "LAST") return input.usage;
  const start = input.period.periodStart.getTime();
  const length = input.period.periodEnd.getTime() - start;
  const elapsed = Math.min(length, Math.max(input.now.getTime() - start, MIN_ELAPSED_MS));
  if (elapsed >= length) return input.usage;
  return input.usage.times(length).div(elapsed).toDecimalPlaces(PROJECTION_PLACES, Decimal.ROUND_HALF_UP);
}
