// `npm run bench:dashboard`: the customer dashboard's read path with tens of millions of events in
// the database — getUsageDashboard (the usage page), findPlanOptions (the plans page), one pass of
// the quota alert worker (evaluateUsageAlerts) after K customers received events, and the events
// CSV download — with, in the same run, a naive baseline that computes the page's per-meter totals
// and daily series straight from usage_events. Prints figures and writes them to
// tests/bench/results/dashboard-<date>.md; it never asserts timings.
//
//   BENCH_QUICK=1 npm run bench:dashboard   smoke run: 300,000 events, 200 customers, 10 calls (about a minute)
//   BENCH_EVENTS (10,000,000), BENCH_CUSTOMERS (1,000), BENCH_CALLS (50), BENCH_WARMUP (5),
//   BENCH_ALERT_PASSES (5 per K), BENCH_DB_PORT (54371), BENCH_SEED (1)
//   BENCH_KEEP_DATA=1                        keep the data folder (the database) after the run
//
// The plan: an embedded Postgres (dev profile, as `npm start` runs it; migrated), loaded with direct
// SQL (dashboard-data.ts): 3 meters (SUM, SUM, LAST), 3 plans, the customers with live subscriptions
// on one 30-day period that started ~29 days ago at a second that is not on the hour (so the edge
// hour is read from raw events, as in production), one heavy customer with ~10 % of the events, the
// events in time order up to now, and the hourly rollups built from them. Then, calling the
// services in-process, one call at a time: for the heavy customer and for typical customers drawn
// at random, each call of the page, the rollup queries alone, the naive baseline and the plans page
// on the same customer (their order rotated); the alert passes; the CSV downloads; and EXPLAIN
// (ANALYZE, BUFFERS) of every statement of one call of each, the costliest plan kept.
//
// The services get the app's own Prisma client: DATABASE_URL is set to the benchmark's database
// before lib/ is imported (lib/env.ts reads process.env once, at import), and the client is passed
// as their `db` argument anyway, so it is plain which client is measured.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { collectGarbage, startMemorySampler, type TMemoryPeaks } from "./memory";
import { PrismaPg } from "@prisma/adapter-pg";
import type { TDb } from "../../lib/db";
import { startEmbeddedPostgres, type TEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";
import { describeMachine, postgresOf, ProcessCpuMeter } from "./cpu";
import { connectBenchDatabase, type TBenchDatabase } from "./database";
import { createDashboardDatabase, findNaiveDailyUsage, type TCatalog, type TDashboardDatabase, type TLoadedData, type TNaiveDailyRow } from "./dashboard-data";
import {
  renderDashboardReport,
  READ_OPS,
  type TAlertPassResult,
  type TCpuShare,
  type TCsvResult,
  type TExplained,
  type TFigures,
  type TReadOp,
  type TReadSet,
} from "./dashboard-report";
import { formatBytes, formatCount, formatInt, formatMs, Samples } from "./stats";
import { runBenchmark } from "./run-benchmark";

type TDashboardBenchConfig = {
  quick: boolean;
  events: number;
  customers: number;
  heavyPercent: number;
  calls: number;
  warmup: number;
  /** Customers given a new event before each measured alert pass. */
  alertCustomerCounts: number[];
  alertPasses: number;
  seed: number;
  dbPort: number;
  dataDir: string;
  keepData: boolean;
};

function integer(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return value;
}

function readDashboardBenchConfig(): TDashboardBenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const customers = integer("BENCH_CUSTOMERS", quick ? 200 : 1_000, 2);
  const dbPort = integer("BENCH_DB_PORT", 54371);
  return {
    quick,
    events: integer("BENCH_EVENTS", quick ? 300_000 : 10_000_000),
    customers,
    heavyPercent: 10,
    calls: integer("BENCH_CALLS", quick ? 10 : 50),
    warmup: integer("BENCH_WARMUP", quick ? 3 : 5, 0),
    alertCustomerCounts: [...new Set([10, 100, 1_000].map((k) => Math.min(k, customers)))],
    alertPasses: integer("BENCH_ALERT_PASSES", quick ? 3 : 5),
    seed: integer("BENCH_SEED", 1),
    dbPort,
    dataDir: path.join(os.tmpdir(), `tally-bench-dashboard-${dbPort}`),
    keepData: process.env.BENCH_KEEP_DATA === "1",
  };
}

