// Direct SQL for the dispute export benchmark (`npm run bench:dispute`): after the dashboard
// benchmark's loader (dashboard-data.ts) has written the events, every event is made to look
// reported, as a dispute finds them after the invoice: one SENT report line per (customer, meter,
// hour) clipped to the period, each event tagged with its line and reported_at, and one event in ten
// given properties, so the file carries every column a real dispute CSV does.
import type pg from "pg";

export async function reportEveryEvent(pool: pg.Pool, period: { periodStart: Date; periodEnd: Date }): Promise<{ lines: number; seconds: number }> {
  const started = performance.now();
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL work_mem = '1GB'");
    const batch = await client.query<{ id: string }>(
      "INSERT INTO report_batches (worker_id, event_count, line_count, completed_at) VALUES ('bench-dispute', 0, 0, now()) RETURNING id::text AS id",
    );
    const lines = await client.query(
      `INSERT INTO report_lines (identifier, batch_id, customer_id, meter_id, stripe_customer_id, event_name, event_count, window_start, window_end,
         period_start, period_end, quantity, stripe_value, event_at, status, attempts, first_attempt_at, sent_at, updated_at)
       SELECT 'tally_bench_' || md5(g.customer_id::text || g.meter_id::text || g.hour::text), $1::bigint, g.customer_id, g.meter_id, c.stripe_customer_id,
              m.event_name, g.n, g.window_start, g.window_end, $2::timestamptz, $3::timestamptz, g.quantity, round(g.quantity)::bigint, g.window_start,
              'SENT', 1, g.received, g.received, now()
       FROM (
         SELECT customer_id, meter_id, date_trunc('hour', occurred_at, 'UTC') AS hour, count(*)::int AS n, sum(quantity) AS quantity,
                greatest(date_trunc('hour', occurred_at, 'UTC'), $2::timestamptz) AS window_start,
                least(date_trunc('hour', occurred_at, 'UTC') + interval '1 hour', $3::timestamptz) AS window_end,
                max(received_at) + interval '1 minute' AS received
         FROM usage_events WHERE occurred_at >= $2::timestamptz AND occurred_at < $3::timestamptz
         GROUP BY 1, 2, 3
       ) g
       JOIN meters m ON m.id = g.meter_id
       JOIN customers c ON c.id = g.customer_id`,
      [batch.rows[0]?.id, period.periodStart, period.periodEnd],
    );
    await client.query(
      `UPDATE usage_events e
       SET report_line_id = l.id, reported_at = l.sent_at,
           properties = CASE WHEN e.id % 10 = 0 THEN jsonb_build_object('region', 'eu-west-1', 'endpoint', '/v1/items/' || e.id, 'note', '=SUM(A1:A9)') END
       FROM report_lines l
       WHERE l.batch_id = $1::bigint AND l.customer_id = e.customer_id AND l.meter_id = e.meter_id
         AND e.occurred_at >= l.window_start AND e.occurred_at < l.window_end`,
      [batch.rows[0]?.id],
    );
    await client.query("UPDATE report_batches SET line_count = $2, event_count = (SELECT count(*) FROM usage_events WHERE report_line_id IS NOT NULL) WHERE id = $1::bigint", [
      batch.rows[0]?.id,
      lines.rowCount ?? 0,
    ]);
    await client.query("COMMIT");
    return { lines: lines.rowCount ?? 0, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
