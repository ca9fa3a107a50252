// SQL of quota alerts. One statement finds the (customer, meter) pairs whose rollups changed since
// `since`, computes each one's usage in its live subscription's current period (rollups for whole
// hours, raw events for the edge hours), and records every threshold it reached. The unique key
// (customer, meter, threshold, period start) makes each threshold fire once per period, however many
// workers evaluate at once; the rows it returns are the ones this call recorded.
import type { TDb } from "@/lib/db";

export type TFiredAlertRow = {
  id: string;
  customer_id: string;
  meter_id: string;
  threshold: number;
  period_start: Date;
  period_end: Date;
  usage_quantity: string;
  included_quantity: string;
};

export async function recordCrossedThresholds(db: TDb, input: { since: Date; customerIds: string[] | null }): Promise<TFiredAlertRow[]> {
  return db.$queryRaw<TFiredAlertRow[]>`
    WITH dirty AS (
      SELECT DISTINCT customer_id, meter_id FROM usage_rollups
      WHERE updated_at > ${input.since}::timestamptz
        AND (${input.customerIds}::uuid[] IS NULL OR customer_id = ANY(${input.customerIds}::uuid[]))
    ),
    -- MATERIALIZED: the skip of pairs whose highest threshold fired must run before their usage is summed.
    quotas AS MATERIALIZED (
      SELECT d.customer_id, d.meter_id, m.aggregation::text AS aggregation, pc.included_quantity, v.alert_thresholds,
             s.current_period_start AS ps, s.current_period_end AS pe,
             LEAST(s.current_period_end, CASE WHEN date_trunc('hour', s.current_period_start, 'UTC') = s.current_period_start THEN s.current_period_start
                  ELSE date_trunc('hour', s.current_period_start, 'UTC') + interval '1 hour' END) AS whole_start,
             GREATEST(s.current_period_start, date_trunc('hour', s.current_period_end, 'UTC')) AS whole_end
      FROM dirty d
      JOIN subscriptions s ON s.customer_id = d.customer_id AND s.ended_at IS NULL AND s.status IN ('ACTIVE', 'TRIALING', 'PAST_DUE')
      JOIN plan_versions v ON v.id = s.plan_version_id AND cardinality(v.alert_thresholds) > 0
      JOIN plan_charges pc ON pc.plan_version_id = v.id AND pc.meter_id = d.meter_id AND pc.included_quantity > 0
      JOIN meters m ON m.id = d.meter_id
      -- A pair whose highest threshold fired this period has nothing left to fire.
      WHERE NOT EXISTS (
        SELECT 1 FROM usage_alerts a
        WHERE a.customer_id = d.customer_id AND a.meter_id = d.meter_id AND a.period_start = s.current_period_start
          AND a.threshold = (SELECT max(t) FROM unnest(v.alert_thresholds) AS t))
    ),
    usage AS (
      SELECT q.*, u.quantity
      FROM quotas q
      CROSS JOIN LATERAL (
        SELECT CASE q.aggregation WHEN 'MAX' THEN max(p.max_quantity)
                                  WHEN 'LAST' THEN (array_agg(p.last_quantity ORDER BY p.last_at DESC NULLS LAST))[1]
                                  ELSE sum(p.quantity) END AS quantity
        FROM (
          SELECT r.quantity, r.max_quantity, r.last_quantity, r.last_occurred_at AS last_at FROM usage_rollups r
          WHERE r.customer_id = q.customer_id AND r.meter_id = q.meter_id AND r.hour_start >= q.whole_start AND r.hour_start < q.whole_end
          UNION ALL
          SELECT e.quantity, e.quantity, e.quantity, e.occurred_at FROM usage_events e
          WHERE e.customer_id = q.customer_id AND e.meter_id = q.meter_id AND e.occurred_at >= q.ps AND e.occurred_at < q.whole_start
          UNION ALL
          SELECT e.quantity, e.quantity, e.quantity, e.occurred_at FROM usage_events e
          WHERE e.customer_id = q.customer_id AND e.meter_id = q.meter_id AND e.occurred_at >= GREATEST(q.whole_end, q.whole_start) AND e.occurred_at < q.pe
        ) p
      ) u
      WHERE u.quantity IS NOT NULL
    )
    INSERT INTO usage_alerts (id, customer_id, meter_id, threshold, period_start, period_end, usage_quantity, included_quantity)
    SELECT gen_random_uuid(), u.customer_id, u.meter_id, t.threshold, u.ps, u.pe, u.quantity, u.included_quantity
    FROM usage u CROSS JOIN LATERAL unnest(u.alert_thresholds) AS t(threshold)
    WHERE u.quantity * 100 >= t.threshold * u.included_quantity
    ORDER BY u.customer_id, u.meter_id, t.threshold
    ON CONFLICT (customer_id, meter_id, threshold, period_start) DO NOTHING
    RETURNING id::text AS id, customer_id::text AS customer_id, meter_id::text AS meter_id, threshold, period_start, period_end,
              trim_scale(usage_quantity)::text AS usage_quantity, trim_scale(included_quantity)::text AS included_quantity`;
}