const config = readDashboardBenchConfig();
const log = (line: string) => console.log(line);
/** Before each measured alert pass, rollups written after (load start − this) are dated back to it (startAlertWindow). */
const ALERT_SETTLE_MS = 3_600_000;
/** The CSV download's RSS is sampled this often while it streams. */
const RSS_SAMPLE_MS = 20;

/** Everything started, for the cleanup (normal end, error, or Ctrl-C). */
const running: { postgres?: TEmbeddedPostgres; data?: TDashboardDatabase; bench?: TBenchDatabase; disconnect?: () => Promise<void> } = {};

/** The lib/ modules, imported once DATABASE_URL points at the benchmark's database. */
async function importServices() {
  const [dbModule, dashboard, plans, alerts, usage, daily, ingest, csv] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/billing/get-usage-dashboard"),
    import("../../lib/billing/find-plan-options"),
    import("../../lib/billing/evaluate-usage-alerts"),
    import("../../lib/metering/customer-usage-query"),
    import("../../lib/metering/daily-usage-query"),
    import("../../lib/metering/record-usage-events-query"),
    import("../../lib/metering/stream-usage-events-csv").catch((error: unknown) => error as Error),
  ]);
  return {
    db: dbModule.db,
    PrismaClient: dbModule.PrismaClient,
    getUsageDashboard: dashboard.getUsageDashboard,
    findPlanOptions: plans.findPlanOptions,
    evaluateUsageAlerts: alerts.evaluateUsageAlerts,
    findMeterUsage: usage.findMeterUsage,
    findDailyUsageRows: daily.findDailyUsageRows,
    insertUsageEvents: ingest.insertUsageEvents,
    streamUsageEventsCsv: csv instanceof Error ? csv : csv.streamUsageEventsCsv,
  };
}
type TServices = Awaited<ReturnType<typeof importServices>>;

