// One customer's usage in its current billing period against its plan's included quantities: the
// entitlement check a vendor's product may call on every request. One SQL statement.
import { db as defaultDb, type MeterAggregation, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import { getUtcMonth } from "@/lib/time/utc-month";
import { computeQuotaUsage, type TQuotaUsage } from "./compute-quota-usage";
import { findCustomerUsage, usageOfRow, type TMeterUsageRow } from "./customer-usage-query";

export type TMeterQuotaUsage = TQuotaUsage & {
  meterId: string;
  eventName: string;
  displayName: string;
  unitLabel: string;
  aggregation: MeterAggregation;
  eventCount: number;
};

export type TCustomerUsage = {
  customerId: string;
  externalId: string;
  /** The live subscription's current period; the UTC calendar month without one. */
  period: TPeriod;
  plan: { name: string; version: number } | null;
  asOf: Date;
  meters: TMeterQuotaUsage[];
};

/**
 * By the customer's external id (or Tally id). With `meter` (an event name), only that meter;
 * otherwise every meter on the plan and every meter with usage in the period.
 */
export async function getCustomerUsage(reference: string, options: { meter?: string; now?: Date; db?: TDb } = {}): Promise<TCustomerUsage> {
  const now = options.now ?? new Date();
  const rows = await findCustomerUsage(options.db ?? defaultDb, { reference, meter: options.meter ?? null, fallbackPeriod: getUtcMonth(now) });
  const first = rows[0];
  if (!first) throw new AppError("not_found", `No customer "${reference}".`);
  if (!first.meter_found) throw new AppError("not_found", `No meter "${options.meter}".`);

  const period: TPeriod = { periodStart: first.period_start, periodEnd: first.period_end };
  return {
    customerId: first.customer_id,
    externalId: first.external_id,
    period,
    plan: first.plan_name !== null && first.plan_version !== null ? { name: first.plan_name, version: first.plan_version } : null,
    asOf: now,
    meters: rows.flatMap((row) => {
      if (!row.meter_id) return [];
      const meter = row as typeof row & TMeterUsageRow;
      const included = row.included_quantity === null ? null : new ExactDecimal(row.included_quantity);
      return [
        {
          meterId: meter.meter_id,
          eventName: meter.event_name,
          displayName: meter.display_name,
          unitLabel: meter.unit_label,
          aggregation: meter.aggregation,
          eventCount: Number(meter.event_count ?? 0),
          ...computeQuotaUsage({ aggregation: meter.aggregation, usage: new ExactDecimal(usageOfRow(meter)), included, period, now }),
        },
      ];
    }),
  };
}
