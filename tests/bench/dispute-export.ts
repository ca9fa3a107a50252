// `npm run bench:dispute`: finance's dispute CSV for one customer and one billing period holding
// 1,000,000 events, exported through the service behind GET /api/customers/{id}/dispute.csv
// (streamDisputeCsv: keyset pages read at the consumer's pace, written by lib/csv), against a naive
// baseline in the same run: every row loaded by one query (the same page query, unlimited), then
// the whole file built as one string (toCsvString). Prints rows/s, MB/s, time to first byte and peak
// memory (RSS and JS heap sampled every 20 ms, and the kernel's max RSS) and writes them to
// tests/bench/results/dispute-<date>.md; it never asserts timings.
//
//   BENCH_QUICK=1 npm run bench:dispute   smoke run: 100,000 events
//   BENCH_EVENTS (1,000,000), BENCH_DB_PORT (54381), BENCH_KEEP_DATA=1 (keep the database folder)
//
// The plan: an embedded Postgres (dev profile, as `npm start` runs it; migrated), loaded with the
// dashboard benchmark's SQL (dashboard-data.ts: catalog, a live subscription on a 30-day period,
// events by generate_series) with every event on one customer, then every event marked reported on
// hourly report lines (dispute-data.ts), rollups built, VACUUM ANALYZE. Each export runs in a
// process of its own (this file with `--measure <mode>`), so each peak is its own and an
// out-of-memory baseline cannot take the benchmark down. Both files are hashed: they must be equal.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startMemorySampler, type TMemoryPeaks } from "./memory";
import { startEmbeddedPostgres, type TEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";
import { describeMachine } from "./cpu";
import { createDashboardDatabase, type TDashboardDatabase } from "./dashboard-data";
import { reportEveryEvent } from "./dispute-data";
import { formatBytes, formatInt, formatMs } from "./stats";
import { runBenchmark } from "./run-benchmark";

type TMode = "streamed" | "naive";

type TExport = {
  mode: TMode;
  rows: number;
  bytes: number;
  seconds: number;
  firstByteMs: number;
  sha256: string;
  rssBefore: number;
  peakRss: number;
  /** The kernel's high-water mark for the process (getrusage), module loading included. */
  maxRss: number;
  heapBefore: number;
  peakHeap: number;
  cpuSeconds: number;
  /** RSS when a quarter, half, three quarters and all of the rows were out: flat memory stays level. */
  rssByQuarter: number[];
  /** The summary's time (streamed run only): getDisputeSummaryCsv on the same scope. */
  summaryMs: number | null;
};

type TExportOutcome = { mode: TMode; result: TExport } | { mode: TMode; failed: string };

const SAMPLE_MS = 20;
const quick = process.env.BENCH_QUICK === "1";
const events = positive("BENCH_EVENTS", quick ? 100_000 : 1_000_000);
const dbPort = positive("BENCH_DB_PORT", 54381);
const dataDir = path.join(os.tmpdir(), `tally-bench-dispute-${dbPort}`);
const log = (line: string) => console.log(line);

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw.replaceAll("_", ""));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// One export, in a process of its own (`--measure <mode>`): DATABASE_URL and the scope come from
// the parent's environment; the result is printed as one `RESULT {json}` line.
// ---------------------------------------------------------------------------------------------

