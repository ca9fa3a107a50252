// SQL of the reporter's claim. Run inside one transaction (claim-usage.ts):
//
// 1. `claimUsageGroups` walks the queue of unclaimed events (the partial index on customer, meter,
//    occurred_at WHERE report_line_id IS NULL) one customer-and-meter pair at a time, with one index
//    descent per pair (a loose index scan). A pair is taken when its oldest event lies in a closed
//    window and this transaction gets the pair's advisory lock, so concurrent workers never split a
//    pair's window between them: each window becomes one line, the fewest Stripe calls possible.
//    The pair's events are then locked (FOR UPDATE SKIP LOCKED) in index order, without a sort,
//    up to the claim's size, and come back aggregated per (pair, grid window, billing segment),
//    with the billing state read in the same snapshot.
// 2. `insertReportLines` writes the lines (the outbox): identifiers are fixed before any call.
// 3. `tagClaimedEvents` points exactly the rows this transaction locked (xmax = our transaction)
//    at their line, and returns per line the count and sum it tagged, which the caller checks
//    against the line before committing.
import type { TDb } from "@/lib/db";
import type { TLineDraft } from "./compute-report-lines";

/** Window origin of the UTC grid (any midnight: windows divide a day). */
const GRID_ORIGIN = "2000-01-01T00:00:00Z";

export type TClaimedGroupRow = {
  customer_id: string;
  meter_id: string;
  bucket_start: Date;
  segment_start: Date | null;
  subscription_id: string | null;
  stripe_subscription_id: string | null;
  subscription_status: string | null;
  current_period_start: Date | null;
  current_period_end: Date | null;
  previous_period_start: Date | null;
  previous_period_end: Date | null;
  attached_at: Date | null;
  event_count: number;
  quantity: string;
  last_quantity: string;
  first_at: Date;
  last_at: Date;
  max_id: bigint;
};

export async function claimUsageGroups(
  db: TDb,
  options: { now: Date; windowSeconds: number; maxPairs: number; maxEvents: number; customerIds: string[] | null; closeOpenWindows?: boolean },
): Promise<TClaimedGroupRow[]> {
  const { now, windowSeconds, maxPairs, maxEvents, customerIds } = options;
  const closeOpenWindows = options.closeOpenWindows ?? false;
  return db.$queryRaw<TClaimedGroupRow[]>`
    WITH RECURSIVE pairs AS (
      (SELECT customer_id, meter_id, occurred_at FROM usage_events
        WHERE report_line_id IS NULL
        ORDER BY customer_id, meter_id, occurred_at LIMIT 1)
      UNION ALL
      SELECT next.customer_id, next.meter_id, next.occurred_at FROM pairs p
      CROSS JOIN LATERAL (
        SELECT customer_id, meter_id, occurred_at FROM usage_events
        WHERE report_line_id IS NULL AND (customer_id, meter_id) > (p.customer_id, p.meter_id)
        ORDER BY customer_id, meter_id, occurred_at LIMIT 1) next
    ),
    candidates AS (
      SELECT p.customer_id, p.meter_id, p.occurred_at AS oldest,
             s.id AS subscription_id, s.stripe_subscription_id, s.status::text AS subscription_status,
             s.current_period_start, s.current_period_end, s.previous_period_start, s.previous_period_end,
             i.attached_at,
             -- Windows on the grid close at their end; the window cut by the period end closes then.
             CASE WHEN s.current_period_end <= ${now} THEN s.current_period_end
                  WHEN ${closeOpenWindows} THEN ${now}::timestamptz
                  ELSE date_bin(${windowSeconds} * interval '1 second', ${now}::timestamptz, ${GRID_ORIGIN}::timestamptz) END AS claim_before
      FROM pairs p
      LEFT JOIN LATERAL (
        SELECT id, stripe_subscription_id, status, current_period_start, current_period_end, previous_period_start, previous_period_end
        FROM subscriptions WHERE customer_id = p.customer_id AND ended_at IS NULL LIMIT 1) s ON true
      LEFT JOIN LATERAL (
        SELECT max(attached_at) AS attached_at FROM subscription_items
        WHERE subscription_id = s.id AND meter_id = p.meter_id AND removed_at IS NULL) i ON true
      WHERE ${customerIds}::uuid[] IS NULL OR p.customer_id = ANY(${customerIds}::uuid[])
    ),
    locked AS (
      SELECT * FROM candidates c
      WHERE CASE WHEN c.oldest < c.claim_before
                 THEN pg_try_advisory_xact_lock(hashtextextended(c.customer_id::text || c.meter_id::text, 7))
                 ELSE false END
      LIMIT ${maxPairs}
    ),
    claimed AS (
      SELECT l.*, e.id, e.quantity, e.occurred_at
      FROM locked l
      CROSS JOIN LATERAL (
        SELECT id, quantity, occurred_at FROM usage_events
        WHERE customer_id = l.customer_id AND meter_id = l.meter_id AND report_line_id IS NULL AND occurred_at < l.claim_before
        ORDER BY occurred_at
        LIMIT ${maxEvents}
        FOR UPDATE SKIP LOCKED) e
      LIMIT ${maxEvents}
    )
    SELECT customer_id, meter_id,
           date_bin(${windowSeconds} * interval '1 second', occurred_at, ${GRID_ORIGIN}::timestamptz) AS bucket_start,
           GREATEST(CASE WHEN occurred_at >= previous_period_start THEN previous_period_start END,
                    CASE WHEN occurred_at >= current_period_start THEN current_period_start END,
                    CASE WHEN occurred_at >= attached_at AND attached_at > current_period_start AND attached_at < current_period_end
                         THEN attached_at END) AS segment_start,
           subscription_id, stripe_subscription_id, subscription_status,
           current_period_start, current_period_end, previous_period_start, previous_period_end, attached_at,
           count(*)::int AS event_count, sum(quantity)::text AS quantity,
           (array_agg(quantity ORDER BY occurred_at DESC, id DESC))[1]::text AS last_quantity,
           min(occurred_at) AS first_at, max(occurred_at) AS last_at, max(id) AS max_id
    FROM claimed
    GROUP BY customer_id, meter_id, bucket_start, segment_start, subscription_id, stripe_subscription_id, subscription_status,
             current_period_start, current_period_end, previous_period_start, previous_period_end, attached_at
    ORDER BY customer_id, meter_id, bucket_start, segment_start NULLS FIRST`;
}

