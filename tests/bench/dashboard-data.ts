// Direct SQL for the dashboard benchmark (`npm run bench:dashboard`): a catalog of three meters and
// three plans, customers with live subscriptions on one 30-day period, tens of millions of usage
// events written straight into usage_events (as ingestion would have left them, in time order),
// the hourly rollups built from them in one statement, and the few figures the report quotes.
// Nothing here calls Stripe: the subscriptions' Stripe ids are fake strings.
import pg from "pg";
import type { TDb } from "../../lib/db";

/** Rows per INSERT … SELECT generate_series statement. */
const LOAD_CHUNK = 1_000_000;

export type TBenchMeter = { id: string; eventName: string; aggregation: "SUM" | "LAST" };

export type TCatalog = {
  meters: TBenchMeter[];
  /** Customer ids in external-id order: index 0 is the heavy customer. */
  customerIds: string[];
  period: { periodStart: Date; periodEnd: Date };
};

export type TLoadedData = {
  events: number;
  rollups: number;
  /** Events and rollup rows of the heavy customer, and per typical customer on average. */
  heavy: { events: number; rollups: number };
  typical: { events: number; rollups: number };
  seconds: { events: number; rollups: number; vacuum: number };
};

/**
 * The plans: every customer is on one of three (round-robin; the heavy customer on the largest), each
 * version charging the three meters: API calls graduated (included, then two tiers), storage per
 * unit above an included quantity, seats (a LAST meter) per unit above an included number.
 */
const PLANS = [
  { key: "bench-starter", name: "Starter", sortOrder: 0, baseFeeMinor: 2_900, apiIncluded: 25_000, storageIncluded: 10_000, seatsIncluded: 5 },
  { key: "bench-team", name: "Team", sortOrder: 1, baseFeeMinor: 9_900, apiIncluded: 50_000, storageIncluded: 20_000, seatsIncluded: 20 },
  { key: "bench-scale", name: "Scale", sortOrder: 2, baseFeeMinor: 49_900, apiIncluded: 1_000_000, storageIncluded: 500_000, seatsIncluded: 100 },
] as const;

/** The meters, and which share of the events each gets (tenths). */
export const BENCH_METERS = [
  { eventName: "bench_api_calls", displayName: "API calls", aggregation: "SUM", unitLabel: "API call", tenths: 6, maxQuantity: 10 },
  { eventName: "bench_storage", displayName: "Storage", aggregation: "SUM", unitLabel: "GB-hour", tenths: 3, maxQuantity: 10 },
  { eventName: "bench_seats", displayName: "Seats", aggregation: "LAST", unitLabel: "seat", tenths: 1, maxQuantity: 50 },
] as const;