async function measure(mode: TMode): Promise<TExport> {
  const customerId = process.env.BENCH_CUSTOMER_ID ?? "";
  const period = { periodStart: new Date(process.env.BENCH_PERIOD_START ?? ""), periodEnd: new Date(process.env.BENCH_PERIOD_END ?? "") };
  const [{ db }, dispute, summary, pages, csv] = await Promise.all([
    import("../../lib/db"),
    import("../../lib/finance/stream-dispute-csv"),
    import("../../lib/finance/get-dispute-summary-csv"),
    import("../../lib/metering/find-usage-events-page"),
    import("../../lib/csv/to-csv-string"),
  ]);
  await db.$queryRaw`SELECT 1`; // the connection, outside the measurement
  const audit = { actor: { kind: "SYSTEM" as const } };

  const memory = startMemorySampler(SAMPLE_MS);
  let peaks: TMemoryPeaks;
  const cpuBefore = process.cpuUsage();
  const hash = createHash("sha256");
  let bytes = 0;
  let lines = 0;
  let firstByteMs = 0;
  const expectedRows = Number(process.env.BENCH_EXPECTED_ROWS ?? "0");
  const rssByQuarter: number[] = [];
  const countLines = (chunk: Uint8Array) => {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
    while (rssByQuarter.length < 4 && lines - 1 >= (expectedRows * (rssByQuarter.length + 1)) / 4) rssByQuarter.push(process.memoryUsage().rss);
  };
  const started = performance.now();
  try {
    if (mode === "streamed") {
      const file = await dispute.streamDisputeCsv({ customerId, period, meter: null, invoiceLineId: null }, { audit, db });
      const reader = file.stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (bytes === 0) firstByteMs = performance.now() - started;
        bytes += value.byteLength;
        hash.update(value);
        countLines(value);
      }
    } else {
      // Everything in one query (the same page query with no page limit), then one string.
      const page = await pages.findUsageEventsPage({ customerId, period, meterId: null, limit: 2_000_000_000 }, db);
      const text = csv.toCsvString(
        dispute.DISPUTE_CSV_COLUMNS,
        page.events.map((event) => ({ event, invoiceLine: null })),
      );
      const body = Buffer.from(text, "utf8");
      firstByteMs = performance.now() - started;
      bytes = body.byteLength;
      hash.update(body);
      countLines(body);
    }
  } finally {
    peaks = memory.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  let summaryMs: number | null = null;
  if (mode === "streamed") {
    const summaryStarted = performance.now();
    await summary.getDisputeSummaryCsv({ customerId, period, meter: null, invoiceLineId: null }, { audit, db });
    summaryMs = performance.now() - summaryStarted;
  }
  await db.$disconnect();
  return {
    mode,
    rows: lines - 1,
    bytes,
    seconds,
    firstByteMs,
    sha256: hash.digest("hex"),
    ...peaks,
    maxRss: process.resourceUsage().maxRSS * 1024,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    rssByQuarter,
    summaryMs,
  };
}

