// SQL of a line's life after the claim: lease due lines (retries, and lines a crashed worker left),
// and record what Stripe said. A line becomes SENT only after Stripe accepted it, and its events
// get `reported_at` in the same transaction. Every update requires status PENDING, so a line
// marked by one worker is never changed back by another.
import type { TDb } from "@/lib/db";

export type TLeasedLineRow = {
  id: bigint;
  identifier: string;
  customer_id: string;
  meter_id: string;
  stripe_customer_id: string | null;
  event_name: string;
  stripe_value: bigint;
  event_at: Date;
  attempts: number;
  first_attempt_at: Date | null;
  stripe_meter_id: string | null;
  aggregation: string;
  period_start: Date;
  period_end: Date;
  /** The customer's billing state now: a pending line may have gone stale since its claim. */
  current_period_start: Date | null;
  current_period_end: Date | null;
  attached_at: Date | null;
  invoice_status: string | null;
};

/** Takes up to `limit` due PENDING lines for this worker until `leaseUntil`. */
export async function leaseDueLines(
  db: TDb,
  options: { now: Date; leaseUntil: Date; limit: number; customerIds: string[] | null },
): Promise<TLeasedLineRow[]> {
  const { now, leaseUntil, limit, customerIds } = options;
  return db.$queryRaw<TLeasedLineRow[]>`
    WITH due AS (
      SELECT id FROM report_lines
      WHERE status = 'PENDING' AND next_attempt_at <= ${now}
        AND (${customerIds}::uuid[] IS NULL OR customer_id = ANY(${customerIds}::uuid[]))
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ),
    leased AS (
      UPDATE report_lines r SET next_attempt_at = ${leaseUntil}, first_attempt_at = coalesce(r.first_attempt_at, ${now}), updated_at = now()
      FROM due WHERE r.id = due.id
      RETURNING r.id, r.identifier, r.customer_id, r.meter_id, r.stripe_customer_id, r.event_name, r.stripe_value, r.event_at,
                r.attempts, r.first_attempt_at, r.period_start, r.period_end
    )
    SELECT leased.*, m.stripe_meter_id, m.aggregation::text AS aggregation,
           s.current_period_start, s.current_period_end, i.attached_at, inv.status AS invoice_status
    FROM leased
    JOIN meters m ON m.id = leased.meter_id
    LEFT JOIN LATERAL (
      SELECT id, current_period_start, current_period_end FROM subscriptions
      WHERE customer_id = leased.customer_id AND ended_at IS NULL LIMIT 1) s ON true
    LEFT JOIN LATERAL (
      SELECT max(attached_at) AS attached_at FROM subscription_items
      WHERE subscription_id = s.id AND meter_id = leased.meter_id AND removed_at IS NULL) i ON true
    LEFT JOIN LATERAL (
      SELECT status::text AS status FROM invoices
      WHERE subscription_id = s.id AND period_end = leased.period_end
      ORDER BY (status = 'DRAFT') ASC, created_at DESC LIMIT 1) inv ON true
    ORDER BY leased.customer_id, leased.meter_id, leased.id`;
}

/** Moves stale pending lines into the current billing segment as late adjustments (same identifier). */
export async function retimeLines(db: TDb, lines: { id: bigint; eventAt: Date; periodStart: Date; periodEnd: Date }[]): Promise<void> {
  if (lines.length === 0) return;
  const json = JSON.stringify(
    lines.map((line) => ({
      id: line.id.toString(),
      event_at: line.eventAt.toISOString(),
      period_start: line.periodStart.toISOString(),
      period_end: line.periodEnd.toISOString(),
    })),
  );
  await db.$executeRaw`
    UPDATE report_lines r SET event_at = x.event_at, period_start = x.period_start, period_end = x.period_end, late = true, updated_at = now()
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id bigint, event_at timestamptz, period_start timestamptz, period_end timestamptz)
    WHERE r.id = x.id AND r.status = 'PENDING'`;
}

/** Stripe accepted these lines: SENT, and their events reported. */
export async function markLinesSent(db: TDb, ids: bigint[], sentAt: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const marked = await db.$queryRaw<{ id: bigint }[]>`
    UPDATE report_lines SET status = 'SENT', sent_at = ${sentAt}, attempts = attempts + 1, last_error = NULL, updated_at = now()
    WHERE id = ANY(${ids}::bigint[]) AND status = 'PENDING'
    RETURNING id`;
  if (marked.length > 0) {
    await db.$executeRaw`
      UPDATE usage_events SET reported_at = ${sentAt}
      WHERE report_line_id = ANY(${marked.map((row) => row.id)}::bigint[]) AND reported_at IS NULL`;
  }
  return marked.length;
}

/** Not delivered this time: tried again from `next_attempt_at`. */
export async function markLinesForRetry(db: TDb, retries: { id: bigint; nextAttemptAt: Date; error: string }[]): Promise<void> {
  if (retries.length === 0) return;
  const json = JSON.stringify(retries.map((retry) => ({ id: retry.id.toString(), next_attempt_at: retry.nextAttemptAt.toISOString(), error: retry.error.slice(0, 2000) })));
  await db.$executeRaw`
    UPDATE report_lines r SET attempts = r.attempts + 1, next_attempt_at = x.next_attempt_at, last_error = x.error, updated_at = now()
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id bigint, next_attempt_at timestamptz, error text)
    WHERE r.id = x.id AND r.status = 'PENDING'`;
}

/** Refused for a reason a retry cannot fix: dead-lettered with it, for an admin to see and release. */
export async function markLinesDead(db: TDb, dead: { id: bigint; code: string; reason: string; error: string | null }[]): Promise<void> {
  if (dead.length === 0) return;
  const json = JSON.stringify(dead.map((line) => ({ id: line.id.toString(), code: line.code, reason: line.reason, error: line.error?.slice(0, 2000) ?? null })));
  await db.$executeRaw`
    UPDATE report_lines r SET status = 'DEAD', attempts = r.attempts + 1, held_code = x.code, held_reason = x.reason,
      last_error = coalesce(x.error, r.last_error), updated_at = now()
    FROM jsonb_to_recordset(${json}::jsonb) AS x(id bigint, code text, reason text, error text)
    WHERE r.id = x.id AND r.status = 'PENDING'`;
}

/** What Tally has sent (SENT lines) of a customer and meter with a timestamp in [from, until). */
export async function sumSentValues(db: TDb, line: { customerId: string; meterId: string; from: Date; until: Date }): Promise<bigint> {
  const rows = await db.$queryRaw<{ total: bigint | null }[]>`
    SELECT sum(stripe_value)::bigint AS total FROM report_lines
    WHERE customer_id = ${line.customerId}::uuid AND meter_id = ${line.meterId}::uuid AND status = 'SENT'
      AND event_at >= ${line.from} AND event_at < ${line.until}`;
  return BigInt(rows[0]?.total ?? 0);
}