/** A small seeded PRNG (mulberry32): the same customers are drawn on every run with the same seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

async function main() {
  const machine = describeMachine();
  const loadAverageAtStart = os.loadavg();
  const othersAtStart = busiestOtherProcesses();
  const started = performance.now();
  log(
    `Tally dashboard benchmark${config.quick ? " (quick)" : ""}: ${formatInt(config.events)} events over ${formatInt(config.customers)} customers ` +
      `(one with ${config.heavyPercent} %), ${config.calls} calls per measurement after ${config.warmup} warm-up calls`,
  );
  log(`Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB; load average ${loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}`);
  for (const line of othersAtStart) log(`  busy meanwhile: ${line}`);

  rmSync(config.dataDir, { recursive: true, force: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o755 });
  log(`Starting PostgreSQL on :${config.dbPort} (data in ${config.dataDir})…`);
  const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.dataDir, "pg"), port: config.dbPort, profile: "dev", log });
  running.postgres = postgres;
  await postgres.createDatabase("tally");
  const databaseUrl = postgres.url("tally");
  await applyMigrations(databaseUrl);

  const data = createDashboardDatabase(databaseUrl);
  running.data = data;
  const bench = await connectBenchDatabase(databaseUrl);
  running.bench = bench;

  // The period: 30 days that began 29 days and some hours ago, at :23:17.250 (not on the hour).
  const loadNow = new Date();
  const periodStart = new Date(Math.floor(loadNow.getTime() / 3_600_000) * 3_600_000 - 29 * 86_400_000 - 7 * 3_600_000 + (23 * 60 + 17.25) * 1000);
  const period = { periodStart, periodEnd: new Date(periodStart.getTime() + 30 * 86_400_000) };
  const catalog = await data.seedCatalog({ customers: config.customers, period });
  log(`Catalog: ${catalog.meters.length} meters, 3 plans, ${formatInt(catalog.customerIds.length)} customers with live subscriptions for ${period.periodStart.toISOString()} – ${period.periodEnd.toISOString()}`);

  log(`Loading ${formatInt(config.events)} events up to now…`);
  const eventSeconds = await data.loadEvents({
    catalog,
    events: config.events,
    heavyPercent: config.heavyPercent,
    from: period.periodStart,
    until: loadNow,
    onProgress: (loaded) => {
      if (config.events > 1_000_000) log(`  ${formatCount(loaded)} loaded (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  log(`  events in ${eventSeconds.toFixed(1)} s (${formatInt(config.events / eventSeconds)} rows/s); building the rollups…`);
  const { rollupSeconds, vacuumSeconds } = await data.buildRollups();
  const counts = await data.countRows(catalog.customerIds[0] as string);
  const loaded: TLoadedData = { ...counts, seconds: { events: eventSeconds, rollups: rollupSeconds, vacuum: vacuumSeconds } };
  const rollupsMatch = await data.rollupsMatchEvents();
  log(
    `  rollups in ${rollupSeconds.toFixed(1)} s, VACUUM ANALYZE + CHECKPOINT ${vacuumSeconds.toFixed(1)} s: ${formatInt(loaded.events)} events, ${formatInt(loaded.rollups)} rollup rows ` +
      `(Σ event_count ${rollupsMatch ? "=" : "≠"} events); heavy customer ${formatInt(loaded.heavy.events)} events / ${formatInt(loaded.heavy.rollups)} rollups, ` +
      `typical ${formatInt(loaded.typical.events)} / ${formatInt(loaded.typical.rollups)}`,
  );
  const sizes = await bench.readSizes();
  for (const size of sizes) log(`  ${size.relation}: ${formatBytes(size.bytes)}`);
  const postgresSettings = await bench.readSettings();
  const readSettings = await data.readReadSettings();
  log(`PostgreSQL ${postgresSettings.version}: ${Object.entries({ ...postgresSettings.settings, ...readSettings }).map(([k, v]) => `${k}=${v}`).join(", ")}`);

  process.env.DATABASE_URL = databaseUrl;
  const services = await importServices();
  running.disconnect = () => services.db.$disconnect();
  const cpu = createCpuMeter();
  const rand = random(config.seed);
  const heavyId = catalog.customerIds[0] as string;
  const typicalIds = catalog.customerIds.slice(1);
  const drawTypical = () => typicalIds[Math.floor(rand() * typicalIds.length)] as string;

  log(`\nReads, one call at a time (${config.warmup} warm-up + ${config.calls} measured calls per set; each call runs every operation on the same customer, in rotating order):`);
  const checks = { compared: 0, mismatched: 0, firstMismatch: null as string | null };
  const reads: TReadSet[] = [];
  for (const [customers, pick] of [["heavy", () => heavyId], ["typical", drawTypical]] as const) {
    reads.push(await measureReads(services, customers, pick, catalog, cpu, checks));
  }
  log(`  naive totals and daily series = rollup reads for ${checks.compared} of ${checks.compared} calls${checks.mismatched ? ` — NO: ${checks.mismatched} differ; first: ${checks.firstMismatch}` : ""}`);

  log("\nQuota alert worker passes (evaluateUsageAlerts):");
  const settledAt = new Date(loadNow.getTime() - ALERT_SETTLE_MS);
  const alerts = await measureAlertPasses(services, data, catalog, settledAt, cpu, rand);

  log("\nEvents CSV download (streamUsageEventsCsv, the service behind GET /api/customers/{id}/events.csv):");
  const csv = typeof services.streamUsageEventsCsv === "function" ? await measureCsv(services, heavyId, drawTypical, cpu) : { skipped: `lib/metering/stream-usage-events-csv.ts could not be imported: ${services.streamUsageEventsCsv.message}` };
  if ("skipped" in csv) log(`  skipped: ${csv.skipped}`);

  log("\nWhere the time goes: every statement of one call explained (EXPLAIN (ANALYZE, BUFFERS), in a transaction rolled back):");
  const explained = await explainStatements(services, data, databaseUrl, catalog, settledAt, heavyId, drawTypical);

  const notes: string[] = [];
  if (config.quick) notes.push("Quick smoke run: small numbers, to check the benchmark works; not figures to quote.");
  notes.push(`Whole benchmark: ${((performance.now() - started) / 60_000).toFixed(1)} minutes, loading included.`);
  const report = renderDashboardReport({
    date: new Date(),
    quick: config.quick,
    machine,
    loadAverage: { start: loadAverageAtStart, end: os.loadavg() },
    othersAtStart,
    othersAtEnd: busiestOtherProcesses(),
    postgres: postgresSettings,
    readSettings,
    data: { customers: catalog.customerIds.length, heavyPercent: config.heavyPercent, period, loaded, rollupsMatch, sizes },
    calls: config.calls,
    warmup: config.warmup,
    reads,
    checks,
    alerts,
    csv,
    explained,
    notes,
  });
  const file = path.join(import.meta.dirname, "results", `dashboard-${new Date().toISOString().slice(0, 10)}${config.quick ? "-quick" : ""}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${report}\n`);
  log(`\n${report}\nWritten to ${path.relative(process.cwd(), file)}.`);
}

/** Postgres (the benchmark's server and its backends), this process, and everything else on the machine. */
function createCpuMeter(): ProcessCpuMeter<keyof TCpuShare> {
  const postgres = postgresOf(config.dataDir);
  return new ProcessCpuMeter<keyof TCpuShare>({
    groups: ["postgres", "bench", "other"],
    self: "bench",
    reaps: postgres.isServer,
    classify: (entry, all) => (postgres.includes(entry, all) ? "postgres" : "other"),
  });
}

