// Direct SQL for what is not load: creating the benchmark's customers, counting stored rows, and
// reading the Postgres settings and relation sizes the report quotes. All load goes over HTTP.
import pg from "pg";

export type TBenchDatabase = {
  createCustomers(count: number): Promise<string[]>;
  countEvents(): Promise<number>;
  /** Σ usage_rollups.event_count: equals countEvents() when every event reached its rollup. */
  sumRollupEventCounts(): Promise<number>;
  readSettings(): Promise<TPostgresSettings>;
  /** The current WAL position, and the bytes of WAL written since one. */
  readWalPosition(): Promise<string>;
  walBytesSince(position: string): Promise<number>;
  /** Checkpoints so far (timed, requested); undefined before Postgres 17 (no pg_stat_checkpointer). */
  readCheckpoints(): Promise<{ timed: number; requested: number } | undefined>;
  readSizes(): Promise<TRelationSize[]>;
  close(): Promise<void>;
};

export type TPostgresSettings = { version: string; settings: Record<string, string> };
export type TRelationSize = { relation: string; bytes: number };

const SETTINGS = ["shared_buffers", "max_wal_size", "wal_buffers", "wal_compression", "synchronous_commit", "fsync", "full_page_writes", "checkpoint_timeout", "max_connections"];

export async function connectBenchDatabase(url: string): Promise<TBenchDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // An idle connection ended by the server (it stops on Ctrl-C before we do) is not an error here.
  pool.on("error", () => undefined);
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> => {
    const result = await pool.query<T>(sql, params);
    return result.rows[0] as T;
  };

  return {
    async createCustomers(count) {
      // customers.id has no database default (Prisma fills it) and updated_at none either.
      const result = await pool.query<{ external_id: string }>(
        `INSERT INTO customers (id, external_id, name, updated_at)
         SELECT gen_random_uuid(), 'bench-cust-' || lpad(i::text, 4, '0'), 'Bench customer ' || i, now()
         FROM generate_series(1, $1::int) AS i
         ON CONFLICT (external_id) DO NOTHING
         RETURNING external_id`,
        [count],
      );
      return result.rows.map((row) => row.external_id).sort();
    },
    async countEvents() {
      return Number((await one<{ n: string }>("SELECT count(*) AS n FROM usage_events")).n);
    },
    async sumRollupEventCounts() {
      return Number((await one<{ n: string | null }>("SELECT sum(event_count) AS n FROM usage_rollups")).n ?? 0);
    },
    async readSettings() {
      const version = (await one<{ server_version: string }>("SHOW server_version")).server_version;
      const settings: Record<string, string> = {};
      for (const name of SETTINGS) settings[name] = Object.values(await one<Record<string, string>>(`SHOW ${name}`))[0] ?? "";
      return { version, settings };
    },
    async readWalPosition() {
      return (await one<{ lsn: string }>("SELECT pg_current_wal_lsn()::text AS lsn")).lsn;
    },
    async walBytesSince(position) {
      return Number((await one<{ n: string }>("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn) AS n", [position])).n);
    },
    async readCheckpoints() {
      try {
        const row = await one<{ timed: string; requested: string }>("SELECT num_timed AS timed, num_requested AS requested FROM pg_stat_checkpointer");
        return { timed: Number(row.timed), requested: Number(row.requested) };
      } catch {
        return undefined;
      }
    },
    async readSizes() {
      const tables = await pool.query<{ relation: string; bytes: string }>(
        `SELECT relation, bytes FROM (
           SELECT relname AS tbl, 0 AS kind, relname || ' (total: table, indexes, toast)' AS relation, pg_total_relation_size(relid) AS bytes
           FROM pg_stat_user_tables WHERE relname IN ('usage_events', 'usage_rollups')
           UNION ALL
           SELECT relname, 1, relname || ' (table only)', pg_relation_size(relid)
           FROM pg_stat_user_tables WHERE relname IN ('usage_events', 'usage_rollups')
           UNION ALL
           SELECT relname, 2, 'index ' || indexrelname, pg_relation_size(indexrelid)
           FROM pg_stat_user_indexes WHERE relname IN ('usage_events', 'usage_rollups')
         ) AS sizes
         ORDER BY tbl, kind, relation`,
      );
      return tables.rows.map((row) => ({ relation: row.relation, bytes: Number(row.bytes) }));
    },
    close: () => pool.end(),
  };
}
