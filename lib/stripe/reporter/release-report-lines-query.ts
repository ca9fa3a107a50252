// SQL of releasing held and dead-lettered report lines: lock them, then hand their events back to
// the reporter's queue.
import type { TDb } from "@/lib/db";

export type TReleasableLineRow = { id: bigint; customer_id: string; status: "HELD" | "DEAD"; held_code: string | null; held_reason: string | null };

/**
 * Locks the lines that can be released (HELD or DEAD) among those named, or among those with this
 * code, in id order (two releases of overlapping sets wait for each other instead of deadlocking).
 * A release that waited for another one re-reads the rows after it: lines it released are RELEASED
 * by then and drop out, so a line is released once.
 */
export async function lockReleasableLines(db: TDb, selector: { lineIds: bigint[] } | { heldCode: string }): Promise<TReleasableLineRow[]> {
  if ("lineIds" in selector) {
    return db.$queryRaw<TReleasableLineRow[]>`
      SELECT id, customer_id::text AS customer_id, status::text AS status, held_code, held_reason
      FROM report_lines
      WHERE id = ANY(${selector.lineIds}::bigint[]) AND status IN ('HELD', 'DEAD')
      ORDER BY id
      FOR UPDATE`;
  }
  return db.$queryRaw<TReleasableLineRow[]>`
    SELECT id, customer_id::text AS customer_id, status::text AS status, held_code, held_reason
    FROM report_lines
    WHERE held_code = ${selector.heldCode} AND status IN ('HELD', 'DEAD')
    ORDER BY id
    FOR UPDATE`;
}

export type TUnclaimedEventsRow = { report_line_id: bigint; events: bigint };

/**
 * Detaches the events of these lines (usage_events_report_line_id_idx) so the reporter claims them
 * again; returns how many each line had. The self-join reads the row as it was before the update,
 * which RETURNING alone cannot before PostgreSQL 18.
 */
export async function unclaimLineEvents(db: TDb, lineIds: bigint[]): Promise<TUnclaimedEventsRow[]> {
  return db.$queryRaw<TUnclaimedEventsRow[]>`
    WITH unclaimed AS (
      UPDATE usage_events AS e
      SET report_line_id = NULL
      FROM usage_events AS prior
      WHERE prior.customer_id = e.customer_id AND prior.id = e.id
        AND prior.report_line_id = ANY(${lineIds}::bigint[])
        AND e.report_line_id = ANY(${lineIds}::bigint[])
      RETURNING prior.report_line_id
    )
    SELECT report_line_id, count(*) AS events FROM unclaimed GROUP BY report_line_id`;
}