const percentiles = (samples: Samples): TFigures => {
  const [p50, p95, max] = samples.percentiles(50, 95, 100) as [number, number, number];
  return { calls: samples.count, p50, p95, max };
};

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: performance.now() - start, value };
}

/** Per call: the page, the rollup reads behind its figures, the naive baseline and the plans page, on one customer. */
async function measureReads(
  services: TServices,
  customers: "heavy" | "typical",
  pick: () => string,
  catalog: TCatalog,
  cpu: ProcessCpuMeter<keyof TCpuShare>,
  checks: { compared: number; mismatched: number; firstMismatch: string | null },
): Promise<TReadSet> {
  const { db } = services;
  const samples = Object.fromEntries(READ_OPS.map((op) => [op, new Samples()])) as Record<TReadOp, Samples>;
  const period = catalog.period;
  let naiveEvents = 0;
  for (let call = 0; call < config.warmup + config.calls; call += 1) {
    if (call === config.warmup) cpu.reset();
    const customerId = pick();
    const measured = call >= config.warmup;
    let rollupResult: Awaited<ReturnType<typeof readRollups>> | undefined;
    let naiveResult: TNaiveDailyRow[] | undefined;
    const operations: Record<TReadOp, () => Promise<unknown>> = {
      dashboard: () => services.getUsageDashboard(customerId, { now: new Date(), db }),
      rollups: async () => (rollupResult = await readRollups(services, customerId, period)),
      naive: async () => (naiveResult = await findNaiveDailyUsage(db, { customerId, ...period })),
      plans: () => services.findPlanOptions(customerId, { now: new Date() }, db),
    };
    for (let index = 0; index < READ_OPS.length; index += 1) {
      const op = READ_OPS[(index + call) % READ_OPS.length] as TReadOp;
      const { ms } = await timed(operations[op]);
      if (measured) samples[op].add(ms);
    }
    if (measured && rollupResult && naiveResult) {
      naiveEvents += naiveResult.reduce((sum, row) => sum + Number(row.event_count), 0);
      const difference = compareDaily(rollupResult.daily, naiveResult);
      checks.compared += 1;
      if (difference) {
        checks.mismatched += 1;
        checks.firstMismatch ??= `${customerId}: ${difference}`;
      }
    }
  }
  const cpuShare = cpu.measure();
  const set: TReadSet = {
    customers,
    figures: Object.fromEntries(READ_OPS.map((op) => [op, percentiles(samples[op])])) as Record<TReadOp, TFigures>,
    naiveEventsPerCall: naiveEvents / config.calls,
    cpu: cpuShare,
  };
  log(`  ${customers} customer${customers === "typical" ? "s (drawn at random)" : ""}: ${formatInt(set.naiveEventsPerCall)} events per call for the naive query | CPU ${describeCpu(cpuShare)}`);
  for (const op of READ_OPS) {
    const figures = set.figures[op];
    log(`    ${op.padEnd(10)} p50 ${formatMs(figures.p50).padStart(9)}  p95 ${formatMs(figures.p95).padStart(9)}  max ${formatMs(figures.max).padStart(9)}`);
  }
  return set;
}

/** The rollup reads behind the page's totals and chart (as getUsageDashboard runs them: at once). */
async function readRollups(services: TServices, customerId: string, period: TCatalog["period"]) {
  const [usage, daily] = await Promise.all([services.findMeterUsage(services.db, { customerId, ...period }), services.findDailyUsageRows(services.db, { customerId, ...period })]);
  return { usage, daily };
}

