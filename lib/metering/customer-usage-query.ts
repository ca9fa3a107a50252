// SQL of the usage read path: a customer's usage per meter in a period, from the hourly rollups for
// the whole hours and from the raw events for the period's partial edge hours (periods start at a
// subscription's creation second, rarely on the hour), so totals are exact and cost about the same
// at 10 million events as at ten. The entitlement check reads customer, plan, quota and usage in
// one statement: it runs on every request of the vendor's product.
import { Prisma, type TDb } from "@/lib/db";

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

/**
 * CTEs `bounds`, `parts` and `usage` (per meter: sum, max, last, event count) for one customer
 * and period, given as SQL expressions over a CTE or parameters.
 */
function usageCtes(input: { customerId: Prisma.Sql; periodStart: Prisma.Sql; periodEnd: Prisma.Sql; onlyMeterId: Prisma.Sql }): Prisma.Sql {
  return Prisma.sql`
    bounds AS (
      SELECT ${input.customerId} AS customer_id, ps AS period_start, pe AS period_end,
             CASE WHEN ws < we THEN ws ELSE pe END AS whole_start, CASE WHEN ws < we THEN we ELSE pe END AS whole_end
      FROM (SELECT ps, pe, CASE WHEN date_trunc('hour', ps, 'UTC') = ps THEN ps ELSE date_trunc('hour', ps, 'UTC') + interval '1 hour' END AS ws,
                   date_trunc('hour', pe, 'UTC') AS we
            FROM (SELECT ${input.periodStart} AS ps, ${input.periodEnd} AS pe) p) b
    ),
    parts AS (
      SELECT r.meter_id, r.quantity, r.event_count, r.max_quantity, r.last_quantity, r.last_occurred_at
      FROM bounds b JOIN usage_rollups r ON r.customer_id = b.customer_id AND r.hour_start >= b.whole_start AND r.hour_start < b.whole_end
      WHERE ${input.onlyMeterId} IS NULL OR r.meter_id = ${input.onlyMeterId}
      UNION ALL
      -- Two arms, not one OR: each is a range scan of the (customer, meter, occurred_at) index.
      SELECT e.meter_id, e.quantity, 1, e.quantity, e.quantity, e.occurred_at
      FROM bounds b JOIN usage_events e ON e.customer_id = b.customer_id AND e.occurred_at >= b.period_start AND e.occurred_at < b.whole_start
      WHERE ${input.onlyMeterId} IS NULL OR e.meter_id = ${input.onlyMeterId}
      UNION ALL
      SELECT e.meter_id, e.quantity, 1, e.quantity, e.quantity, e.occurred_at
      FROM bounds b JOIN usage_events e ON e.customer_id = b.customer_id AND e.occurred_at >= b.whole_end AND e.occurred_at < b.period_end
      WHERE ${input.onlyMeterId} IS NULL OR e.meter_id = ${input.onlyMeterId}
    ),
    usage AS (
      SELECT meter_id, sum(quantity) AS quantity, max(max_quantity) AS max_quantity,
             (array_agg(last_quantity ORDER BY last_occurred_at DESC NULLS LAST))[1] AS last_quantity, sum(event_count) AS event_count
      FROM parts GROUP BY meter_id
    )`;
}

const METER_USAGE_COLUMNS = Prisma.sql`m.id::text AS meter_id, m.event_name, m.display_name, m.unit_label, m.aggregation::text AS aggregation,
  u.quantity::text AS quantity, u.max_quantity::text AS max_quantity, u.last_quantity::text AS last_quantity, u.event_count::text AS event_count`;

