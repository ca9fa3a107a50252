// `npm run bench:connectors`: SQL source runs (issue #9) — a vendor's product database read by a
// connector and recorded through the API's recording path (lib/connectors/run-connector.ts: chunks
// of 1,000 events per transaction, savepoints to set bad rows aside) — against, in the same run, a
// naive baseline: the hand-rolled cron job that reads the same rows with one SELECT and calls
// recordUsageEvents once per row. Prints rows/s, time, peak memory and where the CPU went, and
// writes them to tests/bench/results/connectors-<date>.md; it never asserts timings. It does check
// what was recorded (counts and totals against the product table), and stops if that is wrong: a
// benchmark that records the wrong thing measures nothing.
//
//   BENCH_QUICK=1 npm run bench:connectors   smoke run: 20,000 rows, a naive baseline of 2,000
//   BENCH_ROWS (100,000: a run's cap), BENCH_CUSTOMERS (100), BENCH_DAYS (3), BENCH_NAIVE_ROWS (10,000),
//   BENCH_DB_PORT (54391), BENCH_KEEP_DATA=1 (keep the database folder)
//
// The plan: an embedded Postgres (dev profile, as `npm start` runs it) holding a migrated Tally
// database — one SUM meter, the customers (no subscriptions: recording needs none, nor Stripe) — and,
// on the same server, a product database (tests/integration/product-database.ts: its own database
// and a SELECT-only role, what an admin gives Tally) with one table of BENCH_ROWS rows spread over the
// customers and the last few days, by generate_series. Then, in this process, one after the other:
// a RAW source's first run and its second run (everything already recorded); the parts of a run
// alone (reading the rows, computing the events); an AGGREGATE source over the same table (totals
// per customer per day): its first run, then a run after 1 % of the rows (the latest) changed; the
// naive baseline on the first BENCH_NAIVE_ROWS rows, extrapolated; the dry run of a fresh RAW source.
//
// The services get the app's own Prisma client: DATABASE_URL and TALLY_ENCRYPTION_KEY are set
// before lib/ is imported (lib/env.ts reads process.env once, at import).
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startMemorySampler, type TMemoryPeaks } from "./memory";
import pg from "pg";
import { startEmbeddedPostgres, type TEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";
import { createProductDatabase, type TProductDatabase } from "../integration/product-database";
import { readConnectorBenchConfig } from "./config";
import { describeMachine, postgresOf, ProcessCpuMeter } from "./cpu";
import { connectBenchDatabase, type TBenchDatabase, type TPostgresSettings } from "./database";
import { formatBytes, formatInt, formatMs, formatRatio } from "./stats";
import { runBenchmark } from "./run-benchmark";

const config = readConnectorBenchConfig();
const log = (line: string) => console.log(line);
const RSS_SAMPLE_MS = 20;
const METER = "bench_api_calls";
const SYSTEM = { actor: { kind: "SYSTEM" as const } };

const PRODUCT_SCHEMA = `CREATE TABLE api_calls (id bigserial PRIMARY KEY, account text NOT NULL, kind text NOT NULL, units numeric, created_at timestamptz NOT NULL)`;
const RAW_QUERY = `SELECT 'evt-' || id AS event_id, account AS customer, kind AS meter, units AS quantity, created_at AS occurred_at
FROM api_calls WHERE created_at >= $1 AND created_at < $2`;
const AGGREGATE_QUERY = `SELECT account AS customer, kind AS meter, sum(units) AS quantity, date_trunc('day', created_at, 'UTC') AS occurred_at
FROM api_calls WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 4`;


type TCpuShare = { postgres: number; bench: number; other: number };
type TMeasured<T> = { value: T; seconds: number; rssBefore: number; peakRss: number; heapBefore: number; peakHeap: number; cpu: TCpuShare };
type TRow = { label: string; rowsRead: number; recorded: number; unchanged: number; measured: TMeasured<unknown>; rowsPerSecond: number; note?: string };

/** Everything started, for the cleanup (normal end, error, or Ctrl-C). */
const running: { postgres?: TEmbeddedPostgres; bench?: TBenchDatabase; product?: TProductDatabase; disconnect?: () => Promise<void> } = {};

/** The lib/ modules, imported once the environment points at the benchmark's database. */
async function importServices() {
  const [dbModule, create, run, preview, sqlRun, schemas, read, compute, record] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/connectors/create-sql-source"),
    import("../../lib/connectors/run-connector"),
    import("../../lib/connectors/preview-sql-source"),
    import("../../lib/connectors/postgres/run-sql-source"),
    import("../../lib/connectors/schemas"),
    import("../../lib/connectors/postgres/read-source-rows"),
    import("../../lib/connectors/postgres/compute-source-events"),
    import("../../lib/metering/record-usage-events"),
  ]);
  return {
    db: dbModule.db,
    createSqlSource: create.createSqlSource,
    runConnector: run.runConnector,
    previewSqlSource: preview.previewSqlSource,
    DRY_RUN_MAX_ROWS: sqlRun.DRY_RUN_MAX_ROWS,
    ZSqlSourceCreateInput: schemas.ZSqlSourceCreateInput,
    readSourceRows: read.readSourceRows,
    SOURCE_LIMITS: read.SOURCE_LIMITS,
    computeRawSourceEvents: compute.computeRawSourceEvents,
    recordUsageEvents: record.recordUsageEvents,
  };
}
type TServices = Awaited<ReturnType<typeof importServices>>;

