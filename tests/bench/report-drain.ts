// `npm run bench:reporter`: how fast the reporter workers drain a backlog of usage events to Stripe
// (the emulator, with live mode's limits), how many Stripe calls that takes against the number of
// (customer, meter, window) groups, whether anything was lost or duplicated, and a naive baseline
// in the same run. Prints figures and writes them to tests/bench/results/reporter-<date>.md; it
// never asserts timings.
//
//   BENCH_QUICK=1 npm run bench:reporter     smoke run (1,000 customers, 100k / 300k events, 10 s limited runs)
//   BENCH_EVENTS, BENCH_LARGE_EVENTS, BENCH_CUSTOMERS, BENCH_WORKERS=1,2,4, BENCH_LARGE_WORKERS,
//   BENCH_EVENTS_PER_GROUP, BENCH_V1_SECONDS, BENCH_BASELINE_SECONDS, BENCH_DRAIN_TIMEOUT_SECONDS,
//   BENCH_DB_PORT (+1 emulator, +2 counting proxy): see config.ts
//   BENCH_KEEP_DATA=1                         keep the data folder (database, emulator state); the workers' and
//                                             the emulator's logs are kept in <data folder>-logs either way
//   TALLY_REPORT_*                            passed on to the workers (v1 workers split the account's 900 calls/s by default)
//
// The plan: an embedded Postgres (dev profile, migrated) and the Stripe emulator in its own process;
// one meter and the customers created in the emulator through the SDK, and in Tally's tables; then
// for each run the backlog is reloaded and drained: 1, 2 and 4 workers through the v2 meter event
// stream; 2 workers through v1 meter events for a fixed time (v1's 1,000 calls/s ceiling); the
// naive baseline for a fixed time; and the large backlog with 2 workers through the stream.
import { mkdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type Stripe from "stripe";
import { startEmbeddedPostgres, type TEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";
import { startCallCounter, type TCallCounter } from "./call-counter";
import { readDrainBenchConfig } from "./config";
import { describeMachine, postgresOf, ProcessCpuMeter, type TProcessInfo } from "./cpu";
import { connectBenchDatabase, type TBenchDatabase } from "./database";
import { NAIVE_IDENTIFIER_PREFIX, runNaiveBaseline } from "./drain-baseline";
import { BENCH_EVENT_NAME, createDrainDatabase, type TBacklog, type TDrainDatabase } from "./drain-data";
import { startEmulatorProcess, startWorkers, type TEmulatorProcess, type TWorkers } from "./drain-processes";
import {
  DRAIN_CPU_GROUPS,
  describeDrainCpu,
  renderDrainReport,
  type TBaselineRun,
  type TDecile,
  type TDrainCpu,
  type TDrainCpuGroup,
  type TDrainRun,
  type TStatementTenth,
  type TSummaryCheck,
} from "./drain-report";
import {
  benchStripe,
  BENCH_STRIPE_KEY,
  compareWithSent,
  createStripeCustomers,
  createStripeMeter,
  LIVE_MODE_LIMITS,
  MeterEventLog,
  readMeterTotals,
  setEmulatorLimits,
  type TEmulatorLimits,
} from "./drain-stripe";
import { formatCount, formatInt } from "./stats";
import { runBenchmark } from "./run-benchmark";

const config = readDrainBenchConfig();
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The workers' defaults (lib/env.ts): one worker's share of Stripe's budget. */
const DEFAULT_CALLS_PER_SECOND = 900;
const DEFAULT_STREAM_EVENTS_PER_SECOND = 9_000;
const SAMPLE_MS = 1_000;
const PRINT_EVERY_MS = 5_000;
const TOP_STATEMENTS = 8;
/** The reporter's three costliest statements, by the start of their text (lib/stripe/reporter/*-query.ts). */
const REPORTER_STATEMENTS = {
  claim: "WITH RECURSIVE pairs AS",
  tag: "WITH l AS ( SELECT * FROM jsonb_to_recordset",
  mark: "UPDATE usage_events SET reported_at",
};
type TStatementTotals = Record<string, { calls: number; totalMs: number }>;
/** The workers' and the emulator's output, kept after the run (the data folder is removed). */
const LOG_DIR = `${config.dataDir}-logs`;

type TCpuSample = { at: number; share: TDrainCpu };

/** Everything started, for the cleanup (normal end, error, or Ctrl-C). */
const running: { postgres?: TEmbeddedPostgres; emulator?: TEmulatorProcess; proxy?: TCallCounter; workers?: TWorkers; db?: TDrainDatabase; bench?: TBenchDatabase } = {};

type TContext = {
  databaseUrl: string;
  db: TDrainDatabase;
  bench: TBenchDatabase;
  stripe: Stripe;
  proxy: TCallCounter;
  meterLog: MeterEventLog;
  stripeMeterId: string;
  meterId: string;
  stripeCustomerIds: string[];
  /** The customers whose Stripe summaries are checked after each run. */
  sampled: string[];
  cpu: ProcessCpuMeter<TDrainCpuGroup>;
};

async function main() {
  const machine = describeMachine();
  const loadAverageAtStart = os.loadavg();
  const started = performance.now();
  log(
    `Tally reporter drain benchmark${config.quick ? " (quick)" : ""}: ${formatInt(config.events)} events over ${formatInt(config.customers)} customers with ` +
      `${config.workerCounts.join(", ")} workers, then ${formatInt(config.largeEvents)} with ${config.largeWorkers}`,
  );
  log(`Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB; load average ${loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}`);

  rmSync(config.dataDir, { recursive: true, force: true });
  mkdirSync(config.dataDir, { recursive: true, mode: 0o755 });
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });

  log(`Starting PostgreSQL on :${config.dbPort} and the Stripe emulator on :${config.emulatorPort} (data in ${config.dataDir}, logs in ${LOG_DIR})…`);
  const postgres = await startPostgres();
  const databaseUrl = postgres.url("tally");
  await applyMigrations(databaseUrl);
  const dataFile = path.join(config.dataDir, "stripe-emulator.json");
  const emulator = await startEmulatorProcess({ port: config.emulatorPort, dataFile, logPath: path.join(LOG_DIR, "stripe-emulator.log") });
  running.emulator = emulator;
  const limits: TEmulatorLimits = await setEmulatorLimits(emulator.url, LIVE_MODE_LIMITS);
  const proxy = await startCallCounter({ port: config.proxyPort, target: emulator.url });
  running.proxy = proxy;

  // Setup calls go to the emulator directly: only the runs' calls pass the counting proxy.
  const stripe = benchStripe(emulator.url);
  const stripeMeterId = await createStripeMeter(stripe, BENCH_EVENT_NAME);
  const customersStarted = performance.now();
  const stripeCustomerIds = await createStripeCustomers(stripe, config.customers);
  const customerSeconds = (performance.now() - customersStarted) / 1000;
  log(`Created the meter and ${formatInt(stripeCustomerIds.length)} customers in the emulator (${customerSeconds.toFixed(1)} s).`);

  const db = createDrainDatabase(databaseUrl);
  running.db = db;
  const bench = await connectBenchDatabase(databaseUrl);
  running.bench = bench;
  const { meterId } = await db.seedCatalog({ stripeMeterId, stripeCustomerIds, now: new Date() });
  await db.enableStatements();
  const postgresSettings = await bench.readSettings();
  log(`PostgreSQL ${postgresSettings.version}: ${Object.entries(postgresSettings.settings).map(([k, v]) => `${k}=${v}`).join(", ")}`);

  const step = Math.max(1, Math.floor(stripeCustomerIds.length / config.summaryCustomers));
  const sampled = stripeCustomerIds.filter((_, index) => index % step === 0).slice(0, config.summaryCustomers);
  const context: TContext = {
    databaseUrl,
    db,
    bench,
    stripe,
    proxy,
    meterLog: new MeterEventLog(dataFile),
    stripeMeterId,
    meterId,
    stripeCustomerIds,
    sampled,
    cpu: createCpuMeter(emulator.pid),
  };

  const runs: TDrainRun[] = [];
  const notes: string[] = [];
  for (const workers of config.workerCounts) {
    runs.push(await drainRun(context, { label: `${formatCount(config.events)}, ${workers} worker${workers > 1 ? "s" : ""}`, events: config.events, workers, api: "stream" }));
  }
  runs.push(
    await drainRun(context, {
      label: `${formatCount(config.events)}, ${config.v1Workers} workers, v1, ${config.v1Seconds} s`,
      events: config.events,
      workers: config.v1Workers,
      api: "v1",
      limitSeconds: config.v1Seconds,
    }),
  );
  const baseline = await baselineRun(context);
  const largeRun = await drainRun(context, {
    label: `${formatCount(config.largeEvents)}, ${config.largeWorkers} workers`,
    events: config.largeEvents,
    workers: config.largeWorkers,
    api: "stream",
  });
  runs.push(largeRun);
  if (!largeRun.finished) notes.push(`The ${formatCount(config.largeEvents)} backlog did not drain within ${config.drainTimeoutSeconds} s (BENCH_DRAIN_TIMEOUT_SECONDS); its figures cover what was reported.`);
  if (config.quick) notes.push("Quick smoke run: small numbers, to check the benchmark works; not figures to quote.");
  notes.push(`Whole benchmark: ${((performance.now() - started) / 60_000).toFixed(1)} minutes, setup and reloads included.`);

  const report = renderDrainReport({
    date: new Date(),
    quick: config.quick,
    machine,
    loadAverageAtStart,
    postgres: postgresSettings,
    limits,
    customers: stripeCustomerIds.length,
    eventsPerGroup: config.eventsPerGroup,
    windowSeconds: config.windowSeconds,
    setupSeconds: { customers: customerSeconds },
    runs,
    baseline,
    targetRun: runs.find((run) => run.api === "stream" && run.workers === 2 && run.backlog.events === config.events),
    largeRun,
    sizes: await bench.readSizes(),
    notes,
  });
  const file = path.join(import.meta.dirname, "results", `reporter-${new Date().toISOString().slice(0, 10)}${config.quick ? "-quick" : ""}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${report}\n`);
  log(`\n${report}\nWritten to ${path.relative(process.cwd(), file)}.`);
}

