// The benchmark's knobs, from the environment (tests may read process.env directly). Every size
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