/** The carried remainder of the newest live line per (customer, meter, period). */
export async function findCarries(db: TDb, keys: { customerId: string; meterId: string; periodStart: Date }[]) {
  if (keys.length === 0) return [];
  const json = JSON.stringify(keys.map((key) => ({ customer_id: key.customerId, meter_id: key.meterId, period_start: key.periodStart.toISOString() })));
  return db.$queryRaw<{ customer_id: string; meter_id: string; period_start: Date; carry_out: string }[]>`
    SELECT k.customer_id, k.meter_id, k.period_start, last.carry_out::text AS carry_out
    FROM jsonb_to_recordset(${json}::jsonb) AS k(customer_id uuid, meter_id uuid, period_start timestamptz)
    CROSS JOIN LATERAL (
      SELECT carry_out FROM report_lines r
      WHERE r.customer_id = k.customer_id AND r.meter_id = k.meter_id AND r.period_start = k.period_start
        AND r.status IN ('PENDING', 'SENT')
      ORDER BY r.id DESC LIMIT 1) last`;
}

/** Writes the lines; the pending ones are this worker's to send until `leaseUntil`. */
export async function insertReportLines(
  db: TDb,
  batchId: bigint,
  lines: TLineDraft[],
  lease: { now: Date; leaseUntil: Date },
): Promise<{ id: bigint; identifier: string }[]> {
  if (lines.length === 0) return [];
  const json = JSON.stringify(
    lines.map((line) => ({
      identifier: line.identifier,
      customer_id: line.customerId,
      meter_id: line.meterId,
      stripe_customer_id: line.stripeCustomerId,
      event_name: line.eventName,
      event_count: line.eventCount,
      window_start: line.windowStart.toISOString(),
      window_end: line.windowEnd.toISOString(),
      period_start: line.periodStart.toISOString(),
      period_end: line.periodEnd.toISOString(),
      quantity: line.quantity.toString(),
      stripe_value: line.stripeValue.toString(),
      carry_in: line.carryIn.toString(),
      carry_out: line.carryOut.toString(),
      event_at: line.eventAt.toISOString(),
      late: line.late,
      status: line.status,
      held_code: line.heldCode,
      held_reason: line.heldReason,
    })),
  );
  return db.$queryRaw<{ id: bigint; identifier: string }[]>`
    INSERT INTO report_lines (identifier, batch_id, customer_id, meter_id, stripe_customer_id, event_name, event_count,
      window_start, window_end, period_start, period_end, quantity, stripe_value, carry_in, carry_out, event_at, late,
      status, held_code, held_reason, next_attempt_at, first_attempt_at, created_at, updated_at)
    SELECT identifier, ${batchId}, customer_id, meter_id, stripe_customer_id, event_name, event_count,
      window_start, window_end, period_start, period_end, quantity, stripe_value, carry_in, carry_out, event_at, late,
      status::"ReportLineStatus", held_code, held_reason, ${lease.leaseUntil},
      CASE WHEN status = 'PENDING' THEN ${lease.now}::timestamptz END, ${lease.now}, now()
    FROM jsonb_to_recordset(${json}::jsonb) AS r(identifier text, customer_id uuid, meter_id uuid, stripe_customer_id text,
      event_name text, event_count int, window_start timestamptz, window_end timestamptz, period_start timestamptz,
      period_end timestamptz, quantity numeric, stripe_value bigint, carry_in numeric, carry_out numeric, event_at timestamptz,
      late boolean, status text, held_code text, held_reason text)
    RETURNING id, identifier`;
}