/** "" when the rollup daily series equals the naive one (quantity and event count per meter and day), else the first difference. */
function compareDaily(rollup: { meter_id: string; day: Date; quantity: string; event_count: string }[], naive: TNaiveDailyRow[]): string {
  const key = (row: { meter_id: string; day: Date }) => `${row.meter_id} ${row.day.toISOString()}`;
  const fromNaive = new Map(naive.map((row) => [key(row), row]));
  if (fromNaive.size !== rollup.length) return `${rollup.length} (meter, day) rows from rollups, ${fromNaive.size} from events`;
  for (const row of rollup) {
    const other = fromNaive.get(key(row));
    if (!other || other.quantity !== row.quantity || other.event_count !== row.event_count) {
      return `${key(row)}: rollups ${row.quantity} in ${row.event_count} events, raw ${other?.quantity ?? "—"} in ${other?.event_count ?? "—"}`;
    }
  }
  return "";
}

/**
 * The catch-up pass (no cursor: every rollup of the period), then per K the passes after K
 * customers each received one event (through the ingestion statement, so each gets a fresh rollup
 * update), and idle passes. Before each measured pass the window is reset (startAlertWindow) so
 * that the pass reads exactly the writes that follow, whatever the worker's overlap.
 */
async function measureAlertPasses(
  services: TServices,
  data: TDashboardDatabase,
  catalog: TCatalog,
  settledAt: Date,
  cpu: ProcessCpuMeter<keyof TCpuShare>,
  rand: () => number,
): Promise<TAlertPassResult[]> {
  const { db } = services;
  const results: TAlertPassResult[] = [];
  const apiMeter = catalog.meters[0]?.id as string;
  let fresh = 0;

  cpu.reset();
  const catchUp = await timed(() => services.evaluateUsageAlerts({}, db));
  results.push({
    label: "catch-up: no cursor, every rollup of the period",
    customers: catalog.customerIds.length,
    pastHighestThreshold: 0,
    figures: percentiles(one(catchUp.ms)),
    ingest: null,
    alertsRecorded: catchUp.value.fired.length,
    cpu: cpu.measure(),
  });
  logPass(results.at(-1) as TAlertPassResult);

  const pass = async (customers: number): Promise<{ ms: number; ingestMs: number; fired: number; pastHighestThreshold: number }> => {
    await data.startAlertWindow(settledAt);
    let ingestMs = 0;
    let pastHighestThreshold = 0;
    if (customers > 0) {
      const chosen = new Set<string>();
      while (chosen.size < customers) chosen.add(catalog.customerIds[Math.floor(rand() * catalog.customerIds.length)] as string);
      pastHighestThreshold = await data.countPastHighestThreshold([...chosen], apiMeter);
      const now = new Date();
      const events = [...chosen].map((customerId) => ({
        customerId,
        meterId: apiMeter,
        idempotencyKey: `bench-fresh-${(fresh += 1)}`,
        quantity: "1",
        occurredAt: now,
        properties: null,
        payloadHash: "00",
        late: false,
      }));
      ingestMs = (await timed(() => services.insertUsageEvents(db, events))).ms;
    }
    const { ms, value } = await timed(() => services.evaluateUsageAlerts({}, db));
    if (!value.evaluated) throw new Error("An alert pass did not run: another evaluation held the advisory lock.");
    return { ms, ingestMs, fired: value.fired.length, pastHighestThreshold };
  };

  for (const customers of [...config.alertCustomerCounts, 0]) {
    await pass(customers); // warm-up
    cpu.reset();
    const samples = new Samples();
    const ingest = new Samples();
    let fired = 0;
    let pastHighestThreshold = 0;
    for (let rep = 0; rep < config.alertPasses; rep += 1) {
      const result = await pass(customers);
      samples.add(result.ms);
      ingest.add(result.ingestMs);
      fired += result.fired;
      pastHighestThreshold += result.pastHighestThreshold;
    }
    results.push({
      label: customers === 0 ? "idle: nothing written since the last pass" : `after ${formatInt(customers)} customers each received an event (one dirty (customer, meter) pair each)`,
      customers,
      pastHighestThreshold: pastHighestThreshold / config.alertPasses,
      figures: percentiles(samples),
      ingest: customers === 0 ? null : percentiles(ingest),
      alertsRecorded: fired,
      cpu: cpu.measure(),
    });
    logPass(results.at(-1) as TAlertPassResult);
  }
  return results;
}