/** Per meter with usage in the period: its usage parts. */
export async function findMeterUsage(db: TDb, input: { customerId: string; periodStart: Date; periodEnd: Date }): Promise<TMeterUsageRow[]> {
  return db.$queryRaw<TMeterUsageRow[]>`
    WITH ${usageCtes({
      customerId: Prisma.sql`${input.customerId}::uuid`,
      periodStart: Prisma.sql`${input.periodStart}::timestamptz`,
      periodEnd: Prisma.sql`${input.periodEnd}::timestamptz`,
      onlyMeterId: Prisma.sql`NULL::uuid`,
    })}
    SELECT ${METER_USAGE_COLUMNS} FROM usage u JOIN meters m ON m.id = u.meter_id ORDER BY m.display_name`;
}

export type TCustomerUsageRow = Partial<TMeterUsageRow> & {
  customer_id: string;
  external_id: string;
  period_start: Date;
  period_end: Date;
  plan_name: string | null;
  plan_version: number | null;
  /** false: a meter was asked for and does not exist. */
  meter_found: boolean;
  included_quantity: string | null;
};

/**
 * One customer (by external id, or Tally id; archived ones are not found) with its live
 * subscription's period (`fallbackPeriod` without one), and per meter (the plan's, plus any with
 * usage; or only `meter`, even without either) its usage and included quantity. No row: no such customer; one row with
 * a null meter_id: no meter to show.
 */
export async function findCustomerUsage(
  db: TDb,
  input: { reference: string; meter: string | null; fallbackPeriod: { periodStart: Date; periodEnd: Date } },
): Promise<TCustomerUsageRow[]> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.reference);
  return db.$queryRaw<TCustomerUsageRow[]>`
    WITH customer AS (
      SELECT c.id, c.external_id, s.current_period_start, s.current_period_end, s.plan_version_id, p.name AS plan_name, v.version AS plan_version
      FROM customers c
      LEFT JOIN subscriptions s ON s.customer_id = c.id AND s.ended_at IS NULL
      LEFT JOIN plan_versions v ON v.id = s.plan_version_id
      LEFT JOIN plans p ON p.id = v.plan_id
      WHERE c.archived_at IS NULL AND (c.external_id = ${input.reference} OR (${isUuid} AND c.id = ${isUuid ? input.reference : null}::uuid))
      ORDER BY (c.external_id = ${input.reference}) DESC
      LIMIT 1
    ),
    only_meter AS (SELECT id FROM meters WHERE event_name = ${input.meter}),
    ${usageCtes({
      customerId: Prisma.sql`(SELECT id FROM customer)`,
      periodStart: Prisma.sql`(SELECT coalesce(current_period_start, ${input.fallbackPeriod.periodStart}::timestamptz) FROM customer)`,
      periodEnd: Prisma.sql`(SELECT coalesce(current_period_end, ${input.fallbackPeriod.periodEnd}::timestamptz) FROM customer)`,
      onlyMeterId: Prisma.sql`(SELECT id FROM only_meter)`,
    })},
    charges AS (SELECT pc.meter_id, pc.included_quantity FROM plan_charges pc JOIN customer c ON pc.plan_version_id = c.plan_version_id),
    shown AS (
      SELECT meter_id FROM usage UNION SELECT meter_id FROM charges UNION SELECT id FROM only_meter
      EXCEPT SELECT m.id FROM meters m WHERE ${input.meter}::text IS NOT NULL AND m.id IS DISTINCT FROM (SELECT id FROM only_meter)
    )
    SELECT c.id::text AS customer_id, c.external_id, b.period_start, b.period_end, c.plan_name, c.plan_version,
           (${input.meter}::text IS NULL OR EXISTS (SELECT 1 FROM only_meter)) AS meter_found,
           ch.included_quantity::text AS included_quantity, ${METER_USAGE_COLUMNS}
    FROM customer c
    CROSS JOIN bounds b
    LEFT JOIN shown ON true
    LEFT JOIN meters m ON m.id = shown.meter_id
    LEFT JOIN usage u ON u.meter_id = shown.meter_id
    LEFT JOIN charges ch ON ch.meter_id = shown.meter_id
    ORDER BY m.display_name`;
}
