// `npm run bench`: ingestion throughput and latency of the production server, from an empty table
// to 10M stored events, against a naive baseline in the same run. Prints figures and writes them
// to tests/bench/results/ingest-<date>.md; it never asserts timings.
//
//   BENCH_QUICK=1 npm run bench                smoke run (200k events, 5 s measurements)
//   BENCH_TARGET_EVENTS=2000000 npm run bench  any other size
//   BENCH_KEEP_DATA=1                          keep the database folder afterwards (removed by default, and before each run)
//   BENCH_FETCH=global                         the client over Node's built-in fetch (default: node:http, cheaper)
//   BENCH_BATCH_CONCURRENCY, BENCH_SINGLE_SECONDS, BENCH_NAIVE_SECONDS, BENCH_USAGE_SECONDS, BENCH_PORT, BENCH_DB_PORT: see config.ts
//
// The plan: start the server (fresh data folder) and create the customers; at the empty table,
// measure single events (Tally, naive), the naive route's batches and the usage endpoint; ingest
// batches to half the target (the first seconds are Tally's batches at the empty table); single
// events again; ingest to the target; then every measurement again, at the full table.
import { rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { TallyClient } from "@/lib/client";
import { readBenchConfig } from "./config";
import { createNodeFetch } from "./node-fetch";
import { CPU_GROUPS, CpuMeter, describeMachine, type TCpuShare } from "./cpu";
import { connectBenchDatabase, type TBenchDatabase } from "./database";
import { batchTask, createLoadResult, errorCount, EventFactory, forMs, mergeLoadResult, runLoad, singleTask, usageTask, type TLoadResult } from "./load";
import { describeCpu, rate, renderReport, type TKind, type TMeasurement, type TPoint, type TSegment, type TSystem } from "./report";
import { startServer, type TServer } from "./server";
import { formatCount, formatErrors, formatInt, formatMs, Samples } from "./stats";

const config = readBenchConfig();
const log = (line: string) => console.log(line);
const NAIVE_PATH = "/api/bench/naive-events";
const EVENTS_PATH = "/api/v1/events";
const USAGE_METER = "api_requests";

let server: TServer | undefined;

async function main() {
  const machine = describeMachine();
  const loadAverageAtStart = os.loadavg();
  log(`Tally ingestion benchmark${config.quick ? " (quick)" : ""}: target ${formatInt(config.targetEvents)} events, batches of ${config.batchSize} × ${config.batchConcurrency} in flight`);
  log(`Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB; load average ${loadAverageAtStart.map((n) => n.toFixed(2)).join(" ")}`);
  log(`Starting the server on :${config.port} (data in ${config.dataDir}, log in ${config.serverLogPath})…`);
  server = await startServer(config, log);
  log(`Server ready at ${server.baseUrl}.`);

  const database = await connectBenchDatabase(server.databaseUrl);
  try {
    await runBenchmark(server, database, { machine, loadAverageAtStart });
  } finally {
    await database.close();
  }
}

async function runBenchmark(server: TServer, database: TBenchDatabase, context: { machine: ReturnType<typeof describeMachine>; loadAverageAtStart: number[] }) {
  const customers = await database.createCustomers(config.customers);
  const postgres = await database.readSettings();
  log(`Created ${customers.length} customers. PostgreSQL ${postgres.version}: ${Object.entries(postgres.settings).map(([k, v]) => `${k}=${v}`).join(", ")}`);

  // No retries: every failure is counted. The transport is the client's `fetch` option (see node-fetch.ts).
  const transport: typeof fetch = config.fetch === "node" ? createNodeFetch({ maxSockets: 64 }) : (input, init) => globalThis.fetch(input, init);
  const clientOptions = { baseUrl: server.baseUrl, apiKey: config.apiKey, timeoutMs: 300_000, maxRetries: 0 };
  const tally = new TallyClient({ ...clientOptions, fetch: transport });
  // The same client, generator and bodies; only the path differs.
  const naive = new TallyClient({ ...clientOptions, fetch: (input, init) => transport(String(input).replace(EVENTS_PATH, NAIVE_PATH), init) });
  const clients: Record<TSystem, TallyClient> = { tally, naive };
  const factory = new EventFactory(customers);
  const cpu = new CpuMeter({ serverPgid: server.pgid, dataDir: config.dataDir });

  // Warm-up: the first requests load each route's code and open the database pool.
  for (const client of [tally, naive]) {
    await runLoad({ concurrency: config.singleClients, proceed: countdown(50), task: singleTask(client, factory) });
    await runLoad({ concurrency: 2, proceed: countdown(2), task: batchTask(client, factory, config.batchSize) });
  }
  await runLoad({ concurrency: config.usageClients, proceed: countdown(50), task: usageTask(tally, factory, USAGE_METER) });
  log(`Warmed up (${formatInt(await database.countEvents())} events stored).`);

  const measurements: TMeasurement[] = [];
  const measure = async (system: TSystem, kind: TKind, point: TPoint) => {
    const concurrency = kind === "batch" ? config.batchConcurrency : kind === "single" ? config.singleClients : config.usageClients;
    const seconds = kind === "usage" ? config.usageSeconds : system === "naive" ? config.naiveSeconds : config.singleSeconds;
    const task =
      kind === "batch" ? batchTask(clients[system], factory, config.batchSize) : kind === "single" ? singleTask(clients[system], factory) : usageTask(tally, factory, USAGE_METER);
    const rowsBefore = await database.countEvents();
    cpu.reset();
    const load = await runLoad({ concurrency, proceed: forMs(seconds * 1000), task });
    const share = cpu.measure();
    const rowsAdded = (await database.countEvents()) - rowsBefore;
    measurements.push({ system, kind, point, concurrency, rowsBefore, rowsAdded, load, cpu: share });
    const [p50, p99] = load.latencies.percentiles(50, 99) as [number, number];
    const unit = kind === "batch" ? "events/s" : "req/s";
    log(
      `  ${system.padEnd(5)} ${kind.padEnd(6)} @ ${formatCount(rowsBefore).padStart(6)} rows: ${formatInt(rate(load, kind)).padStart(7)} ${unit}, ` +
        `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}, errors ${formatErrors(load.errors)}, +${formatInt(rowsAdded)} rows | CPU ${describeCpu(share)}`,
    );
    for (const [kind, message] of load.firstErrors) log(`    first ${kind}: ${message}`);
  };

  const phaseA = createLoadResult();
  const segments: TSegment[] = [];
  const segmentCpu = new CpuMeter({ serverPgid: server.pgid, dataDir: config.dataDir });
  const walStart = await database.readWalPosition();
  const checkpointsStart = await database.readCheckpoints();

  /**
   * Batch ingestion until `stop` (a number of stored events, or seconds from now), printing a row
   * per segment of stored events; its figures are also added to `phaseA`.
   */
  const ingest = async (stop: { events: number } | { seconds: number }): Promise<TLoadResult> => {
    let stored = await database.countEvents();
    let issued = stored;
    const deadline = "seconds" in stop ? performance.now() + stop.seconds * 1000 : Number.POSITIVE_INFINITY;
    const stopAt = "events" in stop ? stop.events : Number.POSITIVE_INFINITY;
    let segment = { from: stored, at: performance.now(), latencies: new Samples() };
    let boundary = (Math.floor(stored / config.segmentEvents) + 1) * config.segmentEvents;
    const closeSegment = () => {
      const seconds = (performance.now() - segment.at) / 1000;
      const share = segmentCpu.measure();
      const [p50, p99] = segment.latencies.percentiles(50, 99) as [number, number];
      const row: TSegment = { storedFrom: segment.from, storedTo: stored, seconds, events: stored - segment.from, p50, p99, cpu: share };
      segments.push(row);
      log(
        `  stored ${formatCount(row.storedTo).padStart(6)}: ${formatInt(row.events / seconds).padStart(7)} events/s, ` +
          `batch p50 ${formatMs(p50)}, p99 ${formatMs(p99)} | CPU ${describeCpu(share)}`,
      );
      segment = { from: stored, at: performance.now(), latencies: new Samples() };
    };
    segmentCpu.reset();
    const part = await runLoad({
      concurrency: config.batchConcurrency,
      proceed: () => {
        if (issued >= stopAt || performance.now() >= deadline) return false;
        issued += config.batchSize;
        return true;
      },
      task: batchTask(tally, factory, config.batchSize),
      onDone: (latency, events) => {
        stored += events;
        segment.latencies.add(latency);
        if (stored >= boundary) {
          closeSegment();
          boundary = (Math.floor(stored / config.segmentEvents) + 1) * config.segmentEvents;
        }
      },
    });
    // The last rows of a part (before a pause) make a short segment of their own.
    if (stored > segment.from) closeSegment();
    if (errorCount(part) > 0) log(`  errors: ${formatErrors(part.errors)}`);
    for (const [kind, message] of part.firstErrors) log(`    first ${kind}: ${message}`);
    mergeLoadResult(phaseA, part);
    return part;
  };

  log("At the empty table:");
  await measure("tally", "single", "empty");
  await measure("naive", "single", "empty");
  await measure("naive", "batch", "empty");
  await measure("tally", "usage", "empty");

  // Tally's batches at the empty table are the first seconds of the batch ingestion itself.
  const rowsBefore = await database.countEvents();
  log(`Batch ingestion from ${formatInt(rowsBefore)} to ${formatInt(config.targetEvents)} stored events (the first ${config.naiveSeconds} s are Tally's "batches at the empty table"):`);
  cpu.reset();
  const first = await ingest({ seconds: config.naiveSeconds });
  const firstCpu = cpu.measure();
  measurements.push({
    system: "tally",
    kind: "batch",
    point: "empty",
    concurrency: config.batchConcurrency,
    rowsBefore,
    rowsAdded: (await database.countEvents()) - rowsBefore,
    load: first,
    cpu: firstCpu,
  });
  await ingest({ events: Math.round(config.targetEvents / 2) });

  log(`At ${formatCount(await database.countEvents())} (paused):`);
  await measure("tally", "single", "half");

  log("Batch ingestion, continued:");
  await ingest({ events: config.targetEvents });
  const walBytes = await database.walBytesSince(walStart);
  const checkpointsEnd = await database.readCheckpoints();

  log(`At ${formatCount(await database.countEvents())}:`);
  await measure("tally", "single", "full");
  await measure("naive", "single", "full");
  await measure("naive", "batch", "full");
  await measure("tally", "batch", "full");
  await measure("tally", "usage", "full");

  // Batch ingestion's CPU: the segments' shares, weighted by their durations.
  const totalSeconds = segments.reduce((sum, s) => sum + s.seconds, 0);
  const phaseACpu = Object.fromEntries(
    CPU_GROUPS.map((group) => [group, segments.reduce((sum, s) => sum + s.cpu[group] * s.seconds, 0) / totalSeconds]),
  ) as TCpuShare;

  const [finalRows, rollupEventCount, sizes, serverErrorLines] = await Promise.all([
    database.countEvents(),
    database.sumRollupEventCounts(),
    database.readSizes(),
    server.readErrorLines(),
  ]);
  const report = renderReport({
    date: new Date(),
    quick: config.quick,
    machine: context.machine,
    loadAverageAtStart: context.loadAverageAtStart,
    postgres,
    poolSize: process.env.DATABASE_POOL_SIZE || "10 (default)",
    customers: customers.length,
    transport: config.fetch === "node" ? "node:http with a keep-alive agent (BENCH_FETCH=node)" : "Node's built-in fetch (BENCH_FETCH=global)",
    batchSize: config.batchSize,
    batchConcurrency: config.batchConcurrency,
    segments,
    phaseA: {
      load: phaseA,
      cpu: phaseACpu,
      walBytes,
      checkpoints:
        checkpointsStart && checkpointsEnd
          ? `${checkpointsEnd.timed - checkpointsStart.timed} timed, ${checkpointsEnd.requested - checkpointsStart.requested} requested`
          : undefined,
    },
    measurements,
    finalRows,
    rollupEventCount,
    sizes,
    serverErrorLines,
  });
  const file = path.join(import.meta.dirname, "results", `ingest-${new Date().toISOString().slice(0, 10)}${config.quick ? "-quick" : ""}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${report}\n`);
  log(`\n${report}\nWritten to ${path.relative(process.cwd(), file)}; server log: ${server.logPath}`);
}

/** True `n` times. */
function countdown(n: number): () => boolean {
  let left = n;
  return () => left-- > 0;
}

// Ctrl-C, `kill`, or an error: the server (and its Postgres) stops with us.
let stopping: Promise<void> | undefined;
const stopServer = () => (stopping ??= server?.stop() ?? Promise.resolve());
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the server…`);
    void stopServer().finally(() => process.exit(130));
  });
}

main()
  .catch((error: unknown) => {
    if (stopping) return; // interrupted: what failed after the server stopped is no news
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopServer();
    // 10M events take ~16 GB of database and WAL; BENCH_KEEP_DATA=1 keeps them to look at.
    if (server && !config.keepData) rmSync(config.dataDir, { recursive: true, force: true });
  });