function one(value: number): Samples {
  const samples = new Samples();
  samples.add(value);
  return samples;
}

function logPass(result: TAlertPassResult) {
  const { figures } = result;
  log(
    `  ${result.label}: ${figures.calls} pass${figures.calls > 1 ? "es" : ""}, p50 ${formatMs(figures.p50)}, max ${formatMs(figures.max)}; ${result.alertsRecorded} alerts recorded` +
      `${result.ingest ? `; the ingestion statement for the K events p50 ${formatMs(result.ingest.p50)}` : ""}` +
      `${result.pastHighestThreshold ? `; ${formatInt(result.pastHighestThreshold)} of the K already past their highest threshold (skipped)` : ""} | CPU ${describeCpu(result.cpu)}`,
  );
}

/** The heavy customer's period once, and three typical customers'; rows/s and the RSS while streaming. */
async function measureCsv(services: TServices, heavyId: string, drawTypical: () => string, cpu: ProcessCpuMeter<keyof TCpuShare>): Promise<TCsvResult[]> {
  const stream = services.streamUsageEventsCsv;
  if (typeof stream !== "function") return [];
  const download = async (customerId: string, customers: "heavy" | "typical"): Promise<TCsvResult> => {
    const memory = startMemorySampler(RSS_SAMPLE_MS);
    cpu.reset();
    const started = performance.now();
    let bytes = 0;
    let lines = 0;
    let firstByteMs = 0;
    let peaks: TMemoryPeaks;
    try {
      const csv = await stream({ customerId, period: "current", meter: null }, { audit: { actor: { kind: "SYSTEM" } }, db: services.db });
      const reader = csv.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += value.byteLength;
        for (let at = value.indexOf(10); at !== -1; at = value.indexOf(10, at + 1)) lines += 1;
      }
    } finally {
      peaks = memory.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const cpuShare = cpu.measure();
    const { rssBefore, peakRss, heapBefore, peakHeap } = peaks;
    collectGarbage();
    const result: TCsvResult = {
      customers,
      rows: lines - 1,
      bytes,
      seconds,
      firstByteMs,
      rssBefore,
      peakRss,
      heapBefore,
      peakHeap,
      heapAfter: process.memoryUsage().heapUsed,
      cpu: cpuShare,
    };
    log(
      `  ${customers}: ${formatInt(result.rows)} rows, ${formatBytes(bytes)} in ${seconds.toFixed(2)} s (first byte ${formatMs(firstByteMs)}): ${formatInt(result.rows / seconds)} rows/s; ` +
        `RSS ${formatBytes(result.rssBefore)} before, peak ${formatBytes(peakRss)}; JS heap ${formatBytes(result.heapBefore)} before, peak ${formatBytes(peakHeap)}, ` +
        `${formatBytes(result.heapAfter)} after a GC | CPU ${describeCpu(result.cpu)}`,
    );
    return result;
  };
  await download(drawTypical(), "typical"); // warm-up
  const results = [await download(heavyId, "heavy")];
  for (let index = 0; index < 3; index += 1) results.push(await download(drawTypical(), "typical"));
  return results;
}

/**
 * Each operation once more (after a warm call) through a client that logs its statements; every
 * statement is explained with the parameters it was sent with, and the plan of the one Postgres
 * spent the most time on is kept, with the sum over all of them (the rest of the call is round
 * trips and the client).
 */