export function createDashboardDatabase(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => undefined); // an idle connection ended by a stopping server is no news
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> => (await pool.query<T>(sql, params)).rows[0] as T;

  return {
    pool,
    close: () => pool.end(),

    /**
     * Meters, plans (a published version each, with charges and tiers), `customers` customers
     * (bench-cust-00000 is the heavy one), and per customer a live subscription for `period`
     * with its items and its CREATED change, as the app's subscription sync leaves them.
     */
    async seedCatalog(options: { customers: number; period: { periodStart: Date; periodEnd: Date } }): Promise<TCatalog> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const meters: TBenchMeter[] = [];
        for (const meter of BENCH_METERS) {
          const row = await client.query<{ id: string }>(
            `INSERT INTO meters (id, event_name, display_name, aggregation, unit_label, stripe_meter_id, updated_at)
             VALUES (gen_random_uuid(), $1, $2, $3::"MeterAggregation", $4, 'mtr_' || $1, now()) RETURNING id`,
            [meter.eventName, meter.displayName, meter.aggregation, meter.unitLabel],
          );
          meters.push({ id: row.rows[0]?.id as string, eventName: meter.eventName, aggregation: meter.aggregation });
        }
        const [api, storage, seats] = meters as [TBenchMeter, TBenchMeter, TBenchMeter];
        const versionIds: string[] = [];
        for (const plan of PLANS) {
          const planRow = await client.query<{ id: string }>(
            `INSERT INTO plans (id, key, name, description, sort_order, stripe_product_id, updated_at)
             VALUES (gen_random_uuid(), $1, $2, 'Benchmark plan', $3, 'prod_' || $1, now()) RETURNING id`,
            [plan.key, plan.name, plan.sortOrder],
          );
          const version = await client.query<{ id: string }>(
            `INSERT INTO plan_versions (id, plan_id, version, status, currency, base_fee_minor, stripe_base_price_id, published_at, updated_at)
             VALUES (gen_random_uuid(), $1, 1, 'PUBLISHED', 'usd', $2, 'price_base_' || $3, now(), now()) RETURNING id`,
            [planRow.rows[0]?.id, plan.baseFeeMinor, plan.key],
          );
          const versionId = version.rows[0]?.id as string;
          versionIds.push(versionId);
          const charges = await client.query<{ id: string; meter_id: string }>(
            `INSERT INTO plan_charges (id, plan_version_id, meter_id, position, included_quantity, pricing_model, unit_price_minor, stripe_price_id)
             VALUES (gen_random_uuid(), $1, $2, 0, $5, 'GRADUATED', NULL, 'price_' || $8 || '_api'),
                    (gen_random_uuid(), $1, $3, 1, $6, 'PER_UNIT', 2, 'price_' || $8 || '_storage'),
                    (gen_random_uuid(), $1, $4, 2, $7, 'PER_UNIT', 800, 'price_' || $8 || '_seats')
             RETURNING id, meter_id::text AS meter_id`,
            [versionId, api.id, storage.id, seats.id, plan.apiIncluded, plan.storageIncluded, plan.seatsIncluded, plan.key],
          );
          const apiCharge = charges.rows.find((row) => row.meter_id === api.id)?.id;
          // Graduated above the included calls: the next 100,000 at 0.1 ¢, the rest at 0.05 ¢.
          await client.query(
            `INSERT INTO plan_charge_tiers (id, charge_id, position, up_to, unit_price_minor, flat_price_minor)
             VALUES (gen_random_uuid(), $1, 0, 100000, 0.1, 0), (gen_random_uuid(), $1, 1, NULL, 0.05, 0)`,
            [apiCharge],
          );
        }
        await client.query(
          `INSERT INTO customers (id, external_id, name, stripe_customer_id, updated_at)
           SELECT gen_random_uuid(), 'bench-cust-' || lpad(i::text, 5, '0'), 'Bench customer ' || i, 'cus_bench_' || i, now()
           FROM generate_series(0, $1::int - 1) AS i`,
          [options.customers],
        );
        // The heavy customer (i = 0) on Scale, the others round-robin.
        await client.query(
          `INSERT INTO subscriptions (id, customer_id, plan_version_id, status, stripe_subscription_id, billing_cycle_anchor_at,
             current_period_start, current_period_end, started_at, updated_at)
           SELECT gen_random_uuid(), c.id, ($1::uuid[])[CASE WHEN n = 0 THEN 3 ELSE 1 + n % 3 END], 'ACTIVE', 'sub_bench_' || n,
                  $2::timestamptz, $2::timestamptz, $3::timestamptz, $2::timestamptz, now()
           FROM (SELECT id, substr(external_id, 12)::int AS n FROM customers WHERE external_id LIKE 'bench-cust-%') c`,
          [versionIds, options.period.periodStart, options.period.periodEnd],
        );
        await client.query(
          `INSERT INTO subscription_items (id, subscription_id, kind, plan_charge_id, meter_id, stripe_subscription_item_id, stripe_price_id,
             current_period_start, current_period_end, attached_at)
           SELECT gen_random_uuid(), s.id, 'METERED'::"SubscriptionItemKind", pc.id, pc.meter_id, 'si_' || s.stripe_subscription_id || '_' || pc.position, pc.stripe_price_id,
                  s.current_period_start, s.current_period_end, s.current_period_start
           FROM subscriptions s JOIN plan_charges pc ON pc.plan_version_id = s.plan_version_id
           UNION ALL
           SELECT gen_random_uuid(), s.id, 'BASE'::"SubscriptionItemKind", NULL, NULL, 'si_' || s.stripe_subscription_id || '_base', v.stripe_base_price_id,
                  s.current_period_start, s.current_period_end, s.current_period_start
           FROM subscriptions s JOIN plan_versions v ON v.id = s.plan_version_id`,
        );
        await client.query(
          `INSERT INTO subscription_changes (id, subscription_id, kind, to_plan_version_id, effective_at)
           SELECT gen_random_uuid(), id, 'CREATED', plan_version_id, current_period_start FROM subscriptions`,
        );
        await client.query("COMMIT");
        const customers = await client.query<{ id: string }>("SELECT id::text AS id FROM customers WHERE external_id LIKE 'bench-cust-%' ORDER BY external_id");
        return { meters, customerIds: customers.rows.map((row) => row.id), period: options.period };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    /**
     * `events` events with occurred_at spread evenly over [from, until), in time order (ids grow with
     * occurred_at, as ingestion leaves them); `heavyPercent` % of them on the heavy customer, the
     * rest on a pseudo-random other customer; meters by BENCH_METERS' shares; quantities 1–10
     * (seats 1–50); received 0.2 s after they occurred; none claimed by the reporter yet.
     */
    async loadEvents(options: { catalog: TCatalog; events: number; heavyPercent: number; from: Date; until: Date; onProgress?: (loaded: number) => void }): Promise<number> {
      const { catalog } = options;
      const stepMs = (options.until.getTime() - options.from.getTime()) / options.events;
      const meterIds = catalog.meters.map((meter) => meter.id);
      const started = performance.now();
      for (let first = 1; first <= options.events; first += LOAD_CHUNK) {
        const last = Math.min(options.events, first + LOAD_CHUNK - 1);
        await pool.query(
          `INSERT INTO usage_events (customer_id, meter_id, idempotency_key, quantity, payload_hash, occurred_at, received_at)
           SELECT ($1::uuid[])[1 + CASE WHEN h.c % 100 < $6::int THEN 0 ELSE 1 + h.k % (cardinality($1::uuid[]) - 1) END],
                  ($2::uuid[])[h.m], 'bench-' || i, 1 + h.q % CASE WHEN h.m = 3 THEN $8::int ELSE $7::int END, '\\x00'::bytea, t.at, t.at + interval '200 milliseconds'
           FROM generate_series($4::bigint, $5::bigint) AS i
           CROSS JOIN LATERAL (
             SELECT hashint8(i) & 2147483647 AS c, hashint8(i + 104729) & 2147483647 AS k, hashint8(i + 7919) & 2147483647 AS q,
                    CASE WHEN (hashint8(i + 15485863) & 2147483647) % 10 < $9::int THEN 1
                         WHEN (hashint8(i + 15485863) & 2147483647) % 10 < $10::int THEN 2 ELSE 3 END AS m
           ) h
           CROSS JOIN LATERAL (SELECT $3::timestamptz + ((i - 1) * $11::float8) * interval '1 millisecond' AS at) t
           ORDER BY i`,
          [
            catalog.customerIds,
            meterIds,
            options.from,
            first,
            last,
            options.heavyPercent,
            BENCH_METERS[0].maxQuantity,
            BENCH_METERS[2].maxQuantity,
            BENCH_METERS[0].tenths,
            BENCH_METERS[0].tenths + BENCH_METERS[1].tenths,
            stepMs,
          ],
        );
        options.onProgress?.(last);
      }
      return (performance.now() - started) / 1000;
    },

    /**
     * usage_rollups from usage_events in one INSERT … SELECT … GROUP BY, written in hour order (as
     * ingestion writes them: the BRIN index on updated_at stays tight) with updated_at the last
     * receipt in the hour; then VACUUM ANALYZE and a checkpoint, so the measurements start from a
     * settled database.
     */
    async buildRollups(): Promise<{ rollupSeconds: number; vacuumSeconds: number }> {
      const client = await pool.connect();
      try {
        const started = performance.now();
        await client.query("SET work_mem = '1GB'");
        await client.query(
          `INSERT INTO usage_rollups (customer_id, meter_id, hour_start, quantity, event_count, max_quantity, last_quantity, last_occurred_at, updated_at)
           SELECT customer_id, meter_id, date_trunc('hour', occurred_at, 'UTC'), sum(quantity), count(*), max(quantity),
                  (array_agg(quantity ORDER BY occurred_at DESC, id DESC))[1], max(occurred_at), max(received_at)
           FROM usage_events
           GROUP BY 1, 2, 3
           ORDER BY 3, 1, 2`,
        );
        await client.query("RESET work_mem");
        const rollupSeconds = (performance.now() - started) / 1000;
        const vacuumStarted = performance.now();
        await client.query("VACUUM (ANALYZE) usage_events, usage_rollups");
        await client.query("ANALYZE customers, subscriptions, subscription_items, subscription_changes, meters, plans, plan_versions, plan_charges, plan_charge_tiers");
        await client.query("CHECKPOINT");
        return { rollupSeconds, vacuumSeconds: (performance.now() - vacuumStarted) / 1000 };
      } finally {
        client.release();
      }
    },

    /** Events and rollup rows in all, for the heavy customer, and per typical customer on average. */
    async countRows(heavyCustomerId: string): Promise<Omit<TLoadedData, "seconds">> {
      const row = await one<{ events: string; rollups: string; heavy_events: string; heavy_rollups: string; customers: string }>(
        `SELECT (SELECT count(*) FROM usage_events) AS events, (SELECT count(*) FROM usage_rollups) AS rollups,
                (SELECT count(*) FROM usage_events WHERE customer_id = $1::uuid) AS heavy_events,
                (SELECT count(*) FROM usage_rollups WHERE customer_id = $1::uuid) AS heavy_rollups,
                (SELECT count(*) FROM customers WHERE external_id LIKE 'bench-cust-%') AS customers`,
        [heavyCustomerId],
      );
      const others = Math.max(1, Number(row.customers) - 1);
      return {
        events: Number(row.events),
        rollups: Number(row.rollups),
        heavy: { events: Number(row.heavy_events), rollups: Number(row.heavy_rollups) },
        typical: { events: (Number(row.events) - Number(row.heavy_events)) / others, rollups: (Number(row.rollups) - Number(row.heavy_rollups)) / others },
      };
    },

    /** Σ rollup event_count = number of events: the rollups were built from every event. */
    async rollupsMatchEvents(): Promise<boolean> {
      const row = await one<{ ok: boolean }>("SELECT (SELECT sum(event_count) FROM usage_rollups) = (SELECT count(*) FROM usage_events) AS ok");
      return row.ok;
    },

    /**
     * Makes the alert worker's next pass read only the rollups written from now on, whatever its
     * overlap (evaluate-usage-alerts.ts reads from its cursor minus an overlap, 30 s at the time of
     * writing, once 5 min): rollups written after `settledAt` (the benchmark's own writes, and the
     * load's last hour) get updated_at = settledAt, and the cursor is set to now. Holds for any
     * overlap shorter than now − settledAt (≥ 1 hour here).
     */
    async startAlertWindow(settledAt: Date): Promise<void> {
      await pool.query("UPDATE usage_rollups SET updated_at = $1 WHERE updated_at > $1", [settledAt]);
      await pool.query(
        `INSERT INTO worker_cursors (name, position, updated_at) VALUES ('usage_alerts', clock_timestamp(), now())
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = now()`,
      );
    },

    /** Of these customers, how many already had the highest threshold of `meterId` fire this period (a pass skips those). */
    async countPastHighestThreshold(customerIds: string[], meterId: string): Promise<number> {
      const row = await one<{ n: string }>(
        `SELECT count(*) AS n FROM subscriptions s JOIN plan_versions v ON v.id = s.plan_version_id
         WHERE s.customer_id = ANY($1::uuid[]) AND s.ended_at IS NULL
           AND EXISTS (SELECT 1 FROM usage_alerts a WHERE a.customer_id = s.customer_id AND a.meter_id = $2::uuid
                         AND a.period_start = s.current_period_start AND a.threshold = (SELECT max(t) FROM unnest(v.alert_thresholds) AS t))`,
        [customerIds, meterId],
      );
      return Number(row.n);
    },

    async countAlerts(): Promise<number> {
      return Number((await one<{ n: string }>("SELECT count(*) AS n FROM usage_alerts")).n);
    },

    /** Settings that shape the read path, beyond the ones database.ts reads. */
    async readReadSettings(): Promise<Record<string, string>> {
      const names = ["effective_cache_size", "work_mem", "random_page_cost", "max_parallel_workers_per_gather", "jit"];
      const settings: Record<string, string> = {};
      for (const name of names) settings[name] = Object.values(await one<Record<string, string>>(`SHOW ${name}`))[0] ?? "";
      return settings;
    },

    /** EXPLAIN (ANALYZE, BUFFERS) of a statement as Prisma sent it, in a transaction rolled back (the alert pass inserts). */
    async explain(query: string, params: unknown[]): Promise<string> {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await client.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query}`, params);
        return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
      } finally {
        await client.query("ROLLBACK").catch(() => undefined);
        client.release();
      }
    },
  };
}

export type TDashboardDatabase = ReturnType<typeof createDashboardDatabase>;

export type TNaiveDailyRow = { meter_id: string; day: Date; quantity: string; event_count: string };

/**
 * The naive baseline: per meter and UTC day, the customer's usage straight from usage_events,
 * what the page would cost without rollups (a lower bound: it leaves out MAX/LAST values and the
 * rest of the page). Through the same Prisma client as the services, so both pay the same overhead.
 */
export async function findNaiveDailyUsage(db: TDb, input: { customerId: string; periodStart: Date; periodEnd: Date }): Promise<TNaiveDailyRow[]> {
  return db.$queryRaw<TNaiveDailyRow[]>`
    SELECT meter_id::text AS meter_id, date_trunc('day', occurred_at, 'UTC') AS day, trim_scale(sum(quantity))::text AS quantity, count(*)::text AS event_count
    FROM usage_events
    WHERE customer_id = ${input.customerId}::uuid AND occurred_at >= ${input.periodStart}::timestamptz AND occurred_at < ${input.periodEnd}::timestamptz
    GROUP BY 1, 2
    ORDER BY 1, 2`;
}
