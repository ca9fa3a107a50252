// The benchmarks' knobs, from the environment (tests may read process.env directly). Every size
// and duration has a default for the full run; BENCH_QUICK=1 shrinks them for a smoke run.
import os from "node:os";
import path from "node:path";

export type TBenchConfig = {
  quick: boolean;
  /** Stored events Phase A ingests up to (the table also holds what the other phases add). */
  targetEvents: number;
  /** Phase A prints one row per this many stored events. */
  segmentEvents: number;
  batchSize: number;
  batchConcurrency: number;
  customers: number;
  singleClients: number;
  singleSeconds: number;
  naiveSeconds: number;
  usageClients: number;
  usageSeconds: number;
  port: number;
  dbPort: number;
  emulatorPort: number;
  dataDir: string;
  serverLogPath: string;
  apiKey: string;
  /** The client's transport: node:http (default, cheaper for the generator) or the built-in fetch. */
  fetch: "node" | "global";
  /** Keep the data folder (database, WAL) after the run; it is removed by default. */
  keepData: boolean;
};

function integer(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function readBenchConfig(): TBenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const targetEvents = integer("BENCH_TARGET_EVENTS", quick ? 200_000 : 10_000_000);
  const dbPort = integer("BENCH_DB_PORT", 54351);
  return {
    quick,
    targetEvents,
    segmentEvents: integer("BENCH_SEGMENT_EVENTS", Math.max(1_000, Math.round(targetEvents / 10))),
    batchSize: Math.min(1_000, integer("BENCH_BATCH_SIZE", 1_000)),
    batchConcurrency: integer("BENCH_BATCH_CONCURRENCY", 4),
    customers: Math.min(9_999, integer("BENCH_CUSTOMERS", 1_000)),
    singleClients: integer("BENCH_SINGLE_CLIENTS", 10),
    singleSeconds: integer("BENCH_SINGLE_SECONDS", quick ? 5 : 15),
    naiveSeconds: integer("BENCH_NAIVE_SECONDS", quick ? 5 : 15),
    usageClients: integer("BENCH_USAGE_CLIENTS", 10),
    usageSeconds: integer("BENCH_USAGE_SECONDS", quick ? 5 : 10),
    port: integer("BENCH_PORT", 3200),
    dbPort,
    emulatorPort: integer("BENCH_EMULATOR_PORT", dbPort + 1),
    dataDir: path.join(os.tmpdir(), `tally-bench-${dbPort}`),
    serverLogPath: path.join(os.tmpdir(), `tally-bench-${dbPort}.log`),
    apiKey: "tly_bench_0123456789abcdefghijklmnop",
    fetch: process.env.BENCH_FETCH === "global" ? "global" : "node",
    keepData: process.env.BENCH_KEEP_DATA === "1",
  };
}

/** The reporter drain benchmark's knobs (`npm run bench:reporter`, tests/bench/report-drain.ts). */
export type TDrainBenchConfig = {
  quick: boolean;
  customers: number;
  /** The backlog drained by 1, 2 and 4 workers (and the v1 run and the naive baseline). */
  events: number;
  workerCounts: number[];
  /** The large backlog, drained once by `largeWorkers` workers through the stream. */
  largeEvents: number;
  largeWorkers: number;
  /** Events per (customer, meter, window) group on average: the backlog's hours are sized from it. */
  eventsPerGroup: number;
  windowSeconds: number;
  /** The v1 run (time-limited: v1 cannot go past Stripe's 1,000 calls/s). */
  v1Workers: number;
  v1Seconds: number;
  baselineSeconds: number;
  /** A drain that takes longer than this is stopped and reported as unfinished. */
  drainTimeoutSeconds: number;
  /** Customers whose Stripe meter event summaries are compared with their raw events after each run. */
  summaryCustomers: number;
  dbPort: number;
  emulatorPort: number;
  /** The counting proxy between the callers and the emulator. */
  proxyPort: number;
  dataDir: string;
  keepData: boolean;
};

export function readDrainBenchConfig(): TDrainBenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const dbPort = integer("BENCH_DB_PORT", 54361);
  const workerCounts = (process.env.BENCH_WORKERS ?? "1,2,4").split(",").map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1) throw new Error(`BENCH_WORKERS must be a comma-separated list of positive integers, got "${process.env.BENCH_WORKERS}"`);
    return value;
  });
  return {
    quick,
    customers: integer("BENCH_CUSTOMERS", quick ? 1_000 : 10_000),
    events: integer("BENCH_EVENTS", quick ? 100_000 : 1_000_000),
    workerCounts,
    largeEvents: integer("BENCH_LARGE_EVENTS", quick ? 300_000 : 10_000_000),
    largeWorkers: integer("BENCH_LARGE_WORKERS", 2),
    eventsPerGroup: integer("BENCH_EVENTS_PER_GROUP", 10),
    windowSeconds: integer("TALLY_REPORT_WINDOW_SECONDS", 3_600),
    v1Workers: integer("BENCH_V1_WORKERS", 2),
    v1Seconds: integer("BENCH_V1_SECONDS", quick ? 10 : 60),
    baselineSeconds: integer("BENCH_BASELINE_SECONDS", quick ? 10 : 60),
    drainTimeoutSeconds: integer("BENCH_DRAIN_TIMEOUT_SECONDS", quick ? 120 : 1_200),
    summaryCustomers: integer("BENCH_SUMMARY_CUSTOMERS", 100),
    dbPort,
    emulatorPort: integer("BENCH_EMULATOR_PORT", dbPort + 1),
    proxyPort: integer("BENCH_PROXY_PORT", dbPort + 2),
    dataDir: path.join(os.tmpdir(), `tally-bench-reporter-${dbPort}`),
    keepData: process.env.BENCH_KEEP_DATA === "1",
  };
}

/** The SQL source benchmark's knobs (`npm run bench:connectors`, tests/bench/connectors.ts). */
export type TConnectorBenchConfig = {
  quick: boolean;
  /** Rows in the product table: what one run reads (at most a run's cap, SOURCE_LIMITS.maxRows). */
  rows: number;
  customers: number;
  /** The rows' timestamps are spread over the last this many days. */
  days: number;
  /** Rows the naive baseline records (one recordUsageEvents call each); its full-run time is extrapolated. */
  naiveRows: number;
  /** Rows whose quantity changes before the aggregate source's second run, in percent of the table. */
  changedPercent: number;
  dbPort: number;
  dataDir: string;
  keepData: boolean;
};

export function readConnectorBenchConfig(): TConnectorBenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const dbPort = integer("BENCH_DB_PORT", 54391);
  return {
    quick,
    rows: integer("BENCH_ROWS", quick ? 20_000 : 100_000),
    customers: Math.min(9_999, integer("BENCH_CUSTOMERS", 100)),
    days: integer("BENCH_DAYS", 3),
    naiveRows: integer("BENCH_NAIVE_ROWS", quick ? 2_000 : 10_000),
    changedPercent: 1,
    dbPort,
    dataDir: path.join(os.tmpdir(), `tally-bench-connectors-${dbPort}`),
    keepData: process.env.BENCH_KEEP_DATA === "1",
  };
}