/**
 * The embedded server in its dev profile, with the `tally` database; restarted once so that
 * pg_stat_statements is loaded (where Postgres spends its time goes in the report).
 */
async function startPostgres(): Promise<TEmbeddedPostgres> {
  const options = { dataDir: path.join(config.dataDir, "pg"), port: config.dbPort, profile: "dev", log } as const;
  const first = await startEmbeddedPostgres(options);
  running.postgres = first;
  await first.createDatabase("tally");
  const admin = new pg.Client({ connectionString: first.url("postgres") });
  await admin.connect();
  await admin.query("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await admin.end();
  await first.stop();
  const server = await startEmbeddedPostgres(options);
  running.postgres = server;
  return server;
}

/** Postgres, the workers (and their children), the emulator, this process, the rest. */
function createCpuMeter(emulatorPid: number): ProcessCpuMeter<TDrainCpuGroup> {
  const postgres = postgresOf(config.dataDir);
  let byPid = new WeakMap<readonly TProcessInfo[], Map<number, TProcessInfo>>();
  return new ProcessCpuMeter<TDrainCpuGroup>({
    groups: DRAIN_CPU_GROUPS,
    self: "bench",
    reaps: postgres.isServer,
    classify(entry, all) {
      if (postgres.includes(entry, all)) return "postgres";
      let index = byPid.get(all);
      if (!index) {
        byPid = new WeakMap();
        index = new Map(all.map((one) => [one.pid, one]));
        byPid.set(all, index);
      }
      // The process or its nearest ancestor that is ours (tsx starts an esbuild child in each node process).
      for (let current: TProcessInfo | undefined = entry; current; current = index.get(current.ppid)) {
        if (current.pid === emulatorPid) return "emulator";
        if (current.pid === process.pid) return "bench";
        if (current.ppid === process.pid && current.cmdline().includes("workers/reporter.ts")) return "workers";
        if (current.ppid <= 1) break;
      }
      return "other";
    },
  });
}

/** Per tenth of the backlog (as the workers' passes went through it): each statement's µs per event. */
function statementTenths(snapshots: { events: number; totals: TStatementTotals }[], backlogEvents: number): TStatementTenth[] {
  const tenths: TStatementTenth[] = [];
  for (let k = 1; k < snapshots.length; k += 1) {
    const [before, after] = [snapshots[k - 1], snapshots[k]] as [(typeof snapshots)[number], (typeof snapshots)[number]];
    const events = after.events - before.events;
    const perEvent = (name: string) => (((after.totals[name]?.totalMs ?? 0) - (before.totals[name]?.totalMs ?? 0)) * 1000) / Math.max(1, events);
    tenths.push({ toPercent: Math.round((after.events * 100) / backlogEvents), claimUs: perEvent("claim"), tagUs: perEvent("tag"), markUs: perEvent("mark") });
  }
  return tenths;
}

/** The range Stripe summaries are read over: wide enough for every run's events (whole minutes). */
function summaryRange(backlog: TBacklog): { start: number; end: number } {
  return { start: Math.floor(backlog.from.getTime() / 1000) - 86_400, end: Math.floor(Date.now() / 1000) + 7_200 };
}

async function loadBacklog(context: TContext, events: number): Promise<{ backlog: TBacklog; groups: number }> {
  const hours = Math.max(1, Math.ceil(events / (context.stripeCustomerIds.length * config.eventsPerGroup)));
  log(`\nLoading a backlog of ${formatInt(events)} events over ${hours} hours…`);
  const backlog = await context.db.loadBacklog({
    meterId: context.meterId,
    customers: context.stripeCustomerIds.length,
    events,
    hours,
    onProgress: (loaded) => {
      if (events > 1_000_000) log(`  ${formatCount(loaded)} loaded`);
    },
  });
  const groups = await context.db.countGroups(config.windowSeconds);
  log(
    `  loaded in ${backlog.loadSeconds.toFixed(1)} s (${formatInt(backlog.events / backlog.loadSeconds)} rows/s), VACUUM ANALYZE + CHECKPOINT ${backlog.vacuumSeconds.toFixed(1)} s; ` +
      `${formatInt(groups)} distinct (customer, meter, window) groups`,
  );
  return { backlog, groups };
}

/** Stripe's totals for the sampled customers, to compare after − before with the raw events. */
async function compareSummaries(context: TContext, before: Map<string, number>, range: { start: number; end: number }): Promise<TSummaryCheck> {
  const after = await readMeterTotals(context.stripe, context.stripeMeterId, context.sampled, range);
  const raw = await context.db.sumRawByStripeCustomer(context.sampled, true);
  let matching = 0;
  let firstMismatch: string | null = null;
  for (const customer of context.sampled) {
    const delta = (after.get(customer) ?? 0) - (before.get(customer) ?? 0);
    const expected = raw.get(customer) ?? 0;
    if (delta === expected) matching += 1;
    else firstMismatch ??= `${customer}: Stripe +${delta}, raw events ${expected}`;
  }
  return { checked: context.sampled.length, matching, firstMismatch };
}

function workerEnv(context: TContext, workers: number, api: "stream" | "v1"): { env: NodeJS.ProcessEnv; settings: Record<string, string> } {
  const own = (name: string, fallback: string) => process.env[name] || fallback;
  const settings: Record<string, string> = {
    TALLY_REPORT_METER_EVENT_API: api,
    TALLY_REPORT_WINDOW_SECONDS: String(config.windowSeconds),
    TALLY_REPORT_BATCH_EVENTS: own("TALLY_REPORT_BATCH_EVENTS", "10000"),
    TALLY_REPORT_CONCURRENCY: own("TALLY_REPORT_CONCURRENCY", "32"),
    TALLY_WORKER_POLL_MS: own("TALLY_WORKER_POLL_MS", "1000"),
    DATABASE_POOL_SIZE: own("DATABASE_POOL_SIZE", "10"),
    // Stream: each worker's default (`npm run worker` as it comes); far below the account's 10,000
    // events/s on average here, and a 429 would show in the counts. v1: the workers share the
    // account's 1,000 calls/s (the default 900 each would put two workers at 1,800).
    ...(api === "stream"
      ? { TALLY_REPORT_STREAM_EVENTS_PER_SECOND: own("TALLY_REPORT_STREAM_EVENTS_PER_SECOND", String(DEFAULT_STREAM_EVENTS_PER_SECOND)) }
      : { TALLY_REPORT_CALLS_PER_SECOND: own("TALLY_REPORT_CALLS_PER_SECOND", String(Math.floor(DEFAULT_CALLS_PER_SECOND / workers))) }),
  };
  return {
    env: { ...process.env, ...settings, NODE_ENV: "production", DATABASE_URL: context.databaseUrl, STRIPE_SECRET_KEY: BENCH_STRIPE_KEY, STRIPE_API_URL: context.proxy.url },
    settings,
  };
}

const averageCpu = (samples: TCpuSample[], from: number, until: number): TDrainCpu | undefined => {
  const inside = samples.filter((sample) => sample.at > from && sample.at <= until + SAMPLE_MS / 2);
  if (inside.length === 0) return undefined;
  return Object.fromEntries(DRAIN_CPU_GROUPS.map((group) => [group, inside.reduce((sum, sample) => sum + sample.share[group], 0) / inside.length])) as TDrainCpu;
};

async function drainRun(
  context: TContext,
  options: { label: string; events: number; workers: number; api: "stream" | "v1"; limitSeconds?: number },
): Promise<TDrainRun> {
  const { backlog, groups } = await loadBacklog(context, options.events);
  const range = summaryRange(backlog);
  const before = await readMeterTotals(context.stripe, context.stripeMeterId, context.sampled, range);
  const logOffset = context.meterLog.mark();
  const walStart = await context.bench.readWalPosition();
  const autovacuumsBefore = await context.db.countAutovacuums();
  context.proxy.take();
  const { env, settings } = workerEnv(context, options.workers, options.api);
  log(`${options.label}: ${options.workers} worker(s), ${options.api}${options.limitSeconds ? `, stopped after ${options.limitSeconds} s` : ""}`);

  await context.db.resetStatements();
  const spawned = performance.now();
  const workers = startWorkers(options.workers, env, path.join(LOG_DIR, `workers-${options.label.replace(/[^a-z0-9]+/gi, "-")}.log`));
  running.workers = workers;
  await Promise.race([workers.ready, workers.failed]);
  const startupSeconds = (performance.now() - spawned) / 1000;
  const readyAt = performance.now();
  context.cpu.reset();

  // Progress comes from the workers' pass lines (events claimed by passes that finished, i.e.
  // sent unless retried), so the benchmark adds no query to Postgres's load; once they add up to
  // the backlog, report_lines is checked (and again every few seconds until every event is reported).
  const samples: TCpuSample[] = [];
  const statementSnapshots: { events: number; totals: TStatementTotals }[] = [{ events: 0, totals: await context.db.readStatementTotals(REPORTER_STATEMENTS) }];
  let lastPrint = { at: readyAt, events: 0 };
  let lastExactCheck = 0;
  const deadline = readyAt + (options.limitSeconds ?? config.drainTimeoutSeconds) * 1000;
  while (performance.now() < deadline) {
    await Promise.race([sleep(SAMPLE_MS), workers.failed]);
    const share = context.cpu.measure();
    samples.push({ at: Date.now(), share });
    const passed = workers.stats.claimedEvents;
    const tenth = Math.min(10, Math.floor((passed * 10) / backlog.events));
    if (tenth > statementSnapshots.length - 1) statementSnapshots.push({ events: passed, totals: await context.db.readStatementTotals(REPORTER_STATEMENTS) });
    if (passed >= backlog.events && performance.now() - lastExactCheck >= PRINT_EVERY_MS) {
      lastExactCheck = performance.now();
      if ((await context.db.readProgress()).reported >= backlog.events) break;
    }
    const now = performance.now();
    if (now - lastPrint.at >= PRINT_EVERY_MS) {
      log(
        `  ${((now - readyAt) / 1000).toFixed(0).padStart(4)} s: ${formatInt(passed).padStart(10)} events through finished passes, ` +
          `${formatInt(((passed - lastPrint.events) * 1000) / (now - lastPrint.at)).padStart(7)} events/s | CPU ${describeDrainCpu(share)}`,
      );
      lastPrint = { at: now, events: passed };
    }
  }
  await Promise.race([workers.stop(), workers.failed]);
  running.workers = undefined;
  if (statementSnapshots.length <= 10) statementSnapshots.push({ events: workers.stats.claimedEvents, totals: await context.db.readStatementTotals(REPORTER_STATEMENTS) });
  samples.push({ at: Date.now(), share: context.cpu.measure() });
  const walBytes = await context.bench.walBytesSince(walStart);
  const autovacuums = (await context.db.countAutovacuums()) - autovacuumsBefore;

  const calls = context.proxy.take();
  const statements = await context.db.readTopStatements(TOP_STATEMENTS);
  const timeline = await context.db.readTimeline(backlog.events);
  const tally = await context.db.checkTally(config.windowSeconds);
  const sent = await context.db.readSentLines();
  const stripe = compareWithSent(await context.meterLog.readSince(logOffset), sent);
  const summaries = await compareSummaries(context, before, range);

  const t0 = timeline.firstClaimAt?.getTime() ?? Date.now();
  const tEnd = timeline.lastSentAt?.getTime() ?? t0;
  const drainSeconds = (tEnd - t0) / 1000;
  const deciles: TDecile[] = [];
  let previous = t0;
  for (const [k, at] of timeline.deciles.entries()) {
    if (!at) break;
    const seconds = (at.getTime() - previous) / 1000;
    deciles.push({ toPercent: (k + 1) * 10, seconds, eventsPerSecond: backlog.events / 10 / seconds, cpu: averageCpu(samples, previous, at.getTime()) });
    previous = at.getTime();
  }
  const run: TDrainRun = {
    label: options.label,
    workers: options.workers,
    api: options.api,
    limitSeconds: options.limitSeconds ?? null,
    backlog,
    groups,
    finished: tally.unreported === 0,
    startupSeconds,
    drainSeconds,
    reportedEvents: tally.reportedEvents,
    deciles,
    cpu: averageCpu(samples, t0, tEnd) ?? averageCpu(samples, 0, Date.now()) ?? (Object.fromEntries(DRAIN_CPU_GROUPS.map((g) => [g, 0])) as TDrainCpu),
    calls,
    workerStats: workers.stats,
    workerSettings: settings,
    tally,
    stripe,
    summaries,
    walBytes,
    autovacuums,
    statements,
    statementTenths: statementTenths(statementSnapshots, backlog.events),
  };
  if (!run.finished && !options.limitSeconds) log(`  not drained within ${config.drainTimeoutSeconds} s: stopped`);
  log(
    `  ${formatInt(run.reportedEvents)} events reported in ${drainSeconds.toFixed(1)} s (start-up ${startupSeconds.toFixed(1)} s): ` +
      `${formatInt(run.reportedEvents / drainSeconds)} events/s; ${formatInt(tally.lines.SENT?.lines ?? 0)} meter events for ${formatInt(groups)} groups; ` +
      `Stripe recorded ${formatInt(stripe.recorded)} (${stripe.missing} missing, ${stripe.duplicates + stripe.foreign} duplicated/unknown); summaries ${summaries.matching}/${summaries.checked}`,
  );
  if (workers.stats.errors > 0) log(`  worker errors: ${workers.stats.errors}; first: ${workers.stats.firstErrors[0]}`);
  return run;
}

async function baselineRun(context: TContext): Promise<TBaselineRun> {
  const { backlog, groups } = await loadBacklog(context, config.events);
  const range = summaryRange(backlog);
  const before = await readMeterTotals(context.stripe, context.stripeMeterId, context.sampled, range);
  const logOffset = context.meterLog.mark();
  context.proxy.take();
  log(`Naive baseline: claim by id, one v1 meter event per event, ${config.baselineSeconds} s`);
  const stripeCustomerIds = await context.db.stripeCustomerIds();
  await context.db.resetStatements();
  context.cpu.reset();
  // The checks read the events the baseline marked, before the queue is emptied.
  const { result, cpu, calls, statements, reported, stripe, summaries } = await context.db.withoutReportLineCheck(async () => {
    const result = await runNaiveBaseline({
      databaseUrl: context.databaseUrl,
      stripeApiUrl: context.proxy.url,
      eventName: BENCH_EVENT_NAME,
      stripeCustomerIds,
      seconds: config.baselineSeconds,
      callsPerSecond: DEFAULT_CALLS_PER_SECOND,
      concurrency: 32,
    });
    const cpu = context.cpu.measure();
    const calls = context.proxy.take();
    const statements = await context.db.readTopStatements(TOP_STATEMENTS);
    const reported = await context.db.readReportedEvents(NAIVE_IDENTIFIER_PREFIX);
    const stripe = compareWithSent(await context.meterLog.readSince(logOffset), reported);
    return { result, cpu, calls, statements, reported, stripe, summaries: await compareSummaries(context, before, range) };
  });
  const reportedQuantity = [...reported.values()].reduce((sum, event) => sum + event.value, 0n);
  log(
    `  ${formatInt(result.events)} events in ${result.seconds.toFixed(1)} s: ${formatInt(result.events / result.seconds)} events/s, ${formatInt(result.calls)} calls ` +
      `(${formatInt(result.rateLimited)} × 429); projected ${(backlog.events / (result.events / result.seconds)).toFixed(0)} s for the backlog | CPU ${describeDrainCpu(cpu)}`,
  );
  return { callsPerSecond: DEFAULT_CALLS_PER_SECOND, backlog, groups, result, cpu, calls, statements, reportedQuantity, stripe, summaries };
}

async function cleanup() {
  running.workers?.kill();
  await running.proxy?.close().catch(() => undefined);
  await running.db?.close().catch(() => undefined);
  await running.bench?.close().catch(() => undefined);
  await running.emulator?.stop().catch(() => undefined);
  await running.postgres?.stop().catch(() => undefined);
  if (!config.keepData) rmSync(config.dataDir, { recursive: true, force: true });
}

runBenchmark({ main, cleanup, log, onError: () => console.error(`Worker and emulator logs: ${LOG_DIR}`) });
