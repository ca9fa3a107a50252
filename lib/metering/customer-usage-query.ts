// SQL of the usage read path: one customer's live subscription with its plan's charges, and its
// usage per meter in a period, from the hourly rollups (plus the raw events of the period's partial
// edge hours), so it costs about the same at 10 million events as at ten.
import type { TDb } from "@/lib/db";

export type TUsageCustomerRow = {
  customer_id: string;
  external_id: string;
  subscription_id: string | null;
  current_period_start: Date | null;
  current_period_end: Date | null;
  plan_name: string | null;
  plan_version: number | null;
};

export type TChargeRow = { meter_id: string; included_quantity: string };

export type TMeterUsageRow = {
  meter_id: string;
  event_name: string;
  display_name: string;
  unit_label: string;
  aggregation: "SUM" | "COUNT" | "MAX" | "LAST";
  quantity: string | null;
  max_quantity: string | null;
  last_quantity: string | null;
  event_count: string | null;
};

/** A row's usage under its meter's aggregation (COUNT meters sum their whole-number values). */
export function usageOfRow(row: TMeterUsageRow): string {
  const value = row.aggregation === "MAX" ? row.max_quantity : row.aggregation === "LAST" ? row.last_quantity : row.quantity;
  return value ?? "0";
}

/** By external id, or by Tally id; archived customers are not found. */
export async function findUsageCustomer(db: TDb, reference: string): Promise<TUsageCustomerRow | undefined> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference);
  const rows = await db.$queryRaw<TUsageCustomerRow[]>`
    SELECT c.id::text AS customer_id, c.external_id, s.id::text AS subscription_id, s.current_period_start, s.current_period_end,
           p.name AS plan_name, v.version AS plan_version
    FROM customers c
    LEFT JOIN subscriptions s ON s.customer_id = c.id AND s.ended_at IS NULL
    LEFT JOIN plan_versions v ON v.id = s.plan_version_id
    LEFT JOIN plans p ON p.id = v.plan_id
    WHERE c.archived_at IS NULL AND (c.external_id = ${reference} OR (${isUuid} AND c.id = ${isUuid ? reference : null}::uuid))
    ORDER BY (c.external_id = ${reference}) DESC
    LIMIT 1`;
  return rows[0];
}

/** The metered charges of the subscription's current plan version. */
export async function findSubscriptionCharges(db: TDb, subscriptionId: string): Promise<TChargeRow[]> {
  return db.$queryRaw<TChargeRow[]>`
    SELECT pc.meter_id::text AS meter_id, pc.included_quantity::text AS included_quantity
    FROM subscriptions s JOIN plan_charges pc ON pc.plan_version_id = s.plan_version_id
    WHERE s.id = ${subscriptionId}::uuid`;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Per meter (the given ones, plus any with usage in the period): SUM/COUNT totals, the MAX, and
 * the LAST value. Whole hours inside the period come from the hourly rollups; the partial hours at
 * its edges (periods start at a subscription's creation second, rarely on the hour) from the raw
 * events, so the total is exact and costs at most two hours of one customer's events.
 */
export async function findMeterUsage(
  db: TDb,
  input: { customerId: string; periodStart: Date; periodEnd: Date; meterIds: readonly string[]; onlyMeterId: string | null },
): Promise<TMeterUsageRow[]> {
  const { periodStart, periodEnd } = input;
  let wholeStart = new Date(Math.ceil(periodStart.getTime() / HOUR_MS) * HOUR_MS);
  let wholeEnd = new Date(Math.floor(periodEnd.getTime() / HOUR_MS) * HOUR_MS);
  // A period inside one hour has no whole hour: all of it is read raw.
  if (wholeStart >= wholeEnd) wholeStart = wholeEnd = periodEnd;
  return db.$queryRaw<TMeterUsageRow[]>`
    WITH parts AS (
      SELECT meter_id, quantity, event_count, max_quantity, last_quantity, last_occurred_at
      FROM usage_rollups
      WHERE customer_id = ${input.customerId}::uuid AND hour_start >= ${wholeStart} AND hour_start < ${wholeEnd}
        AND (${input.onlyMeterId}::uuid IS NULL OR meter_id = ${input.onlyMeterId}::uuid)
      UNION ALL
      SELECT meter_id, quantity, 1, quantity, quantity, occurred_at
      FROM usage_events
      WHERE customer_id = ${input.customerId}::uuid
        AND ((occurred_at >= ${periodStart} AND occurred_at < ${wholeStart}) OR (occurred_at >= ${wholeEnd} AND occurred_at < ${periodEnd}))
        AND (${input.onlyMeterId}::uuid IS NULL OR meter_id = ${input.onlyMeterId}::uuid)
    ),
    usage AS (
      SELECT meter_id, sum(quantity) AS quantity, max(max_quantity) AS max_quantity,
             (array_agg(last_quantity ORDER BY last_occurred_at DESC NULLS LAST))[1] AS last_quantity, sum(event_count) AS event_count
      FROM parts
      GROUP BY meter_id
    )
    SELECT m.id::text AS meter_id, m.event_name, m.display_name, m.unit_label, m.aggregation::text AS aggregation,
           u.quantity::text AS quantity, u.max_quantity::text AS max_quantity, u.last_quantity::text AS last_quantity,
           u.event_count::text AS event_count
    FROM meters m LEFT JOIN usage u ON u.meter_id = m.id
    WHERE (u.meter_id IS NOT NULL OR m.id = ANY(${input.meterIds}::uuid[]))
      AND (${input.onlyMeterId}::uuid IS NULL OR m.id = ${input.onlyMeterId}::uuid)
    ORDER BY m.display_name`;
}
