// SQL of the daily usage chart: one customer's usage per meter and UTC day of a period, from the
// hourly rollups for whole hours and the raw events only for the period's partial edge hours, so a
// month costs about 720 rollup rows per meter whatever the event volume.
import type { TDb } from "@/lib/db";

export type TDailyUsageRow = {
  meter_id: string;
  day: Date;
  quantity: string;
  max_quantity: string | null;
  last_quantity: string | null;
  event_count: string;
};

export async function findDailyUsageRows(db: TDb, input: { customerId: string; periodStart: Date; periodEnd: Date }): Promise<TDailyUsageRow[]> {
  return db.$queryRaw<TDailyUsageRow[]>`
    WITH bounds AS (
      SELECT ps, pe,
             CASE WHEN ws < we THEN ws ELSE pe END AS whole_start, CASE WHEN ws < we THEN we ELSE pe END AS whole_end
      FROM (SELECT ps, pe, CASE WHEN date_trunc('hour', ps, 'UTC') = ps THEN ps ELSE date_trunc('hour', ps, 'UTC') + interval '1 hour' END AS ws,
                   date_trunc('hour', pe, 'UTC') AS we
            FROM (SELECT ${input.periodStart}::timestamptz AS ps, ${input.periodEnd}::timestamptz AS pe) p) b
    ),
    parts AS (
      SELECT r.meter_id, r.hour_start AS at, r.quantity, r.event_count, r.max_quantity, r.last_quantity, r.last_occurred_at
      FROM bounds b JOIN usage_rollups r ON r.customer_id = ${input.customerId}::uuid AND r.hour_start >= b.whole_start AND r.hour_start < b.whole_end
      UNION ALL
      SELECT e.meter_id, e.occurred_at, e.quantity, 1, e.quantity, e.quantity, e.occurred_at
      FROM bounds b JOIN usage_events e ON e.customer_id = ${input.customerId}::uuid AND e.occurred_at >= b.ps AND e.occurred_at < b.whole_start
      UNION ALL
      SELECT e.meter_id, e.occurred_at, e.quantity, 1, e.quantity, e.quantity, e.occurred_at
      FROM bounds b JOIN usage_events e ON e.customer_id = ${input.customerId}::uuid AND e.occurred_at >= b.whole_end AND e.occurred_at < b.pe
    )
    SELECT meter_id::text AS meter_id, date_trunc('day', at, 'UTC') AS day, trim_scale(sum(quantity))::text AS quantity,
           trim_scale(max(max_quantity))::text AS max_quantity,
           trim_scale((array_agg(last_quantity ORDER BY last_occurred_at DESC NULLS LAST))[1])::text AS last_quantity,
           sum(event_count)::text AS event_count
    FROM parts
    GROUP BY 1, 2
    ORDER BY 1, 2`;
}

/** When the customer's usage last changed (the newest rollup write), and when Stripe last accepted a line of theirs. */
export async function findUsageFreshness(db: TDb, customerId: string, since: Date): Promise<{ usage_updated_at: Date | null; reported_at: Date | null }> {
  const rows = await db.$queryRaw<{ usage_updated_at: Date | null; reported_at: Date | null }[]>`
    SELECT (SELECT max(updated_at) FROM usage_rollups WHERE customer_id = ${customerId}::uuid AND hour_start >= date_trunc('hour', ${since}::timestamptz, 'UTC')) AS usage_updated_at,
           (SELECT max(sent_at) FROM report_lines WHERE customer_id = ${customerId}::uuid AND period_start >= ${since}::timestamptz AND status = 'SENT') AS reported_at`;
  return rows[0] ?? { usage_updated_at: null, reported_at: null };
}