/** Tags the events this transaction locked with their line; returns what each line got. */
export async function tagClaimedEvents(
  db: TDb,
  lines: { id: bigint; customerId: string; meterId: string; windowStart: Date; windowEnd: Date; maxId: bigint }[],
): Promise<{ line_id: bigint; events: number; quantity: string }[]> {
  if (lines.length === 0) return [];
  const json = JSON.stringify(
    lines.map((line) => ({
      id: line.id.toString(),
      customer_id: line.customerId,
      meter_id: line.meterId,
      window_start: line.windowStart.toISOString(),
      window_end: line.windowEnd.toISOString(),
      max_id: line.maxId.toString(),
    })),
  );
  return db.$queryRaw<{ line_id: bigint; events: number; quantity: string }[]>`
    WITH l AS (
      SELECT * FROM jsonb_to_recordset(${json}::jsonb)
        AS x(id bigint, customer_id uuid, meter_id uuid, window_start timestamptz, window_end timestamptz, max_id bigint)
    ),
    tagged AS (
      UPDATE usage_events e SET report_line_id = l.id
      FROM l
      WHERE e.customer_id = l.customer_id AND e.meter_id = l.meter_id
        AND e.occurred_at >= l.window_start AND e.occurred_at < l.window_end
        AND e.report_line_id IS NULL AND e.id <= l.max_id
        -- only rows this transaction locked in the claim (a row lock sets xmax to the locker)
        AND e.xmax = pg_current_xact_id()::xid
      RETURNING e.report_line_id, e.quantity
    )
    SELECT report_line_id AS line_id, count(*)::int AS events, sum(quantity)::text AS quantity FROM tagged GROUP BY report_line_id`;
}

/** The status of the invoice that bills each subscription's previous period (ending at its current period start). */
export async function findPreviousInvoiceStatuses(db: TDb, subscriptions: { id: string; previousPeriodEnd: Date }[]) {
  if (subscriptions.length === 0) return [];
  const json = JSON.stringify(subscriptions.map((s) => ({ id: s.id, period_end: s.previousPeriodEnd.toISOString() })));
  return db.$queryRaw<{ subscription_id: string; status: string }[]>`
    SELECT DISTINCT ON (i.subscription_id) i.subscription_id, i.status::text AS status
    FROM jsonb_to_recordset(${json}::jsonb) AS s(id uuid, period_end timestamptz)
    JOIN invoices i ON i.subscription_id = s.id AND i.period_end = s.period_end
    ORDER BY i.subscription_id, (i.status = 'DRAFT') ASC, i.created_at DESC`;
}