function runExport(mode: TMode, env: Record<string, string>): Promise<TExportOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", import.meta.filename, "--measure", mode],
      { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((candidate) => candidate.startsWith("RESULT "));
        if (line) return resolve({ mode, result: JSON.parse(line.slice("RESULT ".length)) as TExport });
        const reason = /heap out of memory|Reached heap limit/i.test(stderr) ? "ran out of memory (JS heap limit)" : (stderr.trim().split("\n").slice(-3).join(" ") || String(error));
        resolve({ mode, failed: reason });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The benchmark: load, then both exports, then the report.
// ---------------------------------------------------------------------------------------------

let postgres: TEmbeddedPostgres | undefined;
let data: TDashboardDatabase | undefined;

async function main() {
  const machine = describeMachine();
  const loadAtStart = os.loadavg();
  const started = performance.now();
  log(`Tally dispute export benchmark${quick ? " (quick)" : ""}: ${formatInt(events)} events for one customer in one period`);
  log(`Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB, Node ${machine.node}; load average ${loadAtStart.map((n) => n.toFixed(2)).join(" ")}`);

  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  postgres = await startEmbeddedPostgres({ dataDir: path.join(dataDir, "pg"), port: dbPort, profile: "dev", log });
  await postgres.createDatabase("tally");
  const databaseUrl = postgres.url("tally");
  await applyMigrations(databaseUrl);
  data = createDashboardDatabase(databaseUrl);

  // A 30-day period that began 29 days and some hours ago, at a second that is not on the hour.
  const loadNow = new Date();
  const periodStart = new Date(Math.floor(loadNow.getTime() / 3_600_000) * 3_600_000 - 29 * 86_400_000 - 7 * 3_600_000 + (23 * 60 + 17.25) * 1000);
  const period = { periodStart, periodEnd: new Date(periodStart.getTime() + 30 * 86_400_000) };
  const catalog = await data.seedCatalog({ customers: 2, period });
  const customerId = catalog.customerIds[0] as string;
  const eventSeconds = await data.loadEvents({ catalog, events, heavyPercent: 100, from: period.periodStart, until: loadNow });
  const reported = await reportEveryEvent(data.pool, period);
  const { rollupSeconds, vacuumSeconds } = await data.buildRollups();
  const loaded = await data.countRows(customerId);
  log(
    `Loaded ${formatInt(loaded.heavy.events)} events in ${eventSeconds.toFixed(1)} s; reported on ${formatInt(reported.lines)} hourly report lines in ${reported.seconds.toFixed(1)} s; ` +
      `rollups ${rollupSeconds.toFixed(1)} s, VACUUM ANALYZE + CHECKPOINT ${vacuumSeconds.toFixed(1)} s`,
  );

  const env = { DATABASE_URL: databaseUrl, BENCH_EXPECTED_ROWS: String(loaded.heavy.events), BENCH_CUSTOMER_ID: customerId, BENCH_PERIOD_START: period.periodStart.toISOString(), BENCH_PERIOD_END: period.periodEnd.toISOString() };
  const outcomes: TExportOutcome[] = [];
  for (const mode of ["streamed", "naive"] as const) {
    log(`Export: ${mode}…`);
    const outcome = await runExport(mode, env);
    outcomes.push(outcome);
    log(`  ${describe(outcome)}`);
  }
  const [streamed, naive] = outcomes;
  const sameFile = streamed && naive && "result" in streamed && "result" in naive ? streamed.result.sha256 === naive.result.sha256 : null;
  const rowsMatch = streamed && "result" in streamed ? streamed.result.rows === loaded.heavy.events : false;
  log(`Checks: streamed rows = events stored: ${rowsMatch ? "yes" : "NO"}; the two files are byte for byte equal: ${sameFile === null ? "not compared" : sameFile ? "yes" : "NO"}`);

  const report = renderReport({
    date: new Date(),
    machine,
    load: { start: loadAtStart, end: os.loadavg() },
    period,
    events: loaded.heavy.events,
    reportLines: reported.lines,
    outcomes,
    checks: { rowsMatch, sameFile },
    minutes: (performance.now() - started) / 60_000,
  });
  const file = path.join(import.meta.dirname, "results", `dispute-${new Date().toISOString().slice(0, 10)}${quick ? "-quick" : ""}.md`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${report}\n`);
  log(`\n${report}\nWritten to ${path.relative(process.cwd(), file)}.`);
}

function describe(outcome: TExportOutcome): string {
  if ("failed" in outcome) return `${outcome.mode}: did not finish: ${outcome.failed}`;
  const r = outcome.result;
  return (
    `${formatInt(r.rows)} rows, ${formatBytes(r.bytes)} in ${r.seconds.toFixed(2)} s: ${formatInt(r.rows / r.seconds)} rows/s, ${(r.bytes / 2 ** 20 / r.seconds).toFixed(1)} MB/s; ` +
    `first byte after ${formatMs(r.firstByteMs)}; RSS ${formatBytes(r.rssBefore)} before, peak ${formatBytes(r.peakRss)} (max RSS ${formatBytes(r.maxRss)}); ` +
    `JS heap ${formatBytes(r.heapBefore)} before, peak ${formatBytes(r.peakHeap)}; RSS at 25/50/75/100 % of the rows ${quarters(r)}; CPU ${r.cpuSeconds.toFixed(1)} s` +
    (r.summaryMs === null ? "" : `; the summary CSV in ${formatMs(r.summaryMs)}`)
  );
}

const quarters = (r: TExport) => (r.rssByQuarter.length === 0 ? "—" : r.rssByQuarter.map((rss) => formatBytes(rss)).join(" / "));

function renderReport(input: {
  date: Date;
  machine: ReturnType<typeof describeMachine>;
  load: { start: number[]; end: number[] };
  period: { periodStart: Date; periodEnd: Date };
  events: number;
  reportLines: number;
  outcomes: TExportOutcome[];
  checks: { rowsMatch: boolean; sameFile: boolean | null };
  minutes: number;
}): string {
  const { machine } = input;
  const row = (outcome: TExportOutcome) => {
    const label = outcome.mode === "streamed" ? "streamed (`streamDisputeCsv`, pages of 5,000)" : "naive (one query, one string)";
    if ("failed" in outcome) return `| ${label} | did not finish: ${outcome.failed} | | | | | | | |`;
    const r = outcome.result;
    return `| ${label} | ${formatInt(r.rows)} | ${formatInt(r.rows / r.seconds)} | ${(r.bytes / 2 ** 20 / r.seconds).toFixed(1)} | ${formatMs(r.firstByteMs)} | ${formatBytes(r.peakRss)} (${formatBytes(r.peakRss - r.rssBefore)} above start) | ${formatBytes(r.maxRss)} | ${formatBytes(r.peakHeap)} (${formatBytes(r.peakHeap - r.heapBefore)} above start) | ${quarters(r)} |`;
  };
  const streamed = input.outcomes.find((outcome) => outcome.mode === "streamed");
  const summaryMs = streamed && "result" in streamed ? streamed.result.summaryMs : null;
  return [
    `# Dispute export benchmark — ${input.date.toISOString().slice(0, 10)}${quick ? " (quick)" : ""}`,
    "",
    `${formatInt(input.events)} events of one customer in one 30-day period (${input.period.periodStart.toISOString()} – ${input.period.periodEnd.toISOString()}), every one reported on ${formatInt(input.reportLines)} hourly report lines, one in ten with properties; three meters. The file: ${streamed && "result" in streamed ? formatBytes(streamed.result.bytes) : "—"}.`,
    "",
    `Machine: ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GiB, ${machine.os}, Node ${machine.node}. Load average ${input.load.start.map((n) => n.toFixed(2)).join(" ")} at the start, ${input.load.end.map((n) => n.toFixed(2)).join(" ")} at the end (other work shares the machine). Postgres: embedded, dev profile.`,
    "",
    "| export | rows | rows/s | MB/s | first byte | peak RSS (sampled) | max RSS (kernel) | peak JS heap (sampled) | RSS at 25 / 50 / 75 / 100 % of the rows |",
    "|---|---|---|---|---|---|---|---|---|",
    ...input.outcomes.map(row),
    "",
    `Each export ran in a fresh process; the consumer reads as fast as it can (no network), hashing and counting the bytes. RSS and heap were sampled every ${SAMPLE_MS} ms; "max RSS" is the kernel's high-water mark for the whole process, module loading included. The first byte of the naive export is when its whole file exists.`,
    "",
    `Checks: streamed rows = events stored: ${input.checks.rowsMatch ? "yes" : "**no**"}; the two files byte for byte equal (SHA-256): ${input.checks.sameFile === null ? "not compared" : input.checks.sameFile ? "yes" : "**no**"}.`,
    "",
    `The summary CSV (\`getDisputeSummaryCsv\`: rollups + the pricing engine, same scope): ${summaryMs === null ? "—" : formatMs(summaryMs)}.`,
    "",
    ...(quick ? ["Quick smoke run (BENCH_QUICK=1): small numbers, to check the benchmark works; not figures to quote.", ""] : []),
    `Whole benchmark: ${input.minutes.toFixed(1)} minutes, loading included.`,
  ].join("\n");
}

async function cleanup() {
  await data?.close().catch(() => undefined);
  await postgres?.stop().catch(() => undefined);
  if (process.env.BENCH_KEEP_DATA !== "1") rmSync(dataDir, { recursive: true, force: true });
  else log(`Data kept in ${dataDir}.`);
}

const measureAt = process.argv.indexOf("--measure");
if (measureAt !== -1) {
  const mode = process.argv[measureAt + 1] === "naive" ? "naive" : "streamed";
  measure(mode)
    .then((result) => console.log(`RESULT ${JSON.stringify(result)}`))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    });
} else {
  runBenchmark({ main, cleanup, log });
}