async function explainStatements(
  services: TServices,
  data: TDashboardDatabase,
  databaseUrl: string,
  catalog: TCatalog,
  settledAt: Date,
  heavyId: string,
  drawTypical: () => string,
): Promise<TExplained[]> {
  type TStatement = { query: string; params: string; duration: number };
  const statements: TStatement[] = [];
  const logging = new services.PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }), log: [{ emit: "event", level: "query" }] });
  logging.$on("query", (event) => statements.push({ query: event.query, params: event.params, duration: event.duration }));
  const explained: TExplained[] = [];
  const typicalId = drawTypical();
  const alertCustomers = config.alertCustomerCounts.at(-1) ?? 0;
  let key = 0;
  const cases: { title: string; run: () => Promise<unknown> }[] = [
    { title: "getUsageDashboard, heavy customer", run: () => services.getUsageDashboard(heavyId, { now: new Date(), db: logging }) },
    { title: "getUsageDashboard, a typical customer", run: () => services.getUsageDashboard(typicalId, { now: new Date(), db: logging }) },
    { title: "findPlanOptions, heavy customer", run: () => services.findPlanOptions(heavyId, { now: new Date() }, logging) },
    { title: "naive baseline, heavy customer", run: () => findNaiveDailyUsage(logging, { customerId: heavyId, ...catalog.period }) },
    { title: "naive baseline, a typical customer", run: () => findNaiveDailyUsage(logging, { customerId: typicalId, ...catalog.period }) },
    {
      title: `alert pass after ${formatInt(alertCustomers)} customers received an event`,
      run: async () => {
        await data.startAlertWindow(settledAt);
        const now = new Date();
        await services.insertUsageEvents(
          logging as TDb,
          catalog.customerIds.slice(0, alertCustomers).map((customerId) => ({
            customerId,
            meterId: catalog.meters[0]?.id as string,
            idempotencyKey: `bench-explain-${(key += 1)}`,
            quantity: "1",
            occurredAt: now,
            properties: null,
            payloadHash: "00",
            late: false,
          })),
        );
        statements.length = 0; // the pass, not the ingestion
        return services.evaluateUsageAlerts({}, logging);
      },
    },
  ];
  try {
    for (const { title, run } of cases) {
      await run(); // warm
      statements.length = 0;
      const { ms } = await timed(run);
      const sent = statements.filter((statement) => !/^(BEGIN|COMMIT|ROLLBACK)\b/i.test(statement.query.trim()));
      const plans: { statement: TStatement; params: unknown[]; plan: string; executionMs: number }[] = [];
      let failed = 0;
      for (const statement of sent) {
        const params = JSON.parse(statement.params) as unknown[];
        try {
          const plan = await data.explain(statement.query, params);
          plans.push({ statement, params, plan, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? 0) });
        } catch {
          failed += 1; // a parameter node-postgres cannot send as Prisma did; the statement stays counted
        }
      }
      const costliest = plans.sort((a, b) => b.executionMs - a.executionMs)[0];
      if (!costliest) continue;
      const executionMs = plans.reduce((sum, plan) => sum + plan.executionMs, 0);
      explained.push({
        title,
        callMs: ms,
        statements: sent.length,
        explainedStatements: plans.length,
        executionMs,
        statement: costliest.statement.query,
        params: costliest.params,
        statementMs: costliest.executionMs,
        plan: costliest.plan,
      });
      log(
        `  ${title}: call ${formatMs(ms)}, ${sent.length} statements${failed ? ` (${failed} not explained)` : ""}, Postgres executed them in ${formatMs(executionMs)}; ` +
          `the costliest ${formatMs(costliest.executionMs)}: ${costliest.statement.query.replace(/\s+/g, " ").slice(0, 70)}…`,
      );
    }
  } finally {
    await logging.$disconnect();
  }
  return explained;
}

function describeCpu(share: TCpuShare): string {
  return `postgres ${share.postgres.toFixed(2)}, bench ${share.bench.toFixed(2)}, other processes ${share.other.toFixed(2)} cores`;
}

/** The busiest processes that are not this benchmark's, from top's second sample (a second apart). */
function busiestOtherProcesses(): string[] {
  try {
    const output = execFileSync("top", ["-b", "-n", "2", "-d", "1", "-c", "-w", "200"], { encoding: "utf8" });
    const frame = output.slice(output.lastIndexOf("top - "));
    const lines = frame.split("\n");
    const header = lines.findIndex((line) => /^\s*PID\s/.test(line));
    return lines
      .slice(header + 1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => fields.length >= 12 && Number(fields[0]) !== process.pid && Number(fields[8]) >= 5)
      .slice(0, 6)
      .map((fields) => `${fields[8]} % CPU: ${fields.slice(11).join(" ").slice(0, 110)}`);
  } catch {
    return [];
  }
}

async function cleanup() {
  await running.disconnect?.().catch(() => undefined);
  await running.data?.close().catch(() => undefined);
  await running.bench?.close().catch(() => undefined);
  await running.postgres?.stop().catch(() => undefined);
  if (!config.keepData) rmSync(config.dataDir, { recursive: true, force: true });
  else log(`Data kept in ${config.dataDir}.`);
}

runBenchmark({ main, cleanup, log });
