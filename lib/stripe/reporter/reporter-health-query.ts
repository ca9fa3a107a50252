// SQL of the sync health page's reporter figures: one statement per figure group, each along an
// index (the events table holds tens of millions of rows, report_lines one row per meter event).
import type { TDb } from "@/lib/db";

export type TBacklogRow = { events: bigint; oldest_received_at: Date | null; oldest_occurred_at: Date | null };

/**
 * The reporter's queue: unclaimed events and the oldest of them. Reads only the rows of the partial
 * index usage_events_unclaimed_idx (plus their heap tuples for received_at): as large as the backlog,
 * never the whole table.
 */
export async function selectBacklog(db: TDb): Promise<TBacklogRow> {
  const rows = await db.$queryRaw<TBacklogRow[]>`
    SELECT count(*) AS events, min(received_at) AS oldest_received_at, min(occurred_at) AS oldest_occurred_at
    FROM usage_events
    WHERE report_line_id IS NULL`;
  return rows[0] ?? { events: 0n, oldest_received_at: null, oldest_occurred_at: null };
}

export type TPendingLinesRow = { lines: bigint; retrying: bigint; failing: bigint; oldest_created_at: Date | null };

/** Lines waiting for Stripe, along the partial index report_lines_pending_idx (status = 'PENDING'). */
export async function selectPendingLines(db: TDb): Promise<TPendingLinesRow> {
  const rows = await db.$queryRaw<TPendingLinesRow[]>`
    SELECT count(*) AS lines,
           count(*) FILTER (WHERE attempts > 0) AS retrying,
           count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
           min(created_at) AS oldest_created_at
    FROM report_lines
    WHERE status = 'PENDING'`;
  return rows[0] ?? { lines: 0n, retrying: 0n, failing: 0n, oldest_created_at: null };
}

export type TSentLinesRow = { last_minute: bigint; last_hour: bigint; events_last_hour: bigint };

/** Lines Stripe accepted since `hourAgo` (report_lines_sent_at_idx), and the events they carried. */
export async function selectSentLines(db: TDb, minuteAgo: Date, hourAgo: Date): Promise<TSentLinesRow> {
  const rows = await db.$queryRaw<TSentLinesRow[]>`
    SELECT count(*) FILTER (WHERE sent_at >= ${minuteAgo}) AS last_minute,
           count(*) AS last_hour,
           coalesce(sum(event_count), 0)::bigint AS events_last_hour
    FROM report_lines
    WHERE sent_at >= ${hourAgo}`;
  return rows[0] ?? { last_minute: 0n, last_hour: 0n, events_last_hour: 0n };
}

export type THoldReasonRow = { status: "HELD" | "DEAD"; held_code: string | null; held_reason: string | null; lines: bigint; oldest_created_at: Date };

/**
 * Held and dead-lettered lines grouped by status and code (report_lines_status_updated_at_idx),
 * with one example of the human reason per group: the newest line's.
 */
export async function selectHoldReasons(db: TDb): Promise<THoldReasonRow[]> {
  return db.$queryRaw<THoldReasonRow[]>`
    SELECT status::text AS status, held_code,
           (array_agg(held_reason ORDER BY id DESC))[1] AS held_reason,
           count(*) AS lines,
           min(created_at) AS oldest_created_at
    FROM report_lines
    WHERE status IN ('HELD', 'DEAD')
    GROUP BY status, held_code
    ORDER BY status, count(*) DESC, held_code`;
}