async function main() {
  const machine = describeMachine();
  const loadAtStart = os.loadavg();
  const started = performance.now();
  log(
    `Tally SQL source benchmark${config.quick ? " (quick)" : ""}: ${formatInt(config.rows)} product rows over ${formatInt(config.customers)} customers and ${config.days} days; ` +
      `naive baseline on ${formatInt(Math.min(config.naiveRows, config.rows))} rows`,
  );
  log(`Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}; load average ${loadAtStart.map((n) => n.toFixed(2)).join(" ")}`);

  rmSync(config.dataDir, { recursive: true, force: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o755 });
  log(`Starting PostgreSQL on :${config.dbPort} (data in ${config.dataDir})…`);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, "pg"), port: config.dbPort, profile: "dev", log });
  running.postgres = postgres;
  await postgres.createDatabase("tally");
  const databaseUrl = postgres.url("tally");
  await applyMigrations(databaseUrl);
  const bench = await connectBenchDatabase(databaseUrl);
  running.bench = bench;
  const postgresSettings = await bench.readSettings();

  process.env.DATABASE_URL = databaseUrl;
  process.env.TALLY_ENCRYPTION_KEY = randomBytes(32).toString("base64");
  const services = await importServices();
  running.disconnect = () => services.db.$disconnect();
  if (config.rows > services.SOURCE_LIMITS.maxRows) {
    throw new Error(`BENCH_ROWS (${formatInt(config.rows)}) is above a run's cap (${formatInt(services.SOURCE_LIMITS.maxRows)} rows): the run would fail with too_many_rows.`);
  }

  // The catalog: one SUM meter (created without its Stripe meter: recording never calls Stripe) and the customers.
  await services.db.meter.create({ data: { eventName: METER, displayName: "API calls", aggregation: "SUM", unitLabel: "API call" } });
  const customers = await bench.createCustomers(config.customers);
  log(`Catalog: the meter ${METER} (SUM), ${formatInt(customers.length)} customers (${customers[0]} … ${customers.at(-1)}), no subscriptions`);

  // The product database and its rows, oldest first (ids in time order), one every (days / rows) up to a minute ago.
  process.env.TALLY_TEST_ADMIN_URL = postgres.url("postgres");
  const product = await createProductDatabase(PRODUCT_SCHEMA);
  running.product = product;
  const loadStarted = performance.now();
  const newest = new Date(Date.now() - 60_000);
  await product.query(
    `INSERT INTO api_calls (account, kind, units, created_at)
     SELECT 'bench-cust-' || lpad((1 + i % $2)::text, 4, '0'), $3, round(((i * 37) % 1000 + 1) / 10.0, 1),
            $4::timestamptz - make_interval(secs => ($1 - i) * $5::float8 / $1)
     FROM generate_series(1, $1::int) AS i`,
    [config.rows, config.customers, METER, newest, config.days * 86_400],
  );
  await product.query("VACUUM ANALYZE api_calls");
  const productFacts = await readProductFacts(product);
  log(
    `Product table: ${formatInt(productFacts.rows)} rows in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s, Σ units ${productFacts.sum}, ` +
      `${formatInt(productFacts.totals)} (customer, day) totals; ${formatBytes(productFacts.bytes)}`,
  );
  if (productFacts.rows !== config.rows) throw new Error(`The product table holds ${productFacts.rows} rows, not ${config.rows}.`);

  const cpu = createCpuMeter();
  const source = (name: string, mode: "RAW" | "AGGREGATE", query: string, keyPrefix: string) =>
    services.createSqlSource(services.ZSqlSourceCreateInput.parse({ name, connectionUrl: product.readerUrl, mode, query, keyPrefix, intervalMinutes: 15 }), SYSTEM);
  const runManual = async (connectorId: string) => {
    const outcome = await services.runConnector(connectorId, { trigger: "MANUAL" });
    if (!outcome) throw new Error("runConnector returned null for a manual run.");
    return outcome;
  };
  const rows: TRow[] = [];
  const checks: string[] = [];
  const report = (row: TRow) => {
    rows.push(row);
    log(`  ${row.label}: ${describeRow(row)}`);
  };

  // 1–2. A RAW source: its first run records every row; its second finds every row recorded.
  log("\nRAW source (`runConnector`, MANUAL):");
  const raw = await source("Bench raw", "RAW", RAW_QUERY, "bench-raw");
  const rawFirst = await measured(cpu, () => runManual(raw.id));
  const firstResult = rawFirst.value.result;
  report({ label: "raw, first run (every row new)", ...counts(firstResult), measured: rawFirst, rowsPerSecond: firstResult.rowsRead / rawFirst.seconds });
  const rawStored = await storedEvents(services, "bench-raw:");
  requireRecorded(
    rawFirst.value.status === "SUCCEEDED" && firstResult.rowsRead === config.rows && firstResult.recorded === config.rows && firstResult.errors.length === 0,
    `the raw first run: ${rawFirst.value.status}, ${firstResult.rowsRead} rows read, ${firstResult.recorded} recorded, ${firstResult.errors.length} errors (first: ${JSON.stringify(firstResult.errors[0] ?? rawFirst.value.error)}); expected ${config.rows} recorded`,
  );
  requireRecorded(rawStored.count === config.rows && rawStored.sum === productFacts.sum, `usage_events under bench-raw: ${rawStored.count} events, Σ ${rawStored.sum}; the product table: ${config.rows} rows, Σ ${productFacts.sum}`);
  checks.push(`raw first run: ${formatInt(rawStored.count)} events stored = rows, Σ quantity ${rawStored.sum} = Σ units`);

  const rawSecond = await measured(cpu, () => runManual(raw.id));
  const secondResult = rawSecond.value.result;
  report({ label: "raw, second run (every row recorded)", ...counts(secondResult), measured: rawSecond, rowsPerSecond: secondResult.rowsRead / rawSecond.seconds });
  requireRecorded(
    rawSecond.value.status === "SUCCEEDED" && secondResult.recorded === 0 && secondResult.unchanged === config.rows && (await storedEvents(services, "bench-raw:")).count === config.rows,
    `the raw second run: ${rawSecond.value.status}, ${secondResult.recorded} recorded, ${secondResult.unchanged} unchanged; expected 0 and ${config.rows}`,
  );
  checks.push(`raw second run: 0 recorded, ${formatInt(secondResult.unchanged)} unchanged, nothing added`);

  // Where a first run's time goes: the parts it is made of, alone.
  log("\nThe parts of a run, alone:");
  // Reading alone keeps the pages (the run itself drops each once recorded), to compute them next.
  const pages: { rows: Record<string, unknown>[]; firstRow: number }[] = [];
  const readAlone = await measured(cpu, () =>
    services.readSourceRows({ url: product.readerUrl, query: RAW_QUERY }, { now: new Date(), onPage: async (rows, firstRow) => void pages.push({ rows, firstRow }) }),
  );
  const computeAlone = await measured(cpu, async () => pages.map((page) => services.computeRawSourceEvents(page.rows, "bench-raw", page.firstRow)));
  const parts = { readSeconds: readAlone.seconds, computeSeconds: computeAlone.seconds, rows: readAlone.value.rowsRead };
  log(`  reading the rows (readSourceRows): ${readAlone.seconds.toFixed(2)} s (${formatInt(parts.rows / readAlone.seconds)} rows/s), RSS ${formatBytes(readAlone.rssBefore)} → ${formatBytes(readAlone.peakRss)}`);
  log(`  computing the events (computeRawSourceEvents): ${computeAlone.seconds.toFixed(2)} s (${formatInt(parts.rows / computeAlone.seconds)} rows/s)`);
  log(`  so recording (chunks of 1,000 through recordUsageEvents) took about ${(rawFirst.seconds - parts.readSeconds - parts.computeSeconds).toFixed(2)} s of the first run's ${rawFirst.seconds.toFixed(2)} s`);

  // 3. An AGGREGATE source over the same table: per customer per day totals; then 1 % of the rows change.
  log("\nAGGREGATE source (totals per customer per UTC day):");
  const aggregate = await source("Bench aggregate", "AGGREGATE", AGGREGATE_QUERY, "bench-agg");
  const aggFirst = await measured(cpu, () => runManual(aggregate.id));
  const aggFirstResult = aggFirst.value.result;
  report({
    label: "aggregate, first run (every total new)",
    ...counts(aggFirstResult),
    measured: aggFirst,
    rowsPerSecond: aggFirstResult.rowsRead / aggFirst.seconds,
    note: `${formatInt(config.rows / aggFirst.seconds)} product rows/s aggregated`,
  });
  const aggStored = await storedEvents(services, "bench-agg:");
  requireRecorded(
    aggFirst.value.status === "SUCCEEDED" && aggFirstResult.rowsRead === productFacts.totals && aggFirstResult.recorded === productFacts.totals && aggStored.sum === productFacts.sum,
    `the aggregate first run: ${aggFirst.value.status}, ${aggFirstResult.rowsRead} totals read, ${aggFirstResult.recorded} recorded (Σ ${aggStored.sum}); expected ${productFacts.totals} totals, Σ ${productFacts.sum}`,
  );
  checks.push(`aggregate first run: ${formatInt(aggFirstResult.recorded)} totals recorded, Σ quantity ${aggStored.sum} = Σ units`);

  const changedRows = Math.max(1, Math.round((config.rows * config.changedPercent) / 100));
  const changed = await product.query(
    `WITH changed AS (
       UPDATE api_calls SET units = units + 1 WHERE id IN (SELECT id FROM api_calls ORDER BY created_at DESC LIMIT $1)
       RETURNING account, kind, date_trunc('day', created_at, 'UTC') AS day)
     SELECT count(*)::int AS rows, count(DISTINCT (account, kind, day))::int AS totals FROM changed`,
    [changedRows],
  );
  const changedTotals = changed.rows[0].totals as number;
  const afterChange = await readProductFacts(product);
  log(`  ${formatInt(changed.rows[0].rows as number)} rows (${config.changedPercent} %, the latest) got 1 more unit: ${formatInt(changedTotals)} of ${formatInt(afterChange.totals)} totals changed`);
  const aggSecond = await measured(cpu, () => runManual(aggregate.id));
  const aggSecondResult = aggSecond.value.result;
  report({
    label: `aggregate, after ${config.changedPercent} % of the rows changed`,
    ...counts(aggSecondResult),
    measured: aggSecond,
    rowsPerSecond: aggSecondResult.rowsRead / aggSecond.seconds,
    note: `${formatInt(config.rows / aggSecond.seconds)} product rows/s aggregated; recorded only the ${formatInt(aggSecondResult.recorded)} changed totals`,
  });
  const aggStoredAfter = await storedEvents(services, "bench-agg:");
  requireRecorded(
    aggSecond.value.status === "SUCCEEDED" && aggSecondResult.recorded === changedTotals && aggSecondResult.unchanged === afterChange.totals - changedTotals && aggStoredAfter.sum === afterChange.sum,
    `the aggregate run after the change: ${aggSecond.value.status}, ${aggSecondResult.recorded} recorded, ${aggSecondResult.unchanged} unchanged (Σ ${aggStoredAfter.sum}); expected ${changedTotals} and ${afterChange.totals - changedTotals}, Σ ${afterChange.sum}`,
  );
  checks.push(`aggregate run after the change: ${formatInt(aggSecondResult.recorded)} changes recorded = totals changed, Σ quantity ${aggStoredAfter.sum} = Σ units after the change`);

  // 4. The naive baseline: one SELECT, then recordUsageEvents once per row, on the first naiveRows rows.
  log("\nNaive baseline (one SELECT, then `recordUsageEvents` once per row):");
  const naive = await measureNaive(services, cpu, product.readerUrl);
  const naiveRecordRate = naive.recordedRows / naive.recordSeconds;
  const naiveFullSeconds = naive.readSeconds + naive.readRows / naiveRecordRate;
  const naiveRowsPerSecond = naive.readRows / naiveFullSeconds;
  report({
    label: `naive, ${formatInt(naive.recordedRows)} of ${formatInt(naive.readRows)} rows recorded`,
    rowsRead: naive.readRows,
    recorded: naive.recordedRows,
    unchanged: 0,
    measured: naive.measured,
    rowsPerSecond: naiveRowsPerSecond,
    note:
      `read ${naive.readSeconds.toFixed(2)} s, then ${formatInt(naiveRecordRate)} rows/s recorded one by one; ` +
      (naive.recordedRows < naive.readRows ? `all ${formatInt(naive.readRows)} extrapolated: ${naiveFullSeconds.toFixed(0)} s` : "every row recorded"),
  });
  const naiveStored = await storedEvents(services, "naive:");
  requireRecorded(naiveStored.count === naive.recordedRows, `usage_events under naive: ${naiveStored.count}, expected ${naive.recordedRows}`);
  checks.push(`naive baseline: ${formatInt(naiveStored.count)} events stored = rows it recorded`);

  // 5. The dry run of a fresh RAW source: every row would be new; everything is rolled back.
  log("\nDry run (`previewSqlSource`) of a fresh RAW source:");
  const dry = await source("Bench dry run", "RAW", RAW_QUERY, "bench-dry");
  const dryRun = await measured(cpu, () => services.previewSqlSource(dry.id));
  report({ label: "dry run, fresh raw source (every row new, rolled back)", ...counts(dryRun.value), measured: dryRun, rowsPerSecond: dryRun.value.rowsRead / dryRun.seconds });
  const dryStored = await storedEvents(services, "bench-dry:");
  // A dry run reads at most DRY_RUN_MAX_ROWS rows (one transaction holds them all).
  const dryExpected = Math.min(config.rows, services.DRY_RUN_MAX_ROWS);
  requireRecorded(
    dryRun.value.recorded === dryExpected && dryRun.value.errors.length === 0 && dryStored.count === 0,
    `the dry run: ${dryRun.value.recorded} would be recorded, ${dryRun.value.errors.length} errors, ${dryStored.count} events left behind; expected ${dryExpected}, 0, 0`,
  );
  checks.push(`dry run: ${formatInt(dryRun.value.recorded)} events would be recorded, none stored`);

  const text = renderReport({
    date: new Date(),
    machine,
    load: { start: loadAtStart, end: os.loadavg() },
    postgres: postgresSettings,
    product: productFacts,
    rows,
    parts,
    firstRunSeconds: rawFirst.seconds,
    naive: { rowsPerSecond: naiveRowsPerSecond, extrapolated: naive.recordedRows < naive.readRows, fullSeconds: naiveFullSeconds },
    checks,
    minutes: (performance.now() - started) / 60_000,
  });
  const file = path.join(import.meta.dirname, "results", `connectors-${new Date().toISOString().slice(0, 10)}${config.quick ? "-quick" : ""}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${text}\n`);
  log(`\n${text}\nWritten to ${path.relative(process.cwd(), file)}.`);
}

