// One customer's usage in its current billing period against its plan's included quantities: the
// entitlement check a vendor's product may call on every request. Reads rollups only.
import { db as defaultDb, type MeterAggregation, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import { getUtcMonth } from "@/lib/time/utc-month";
import { computeQuotaUsage, type TQuotaUsage } from "./compute-quota-usage";
import { findMeterUsage, findSubscriptionCharges, findUsageCustomer, usageOfRow } from "./customer-usage-query";

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
  const client = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const customer = await findUsageCustomer(client, reference);
  if (!customer) throw new AppError("not_found", `No customer "${reference}".`);

  const [charges, onlyMeter] = await Promise.all([
    customer.subscription_id ? findSubscriptionCharges(client, customer.subscription_id) : [],
    options.meter ? client.meter.findUnique({ where: { eventName: options.meter }, select: { id: true } }) : null,
  ]);
  if (options.meter && !onlyMeter) throw new AppError("not_found", `No meter "${options.meter}".`);

  const period: TPeriod =
    customer.current_period_start && customer.current_period_end
      ? { periodStart: customer.current_period_start, periodEnd: customer.current_period_end }
      : getUtcMonth(now);
  const rows = await findMeterUsage(client, {
    customerId: customer.customer_id,
    ...period,
    meterIds: charges.map((charge) => charge.meter_id),
    onlyMeterId: onlyMeter?.id ?? null,
  });
  const included = new Map(charges.map((charge) => [charge.meter_id, new ExactDecimal(charge.included_quantity)]));
  return {
    customerId: customer.customer_id,
    externalId: customer.external_id,
    period,
    plan: customer.plan_name !== null && customer.plan_version !== null ? { name: customer.plan_name, version: customer.plan_version } : null,
    asOf: now,
    meters: rows.map((row) => ({
      meterId: row.meter_id,
      eventName: row.event_name,
      displayName: row.display_name,
      unitLabel: row.unit_label,
      aggregation: row.aggregation,
      eventCount: Number(row.event_count ?? 0),
      ...computeQuotaUsage({ aggregation: row.aggregation, usage: new ExactDecimal(usageOfRow(row)), included: included.get(row.meter_id) ?? null, period, now }),
    })),
  };
}

