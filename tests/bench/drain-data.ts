// Direct SQL for the reporter benchmark: the catalog the reporter needs (one meter, customers with
// live subscriptions), the backlog (usage_events written straight into the table, as ingestion
// would have left them), the drain's progress and timeline, and the correctness checks after a run.
import pg from "pg";

export const BENCH_EVENT_NAME = "bench_units";
/** The reporter's window grid origin (claim-usage-query.ts). */
const GRID_ORIGIN = "2000-01-01T00:00:00Z";
const LOAD_CHUNK = 1_000_000;
/** usage_events: reported_at only with a report line (prisma/migrations/…_checks). */
const REPORTED_CHECK = "usage_events_reported_after_claim";

export type TBacklog = {
  events: number;
  quantity: bigint;
  /** The events' occurred_at lie in [from, until); `until` is an hour start in the past, so every window is closed. */
  from: Date;
  until: Date;
  loadSeconds: number;
  vacuumSeconds: number;
};

export type TProgress = { reported: number; claimed: number; sentLines: number };

export type TTimeline = {
  firstClaimAt: Date | null;
  lastSentAt: Date | null;
  /** When 10 %, 20 %, … 100 % of `total` had been reported (null: never). */
  deciles: (Date | null)[];
};

export type TLineStatusCounts = Record<string, { lines: number; events: number }>;

export type TTallyChecks = {
  events: number;
  unreported: number;
  unclaimed: number;
  /** Reported events and their quantity (all events when the drain finished). */
  reportedEvents: number;
  reportedQuantity: bigint;
  lines: TLineStatusCounts;
  sentValue: bigint;
  /** Lines whose event_count or quantity differs from the events pointing at them. */
  linesNotMatchingEvents: number;
  /** Customers whose reported raw quantity differs from the stripe_value of their sent lines. */
  customersNotMatching: number;
  /** (customer, meter, window) groups that got more than one line. */
  splitWindows: number;
  /** Events reported without a sent line, or with a line that is not sent. */
  reportedWithoutSentLine: number;
};

/** One normalized statement's figures from pg_stat_statements. */
export type TStatementStats = { query: string; calls: number; totalMs: number; meanMs: number; rows: number };

export type TDrainDatabase = ReturnType<typeof createDrainDatabase>;