/** Stops the benchmark when what was recorded is wrong: its timings would mean nothing. */
function requireRecorded(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`Recorded the wrong thing — ${what}.`);
}

const counts = (result: { rowsRead: number; recorded: number; unchanged: number }) => ({ rowsRead: result.rowsRead, recorded: result.recorded, unchanged: result.unchanged });

/** The hand-rolled cron job: the same SELECT over a plain connection, then one recordUsageEvents call per row (keys under `naive:`). */
async function measureNaive(services: TServices, cpu: ProcessCpuMeter<keyof TCpuShare>, url: string) {
  let readSeconds = 0;
  let recordSeconds = 0;
  let readRows = 0;
  let recordedRows = 0;
  const result = await measured(cpu, async () => {
    const now = new Date();
    const readStarted = performance.now();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ event_id: string; customer: string; meter: string; quantity: string; occurred_at: Date }>(RAW_QUERY, [new Date(now.getTime() - 35 * 86_400_000), now]);
    await client.end();
    readSeconds = (performance.now() - readStarted) / 1000;
    readRows = rows.length;
    const recordStarted = performance.now();
    for (const row of rows.slice(0, config.naiveRows)) {
      await services.recordUsageEvents(
        [
          {
            idempotency_key: `naive:${row.event_id}`,
            customer: row.customer,
            meter: row.meter,
            value: row.quantity,
            timestamp: row.occurred_at.toISOString(),
            properties: { source: "naive", source_event_id: row.event_id },
          },
        ],
        { pointer: () => "", now },
      );
      recordedRows += 1;
    }
    recordSeconds = (performance.now() - recordStarted) / 1000;
  });
  return { measured: result, readSeconds, recordSeconds, readRows, recordedRows };
}

