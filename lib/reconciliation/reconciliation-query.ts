// SQL of reconciliation: which customer, meter and period pairs a run checks, and Tally's side of
// each (report lines by status, late usage in and out, unclaimed events, possible duplicates).
// Raw totals come from the usage read path (rollups, exact); nothing here scans a period's events
// but the unclaimed ones (a partial index holds only those).
import { Prisma, type TDb } from "@/lib/db";

export type TReconciliationPair = {
  customer_id: string;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  meter_id: string;
  event_name: string;
  aggregation: "SUM" | "COUNT" | "MAX" | "LAST";
  value_scale: string;
  stripe_meter_id: string | null;
  period_start: Date;
  period_end: Date;
};

/**
 * The current and previous period of every subscription that has not ended (or ended since
 * `endedSince`), for each meter its items bill or its report lines name; one customer's when set.
 */
export async function findReconciliationPairs(db: TDb, input: { customerId: string | null; endedSince: Date }): Promise<TReconciliationPair[]> {
  const onlyCustomer = input.customerId === null ? Prisma.sql`TRUE` : Prisma.sql`s.customer_id = ${input.customerId}::uuid`;
  return db.$queryRaw<TReconciliationPair[]>`
    WITH periods AS (
      SELECT s.id AS subscription_id, s.customer_id, s.stripe_subscription_id, p.period_start, p.period_end
      FROM subscriptions s
      CROSS JOIN LATERAL (VALUES (s.current_period_start, s.current_period_end), (s.previous_period_start, s.previous_period_end)) AS p(period_start, period_end)
      WHERE (s.ended_at IS NULL OR s.ended_at >= ${input.endedSince}) AND ${onlyCustomer} AND p.period_start IS NOT NULL
    ),
    period_meters AS (
      SELECT p.*, si.meter_id FROM periods p JOIN subscription_items si ON si.subscription_id = p.subscription_id AND si.meter_id IS NOT NULL
      UNION
      SELECT p.*, rl.meter_id FROM periods p JOIN report_lines rl ON rl.customer_id = p.customer_id AND rl.period_start = p.period_start
    )
    SELECT DISTINCT pm.customer_id::text, c.stripe_customer_id, pm.stripe_subscription_id, pm.meter_id::text, m.event_name,
           m.aggregation::text AS aggregation, m.value_scale::text AS value_scale, m.stripe_meter_id, pm.period_start, pm.period_end
    FROM period_meters pm
    JOIN customers c ON c.id = pm.customer_id
    JOIN meters m ON m.id = pm.meter_id
    ORDER BY pm.customer_id::text, m.event_name, pm.period_start`;
}

export type TLineFigures = {
  sent_quantity: string;
  sent_value: string;
  pending_quantity: string;
  pending_value: string;
  held_quantity: string;
  held_value: string;
  held_ids: string[];
  dead_quantity: string;
  dead_value: string;
  dead_ids: string[];
  late_in: string;
  late_out: string;
};

/** The period's report lines by status, and late usage moved in (from earlier periods) and out (to later ones). */
export async function findLineFigures(db: TDb, pair: { customerId: string; meterId: string; periodStart: Date; periodEnd: Date }): Promise<TLineFigures> {
  const { customerId, meterId, periodStart: ps, periodEnd: pe } = pair;
  const rows = await db.$queryRaw<TLineFigures[]>`
    SELECT
      coalesce(sum(quantity) FILTER (WHERE here AND status = 'SENT'), 0)::text AS sent_quantity,
      coalesce(sum(stripe_value) FILTER (WHERE here AND status = 'SENT'), 0)::text AS sent_value,
      coalesce(sum(quantity) FILTER (WHERE here AND status = 'PENDING'), 0)::text AS pending_quantity,
      coalesce(sum(stripe_value) FILTER (WHERE here AND status = 'PENDING'), 0)::text AS pending_value,
      coalesce(sum(quantity) FILTER (WHERE here AND status = 'HELD'), 0)::text AS held_quantity,
      coalesce(sum(stripe_value) FILTER (WHERE here AND status = 'HELD'), 0)::text AS held_value,
      coalesce(array_agg(id::text ORDER BY id) FILTER (WHERE here AND status = 'HELD'), '{}') AS held_ids,
      coalesce(sum(quantity) FILTER (WHERE here AND status = 'DEAD'), 0)::text AS dead_quantity,
      coalesce(sum(stripe_value) FILTER (WHERE here AND status = 'DEAD'), 0)::text AS dead_value,
      coalesce(array_agg(id::text ORDER BY id) FILTER (WHERE here AND status = 'DEAD'), '{}') AS dead_ids,
      coalesce(sum(quantity) FILTER (WHERE here AND window_start < ${ps} AND status <> 'RELEASED'), 0)::text AS late_in,
      coalesce(sum(quantity) FILTER (WHERE NOT here AND status <> 'RELEASED'), 0)::text AS late_out
    FROM (
      SELECT *, period_start = ${ps} AS here FROM report_lines
      WHERE customer_id = ${customerId}::uuid AND meter_id = ${meterId}::uuid AND period_start >= ${ps}
        AND (period_start = ${ps} OR (window_start >= ${ps} AND window_start < ${pe}))
    ) lines`;
  const row = rows[0];
  if (!row) throw new Error("The line figures query returned no row.");
  return row;
}

/** Unclaimed events of the period (the reporter has not taken them yet), summed exactly. */
export async function sumUnclaimedEvents(db: TDb, pair: { customerId: string; meterId: string; periodStart: Date; periodEnd: Date }): Promise<string> {
  const rows = await db.$queryRaw<{ total: string }[]>`
    SELECT coalesce(sum(quantity), 0)::text AS total FROM usage_events
    WHERE customer_id = ${pair.customerId}::uuid AND meter_id = ${pair.meterId}::uuid AND report_line_id IS NULL
      AND occurred_at >= ${pair.periodStart} AND occurred_at < ${pair.periodEnd}`;
  return rows[0]?.total ?? "0";
}

export type TDuplicateCandidateRow = { id: string; identifier: string; stripe_value: string; event_at: Date; first_attempt_at: Date };

/** Lines of the period released or dead-lettered after a send attempt: Stripe may have them. */
export async function findDuplicateCandidates(db: TDb, pair: { customerId: string; meterId: string; periodStart: Date }): Promise<TDuplicateCandidateRow[]> {
  return db.$queryRaw<TDuplicateCandidateRow[]>`
    SELECT id::text, identifier, stripe_value::text, event_at, first_attempt_at FROM report_lines
    WHERE customer_id = ${pair.customerId}::uuid AND meter_id = ${pair.meterId}::uuid AND period_start = ${pair.periodStart}
      AND status IN ('RELEASED', 'DEAD') AND first_attempt_at IS NOT NULL AND stripe_value > 0
    ORDER BY event_at, id`;
}