export function createDrainDatabase(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  pool.on("error", () => undefined); // an idle connection ended by a stopping server is no news
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> => (await pool.query<T>(sql, params)).rows[0] as T;

  return {
    pool,
    close: () => pool.end(),

    /** The meter, a published plan version, and per Stripe customer a Tally customer with a live subscription around `now`. */
    async seedCatalog(options: { stripeMeterId: string; stripeCustomerIds: string[]; now: Date }): Promise<{ meterId: string }> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const meter = await client.query<{ id: string }>(
          `INSERT INTO meters (id, event_name, display_name, aggregation, unit_label, stripe_meter_id, updated_at)
           VALUES (gen_random_uuid(), $1, 'Bench units', 'SUM', 'unit', $2, now()) RETURNING id`,
          [BENCH_EVENT_NAME, options.stripeMeterId],
        );
        const plan = await client.query<{ id: string }>(`INSERT INTO plans (id, key, name, updated_at) VALUES (gen_random_uuid(), 'bench', 'Bench', now()) RETURNING id`);
        const version = await client.query<{ id: string }>(
          `INSERT INTO plan_versions (id, plan_id, version, status, currency, published_at, updated_at)
           VALUES (gen_random_uuid(), $1, 1, 'PUBLISHED', 'usd', now(), now()) RETURNING id`,
          [plan.rows[0]?.id],
        );
        await client.query(
          `INSERT INTO customers (id, external_id, name, stripe_customer_id, updated_at)
           SELECT gen_random_uuid(), 'bench-cust-' || lpad(n::text, 6, '0'), 'Bench customer ' || n, s, now()
           FROM unnest($1::text[]) WITH ORDINALITY AS u(s, n)`,
          [options.stripeCustomerIds],
        );
        // The reporter never calls Stripe about subscriptions: a fake id is enough. Period: [now − 10 d, now + 20 d).
        await client.query(
          `INSERT INTO subscriptions (id, customer_id, plan_version_id, status, stripe_subscription_id, billing_cycle_anchor_at,
             current_period_start, current_period_end, started_at, updated_at)
           SELECT gen_random_uuid(), c.id, $1, 'ACTIVE', 'sub_bench_' || substr(c.external_id, 12), $2::timestamptz - interval '10 days',
             $2::timestamptz - interval '10 days', $2::timestamptz + interval '20 days', $2::timestamptz - interval '10 days', now()
           FROM customers c WHERE c.external_id LIKE 'bench-cust-%'`,
          [version.rows[0]?.id, options.now],
        );
        await client.query("COMMIT");
        await client.query("VACUUM ANALYZE customers, subscriptions, meters");
        return { meterId: meter.rows[0]?.id as string };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * Empties the queue (events, lines, batches) and writes `events` events over `hours` hours ending
     * at the current hour's start, in time order (ids grow with occurred_at, as ingestion leaves
     * them), each on a pseudo-random customer, quantities 1–10; then VACUUM ANALYZE and a
     * checkpoint, so every run starts from the same state.
     */
    async loadBacklog(options: { meterId: string; customers: number; events: number; hours: number; onProgress?: (loaded: number) => void }): Promise<TBacklog> {
      await pool.query("TRUNCATE usage_events, report_lines, report_batches, reporter_workers");
      const { until } = await one<{ until: Date }>("SELECT date_trunc('hour', now()) AS until");
      const from = new Date(until.getTime() - options.hours * 3_600_000);
      const stepMs = (options.hours * 3_600_000) / options.events;
      const started = performance.now();
      for (let first = 1; first <= options.events; first += LOAD_CHUNK) {
        const last = Math.min(options.events, first + LOAD_CHUNK - 1);
        await pool.query(
          `WITH slots AS (
             SELECT (row_number() OVER (ORDER BY external_id) - 1)::int AS slot, id FROM customers WHERE external_id LIKE 'bench-cust-%')
           INSERT INTO usage_events (customer_id, meter_id, idempotency_key, quantity, payload_hash, occurred_at)
           SELECT s.id, $1::uuid, 'bench-' || i, 1 + (hashint8(i + 7919) & 2147483647) % 10, decode('00', 'hex'),
                  $2::timestamptz + ((i - 1) * $3::float8) * interval '1 millisecond'
           FROM generate_series($4::bigint, $5::bigint) AS i
           JOIN slots s ON s.slot = (hashint8(i) & 2147483647) % $6::int
           ORDER BY i`,
          [options.meterId, from, stepMs, first, last, options.customers],
        );
        options.onProgress?.(last);
      }
      const loadSeconds = (performance.now() - started) / 1000;
      const vacuumStarted = performance.now();
      await pool.query("VACUUM (ANALYZE) usage_events");
      await pool.query("ANALYZE report_lines, report_batches");
      await pool.query("CHECKPOINT");
      const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
      const totals = await one<{ events: string; quantity: string }>("SELECT count(*) AS events, sum(quantity)::bigint::text AS quantity FROM usage_events");
      return { events: Number(totals.events), quantity: BigInt(totals.quantity), from, until, loadSeconds, vacuumSeconds };
    },

    /** Distinct (customer, meter, window) groups of unreported events: the fewest meter events possible. */
    async countGroups(windowSeconds: number): Promise<number> {
      const row = await one<{ n: string }>(
        `SELECT count(*) AS n FROM (
           SELECT DISTINCT customer_id, meter_id, date_bin($1 * interval '1 second', occurred_at, $2::timestamptz)
           FROM usage_events WHERE reported_at IS NULL) AS g`,
        [windowSeconds, GRID_ORIGIN],
      );
      return Number(row.n);
    },

    /** Σ event_count of sent lines (and of all lines): a scan of report_lines, read at the end of a drain. */
    async readProgress(): Promise<TProgress> {
      const row = await one<{ reported: string; claimed: string; sent_lines: string }>(
        `SELECT coalesce(sum(event_count) FILTER (WHERE status = 'SENT'), 0) AS reported, coalesce(sum(event_count), 0) AS claimed,
                count(*) FILTER (WHERE status = 'SENT') AS sent_lines
         FROM report_lines`,
      );
      return { reported: Number(row.reported), claimed: Number(row.claimed), sentLines: Number(row.sent_lines) };
    },

    /** From the first claim to the last line marked sent, and when each tenth of `total` events was reported. */
    async readTimeline(total: number): Promise<TTimeline> {
      const ends = await one<{ first_claim_at: Date | null; last_sent_at: Date | null }>(
        `SELECT (SELECT min(claimed_at) FROM report_batches) AS first_claim_at,
                (SELECT max(sent_at) FROM report_lines WHERE status = 'SENT') AS last_sent_at`,
      );
      const deciles = await pool.query<{ k: number; at: Date | null }>(
        `WITH s AS MATERIALIZED (
           SELECT sent_at, sum(event_count) OVER (ORDER BY sent_at, id ROWS UNBOUNDED PRECEDING) AS cum
           FROM report_lines WHERE status = 'SENT')
         SELECT k, (SELECT min(sent_at) FROM s WHERE cum >= k * $1::numeric / 10) AS at
         FROM generate_series(1, 10) AS k ORDER BY k`,
        [total],
      );
      return { firstClaimAt: ends.first_claim_at, lastSentAt: ends.last_sent_at, deciles: deciles.rows.map((row) => row.at) };
    },

    /** Every sent line: identifier → the value Stripe should have, and the events it carries. */
    async readSentLines(): Promise<Map<string, { value: bigint; events: number }>> {
      const rows = await pool.query<{ identifier: string; value: string; events: number }>(
        "SELECT identifier, stripe_value::text AS value, event_count AS events FROM report_lines WHERE status = 'SENT'",
      );
      return new Map(rows.rows.map((row) => [row.identifier, { value: BigInt(row.value), events: row.events }]));
    },

    /** Tally's side of a run: every event accounted for, lines equal to their events, customers to their lines. */
    async checkTally(windowSeconds: number): Promise<TTallyChecks> {
      const events = await one<{ events: string; unreported: string; unclaimed: string; reported_events: string; reported_quantity: string | null }>(
        `SELECT count(*) AS events, count(*) FILTER (WHERE reported_at IS NULL) AS unreported, count(*) FILTER (WHERE report_line_id IS NULL) AS unclaimed,
                count(*) FILTER (WHERE reported_at IS NOT NULL) AS reported_events,
                (sum(quantity) FILTER (WHERE reported_at IS NOT NULL))::bigint::text AS reported_quantity
         FROM usage_events`,
      );
      const statuses = await pool.query<{ status: string; lines: string; events: string; value: string }>(
        "SELECT status::text AS status, count(*) AS lines, sum(event_count) AS events, sum(stripe_value)::text AS value FROM report_lines GROUP BY status",
      );
      const lines: TLineStatusCounts = {};
      for (const row of statuses.rows) lines[row.status] = { lines: Number(row.lines), events: Number(row.events) };
      const sentValue = BigInt(statuses.rows.find((row) => row.status === "SENT")?.value ?? "0");
      const notMatching = await one<{ n: string }>(
        `SELECT count(*) AS n FROM report_lines r
         LEFT JOIN (SELECT report_line_id, count(*)::int AS n, sum(quantity) AS q FROM usage_events WHERE report_line_id IS NOT NULL GROUP BY 1) e
           ON e.report_line_id = r.id
         WHERE e.n IS DISTINCT FROM r.event_count OR e.q IS DISTINCT FROM r.quantity`,
      );
      const customers = await one<{ n: string }>(
        `WITH raw AS (SELECT customer_id, sum(quantity) AS q FROM usage_events WHERE reported_at IS NOT NULL GROUP BY 1),
              sent AS (SELECT customer_id, sum(stripe_value) AS v FROM report_lines WHERE status = 'SENT' GROUP BY 1)
         SELECT count(*) AS n FROM raw FULL JOIN sent USING (customer_id) WHERE coalesce(raw.q, 0) <> coalesce(sent.v, 0)`,
      );
      const split = await one<{ n: string }>(
        `SELECT count(*) AS n FROM (
           SELECT 1 FROM report_lines WHERE status <> 'DEAD'
           GROUP BY customer_id, meter_id, date_bin($1 * interval '1 second', window_start, $2::timestamptz) HAVING count(*) > 1) AS g`,
        [windowSeconds, GRID_ORIGIN],
      );
      const orphans = await one<{ n: string }>(
        `SELECT count(*) AS n FROM usage_events e LEFT JOIN report_lines r ON r.id = e.report_line_id
         WHERE e.reported_at IS NOT NULL AND (r.id IS NULL OR r.status <> 'SENT')`,
      );
      return {
        events: Number(events.events),
        unreported: Number(events.unreported),
        unclaimed: Number(events.unclaimed),
        reportedEvents: Number(events.reported_events),
        reportedQuantity: BigInt(events.reported_quantity ?? "0"),
        lines,
        sentValue,
        linesNotMatchingEvents: Number(notMatching.n),
        customersNotMatching: Number(customers.n),
        splitWindows: Number(split.n),
        reportedWithoutSentLine: Number(orphans.n),
      };
    },

    /**
     * Runs `work` without the check that an event is reported only through a report line (the
     * naive baseline marks events reported directly), then empties the queue and puts the check back.
     */
    async withoutReportLineCheck<T>(work: () => Promise<T>): Promise<T> {
      const { definition } = await one<{ definition: string }>(
        `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = $1 AND conrelid = 'usage_events'::regclass`,
        [REPORTED_CHECK],
      );
      await pool.query(`ALTER TABLE usage_events DROP CONSTRAINT ${REPORTED_CHECK}`);
      try {
        return await work();
      } finally {
        await pool.query("TRUNCATE usage_events, report_lines, report_batches, reporter_workers");
        await pool.query(`ALTER TABLE usage_events ADD CONSTRAINT ${REPORTED_CHECK} ${definition}`);
      }
    },

    /** Autovacuums of usage_events so far (the statistics are a little behind: read after a pause). */
    async countAutovacuums(): Promise<number> {
      const row = await one<{ n: string | null }>("SELECT autovacuum_count AS n FROM pg_stat_user_tables WHERE relname = 'usage_events'");
      return Number(row.n ?? 0);
    },

    /** pg_stat_statements (loaded by the benchmark's server): enable, forget, and read the costliest statements. */
    async enableStatements(): Promise<void> {
      await pool.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    },

    async resetStatements(): Promise<void> {
      await pool.query("SELECT pg_stat_statements_reset()");
    },

    /** Cumulative calls and time of the statements whose text starts with each prefix (whitespace ignored). */
    async readStatementTotals(prefixes: Record<string, string>): Promise<Record<string, { calls: number; totalMs: number }>> {
      const rows = await pool.query<{ query: string; calls: string; total: number }>(
        `SELECT query, calls, total_exec_time AS total FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      const totals: Record<string, { calls: number; totalMs: number }> = {};
      for (const [name, prefix] of Object.entries(prefixes)) {
        totals[name] = { calls: 0, totalMs: 0 };
        for (const row of rows.rows) {
          if (!row.query.replace(/\s+/g, " ").trim().startsWith(prefix)) continue;
          (totals[name] as { calls: number; totalMs: number }).calls += Number(row.calls);
          (totals[name] as { calls: number; totalMs: number }).totalMs += row.total;
        }
      }
      return totals;
    },

    async readTopStatements(limit: number): Promise<TStatementStats[]> {
      const rows = await pool.query<{ query: string; calls: string; total: number; mean: number; rows: string }>(
        `SELECT query, calls, total_exec_time AS total, mean_exec_time AS mean, rows FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
         ORDER BY total_exec_time DESC LIMIT $1`,
        [limit],
      );
      return rows.rows.map((row) => ({ query: row.query.replace(/\s+/g, " ").trim(), calls: Number(row.calls), totalMs: row.total, meanMs: row.mean, rows: Number(row.rows) }));
    },

    /** Raw quantity per Stripe customer id, of reported events only or of all. */
    async sumRawByStripeCustomer(stripeCustomerIds: string[], reportedOnly: boolean): Promise<Map<string, number>> {
      const rows = await pool.query<{ stripe_customer_id: string; q: string }>(
        `SELECT c.stripe_customer_id, sum(e.quantity)::text AS q FROM customers c JOIN usage_events e ON e.customer_id = c.id
         WHERE c.stripe_customer_id = ANY($1::text[]) AND (NOT $2::boolean OR e.reported_at IS NOT NULL)
         GROUP BY 1`,
        [stripeCustomerIds, reportedOnly],
      );
      return new Map(rows.rows.map((row) => [row.stripe_customer_id, Number(row.q)]));
    },

    /** Reported events (the naive baseline's): "naive_<id>" → quantity. */
    async readReportedEvents(identifierPrefix: string): Promise<Map<string, { value: bigint; events: number }>> {
      const rows = await pool.query<{ id: string; q: string }>("SELECT id::text AS id, quantity::bigint::text AS q FROM usage_events WHERE reported_at IS NOT NULL");
      return new Map(rows.rows.map((row) => [`${identifierPrefix}${row.id}`, { value: BigInt(row.q), events: 1 }]));
    },

    async stripeCustomerIds(): Promise<Map<string, string>> {
      const rows = await pool.query<{ id: string; stripe_customer_id: string }>("SELECT id, stripe_customer_id FROM customers WHERE external_id LIKE 'bench-cust-%'");
      return new Map(rows.rows.map((row) => [row.id, row.stripe_customer_id]));
    },
  };
}