/** Runs `work` from a collected heap, sampling RSS and JS heap every 20 ms and the CPU by group. */
async function measured<T>(cpu: ProcessCpuMeter<keyof TCpuShare>, work: () => Promise<T>): Promise<TMeasured<T>> {
  const memory = startMemorySampler(RSS_SAMPLE_MS);
  cpu.reset();
  const started = performance.now();
  let value: T;
  let peaks: TMemoryPeaks;
  try {
    value = await work();
  } finally {
    peaks = memory.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { value, seconds, ...peaks, cpu: cpu.measure() };
}

/** Postgres (the benchmark's server and its backends, both databases), this process, and everything else. */
function createCpuMeter(): ProcessCpuMeter<keyof TCpuShare> {
  const postgres = postgresOf(config.dataDir);
  return new ProcessCpuMeter<keyof TCpuShare>({
    groups: ["postgres", "bench", "other"],
    self: "bench",
    reaps: postgres.isServer,
    classify: (entry, all) => (postgres.includes(entry, all) ? "postgres" : "other"),
  });
}

type TProductFacts = { rows: number; sum: string; totals: number; bytes: number };

async function readProductFacts(product: TProductDatabase): Promise<TProductFacts> {
  const result = await product.query(
    `SELECT count(*)::int AS rows, trim_scale(coalesce(sum(units), 0))::text AS sum,
            count(DISTINCT (account, kind, date_trunc('day', created_at, 'UTC')))::int AS totals,
            pg_total_relation_size('api_calls')::bigint::text AS bytes
     FROM api_calls`,
  );
  const row = result.rows[0] as { rows: number; sum: string; totals: number; bytes: string };
  return { rows: row.rows, sum: row.sum, totals: row.totals, bytes: Number(row.bytes) };
}

/** The events stored under a key prefix: how many, and their Σ quantity as exact decimal text. */
async function storedEvents(services: TServices, keyPrefix: string): Promise<{ count: number; sum: string }> {
  const [row] = await services.db.$queryRaw<{ count: number; sum: string }[]>`
    SELECT count(*)::int AS count, trim_scale(coalesce(sum(quantity), 0))::text AS sum
    FROM usage_events WHERE starts_with(idempotency_key, ${keyPrefix})`;
  return row ?? { count: 0, sum: "0" };
}

const cpuCell = (cpu: TCpuShare) => `${cpu.postgres.toFixed(2)} / ${cpu.bench.toFixed(2)} / ${cpu.other.toFixed(2)}`;

function describeRow(row: TRow): string {
  const m = row.measured;
  return (
    `${formatInt(row.rowsRead)} rows read, ${formatInt(row.recorded)} recorded, ${formatInt(row.unchanged)} unchanged in ${m.seconds.toFixed(2)} s: ${formatInt(row.rowsPerSecond)} rows/s; ` +
    `RSS ${formatBytes(m.rssBefore)} → ${formatBytes(m.peakRss)}, JS heap ${formatBytes(m.heapBefore)} → ${formatBytes(m.peakHeap)}; CPU postgres/bench/other ${cpuCell(m.cpu)}` +
    (row.note ? ` (${row.note})` : "")
  );
}

function renderReport(input: {
  date: Date;
  machine: ReturnType<typeof describeMachine>;
  load: { start: number[]; end: number[] };
  postgres: TPostgresSettings;
  product: TProductFacts;
  rows: TRow[];
  parts: { readSeconds: number; computeSeconds: number; rows: number };
  firstRunSeconds: number;
  naive: { rowsPerSecond: number; extrapolated: boolean; fullSeconds: number };
  checks: string[];
  minutes: number;
}): string {
  const { machine, parts } = input;
  const first = input.rows[0];
  const recordSeconds = input.firstRunSeconds - parts.readSeconds - parts.computeSeconds;
  const chunks = Math.ceil(input.product.rows / 1_000);
  return [
    `# SQL source benchmark — ${input.date.toISOString().slice(0, 10)}${config.quick ? " (quick)" : ""}`,
    "",
    `\`npm run bench:connectors\` (tests/bench/connectors.ts). ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB, ${machine.os}, Node ${machine.node}. ` +
      `Load average ${input.load.start.map((n) => n.toFixed(2)).join(" / ")} at the start, ${input.load.end.map((n) => n.toFixed(2)).join(" / ")} at the end (other work shares the machine). ` +
      "The services run in the benchmark's process with the app's Prisma client, one run at a time; the product database is a second database on the same Postgres server, read by a SELECT-only role.",
    "",
    `PostgreSQL ${input.postgres.version} (embedded, dev profile): ${Object.entries(input.postgres.settings)
      .map(([key, value]) => `${key}=${value}`)
      .join(", ")}.`,
    "",
    `Product table: ${formatInt(input.product.rows)} rows (${formatBytes(input.product.bytes)}), one SUM meter, ${formatInt(config.customers)} customers round-robin, timestamps evenly spread over the last ${config.days} days ` +
      `(${formatInt(input.product.totals)} totals per customer and UTC day). Tally's usage_events was empty before the first run.`,
    "",
    "| measurement | rows read | recorded | unchanged | seconds | rows/s | RSS before → peak | JS heap before → peak | CPU postgres / bench / other |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...input.rows.map(
      (row) =>
        `| ${row.label}${row.note ? ` — ${row.note}` : ""} | ${formatInt(row.rowsRead)} | ${formatInt(row.recorded)} | ${formatInt(row.unchanged)} | ${row.measured.seconds.toFixed(2)} | ${formatInt(row.rowsPerSecond)} | ` +
        `${formatBytes(row.measured.rssBefore)} → ${formatBytes(row.measured.peakRss)} | ${formatBytes(row.measured.heapBefore)} → ${formatBytes(row.measured.peakHeap)} | ${cpuCell(row.measured.cpu)} |`,
    ),
    "",
    "Rows/s is rows the query returned per second of the whole run (`runConnector`: the claim, the run row, reading, computing, recording, the counts). " +
      "For the aggregate source a row is a total; the product rows it aggregated per second are in the note. CPU is cores used on average during the measurement " +
      "(2.00 = both cores busy): Postgres (both databases), this process, everything else. Memory is this process's, sampled every 20 ms from a heap just collected.",
    "",
    `**Against the naive baseline:** the connector's first run ${first ? formatInt(first.rowsPerSecond) : "—"} rows/s, the naive cron job ${formatInt(input.naive.rowsPerSecond)} rows/s ` +
      `(${input.naive.extrapolated ? `extrapolated to all ${formatInt(input.product.rows)} rows from the ${formatInt(Math.min(config.naiveRows, input.product.rows))} it recorded: ${input.naive.fullSeconds.toFixed(0)} s` : "every row recorded"}): ` +
      `${first ? formatRatio(first.rowsPerSecond, input.naive.rowsPerSecond) : "—"}. The naive job reads the same rows with the same query and calls \`recordUsageEvents\` once per row ` +
      "with the same payload under its own keys (`naive:evt-N`): per row, the catalog lookup and the insert (event + rollup), two round trips, no transaction.",
    "",
    "## Where a first run's time goes",
    "",
    `- reading the ${formatInt(parts.rows)} rows alone (\`readSourceRows\`: connect, READ ONLY transaction, the query through a cursor, 5,000 rows a page): ${parts.readSeconds.toFixed(2)} s (${formatInt(parts.rows / parts.readSeconds)} rows/s);`,
    `- computing the events alone (\`computeRawSourceEvents\`: parsing and keying each row): ${parts.computeSeconds.toFixed(2)} s (${formatInt(parts.rows / parts.computeSeconds)} rows/s);`,
    `- the rest, recording ${formatInt(chunks)} chunks of 1,000 (a transaction each: savepoint, catalog lookup, one INSERT of events and rollups, release): about ${recordSeconds.toFixed(2)} s, ` +
      `${formatMs((recordSeconds * 1000) / chunks)} per chunk — ${((recordSeconds / input.firstRunSeconds) * 100).toFixed(0)} % of the run.`,
    "",
    "## Checks",
    "",
    ...input.checks.map((check) => `- ${check}`),
    "",
    ...(config.quick ? ["Quick smoke run (BENCH_QUICK=1): small numbers, to check the benchmark works; not figures to quote.", ""] : []),
    `Whole benchmark: ${input.minutes.toFixed(1)} minutes, loading included.`,
  ].join("\n");
}

async function cleanup() {
  await running.disconnect?.().catch(() => undefined);
  await running.product?.drop().catch(() => undefined);
  await running.bench?.close().catch(() => undefined);
  await running.postgres?.stop().catch(() => undefined);
  if (!config.keepData) rmSync(config.dataDir, { recursive: true, force: true });
  else log(`Data kept in ${config.dataDir}.`);
}

runBenchmark({ main, cleanup, log });
