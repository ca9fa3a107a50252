// The benchmark's report: one Markdown document (printed, and written to tests/bench/results/),
// ready to paste into the README. It states the machine and the Postgres settings, because the
// figures mean nothing without them.
import { CPU_GROUPS, type TCpuShare } from "./cpu";
import type { TPostgresSettings, TRelationSize } from "./database";
import { errorCount, type TLoadResult } from "./load";
import { formatBytes, formatCount, formatErrors, formatInt, formatMs, formatRatio } from "./stats";

export type TPoint = "empty" | "half" | "full";
export type TSystem = "tally" | "naive";
export type TKind = "single" | "batch" | "usage";

export type TMeasurement = {
  system: TSystem;
  kind: TKind;
  point: TPoint;
  concurrency: number;
  /** usage_events rows when it started, and how many it added (counted in the database). */
  rowsBefore: number;
  rowsAdded: number;
  load: TLoadResult;
  cpu: TCpuShare;
};

export type TSegment = {
  storedFrom: number;
  storedTo: number;
  seconds: number;
  events: number;
  p50: number;
  p99: number;
  cpu: TCpuShare;
};

export type TReportData = {
  date: Date;
  quick: boolean;
  machine: { cpus: number; model: string; memory: number; os: string; node: string };
  loadAverageAtStart: number[];
  postgres: TPostgresSettings;
  poolSize: string;
  customers: number;
  transport: string;
  batchSize: number;
  batchConcurrency: number;
  segments: TSegment[];
  /** All of the batch ingestion (both halves, without the pauses between them). */
  phaseA: { load: TLoadResult; cpu: TCpuShare; walBytes: number | undefined; checkpoints: string | undefined };
  measurements: TMeasurement[];
  finalRows: number;
  rollupEventCount: number;
  sizes: TRelationSize[];
  serverErrorLines: string[];
};

const POINT_LABEL: Record<TPoint, string> = { empty: "empty", half: "half", full: "full" };

export const cores = (value: number): string => value.toFixed(2);

export const describeCpu = (cpu: TCpuShare): string =>
  `next ${cores(cpu.next)} · postgres ${cores(cpu.postgres)} · generator ${cores(cpu.generator)} · other ${cores(cpu["server-other"] + cpu.other)}`;

export function rate(load: TLoadResult, kind: TKind): number {
  const seconds = load.elapsedMs / 1000;
  return (kind === "batch" ? load.events : load.requests - errorCount(load)) / seconds;
}

function rowLabel(measurement: TMeasurement | undefined, point: TPoint): string {
  return measurement ? `${POINT_LABEL[point]} (${formatCount(measurement.rowsBefore)} rows)` : POINT_LABEL[point];
}

export function renderReport(data: TReportData): string {
  const find = (system: TSystem, kind: TKind, point: TPoint) =>
    data.measurements.find((m) => m.system === system && m.kind === kind && m.point === point);
  const { settings } = data.postgres;
  const phaseA = data.phaseA.load;
  const phaseASeconds = phaseA.elapsedMs / 1000;
  const [phaseAP50, phaseAP99] = phaseA.latencies.percentiles(50, 99) as [number, number];
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);

  push(
    `# Ingestion benchmark — ${data.date.toISOString().slice(0, 10)}${data.quick ? " (quick smoke run)" : ""}`,
    "",
    `Machine: ${data.machine.cpus} × ${data.machine.model}, ${formatBytes(data.machine.memory)} RAM, ${data.machine.os}, Node ${data.machine.node}; ` +
      `load average at start ${data.loadAverageAtStart.map((n) => n.toFixed(2)).join(" / ")}. ` +
      "The load generator, the app and Postgres share the machine.",
    "",
    `App: the production build (\`next start\`, one process) started as \`npm start\` starts it; DATABASE_POOL_SIZE ${data.poolSize}; ` +
      `${data.customers.toLocaleString("en-US")} customers; events on two SUM meters, timestamps spread over the last 2 hours, random UUID keys. ` +
      `Load: Tally's TypeScript client (lib/client), no retries, over ${data.transport}.`,
    "",
    `PostgreSQL ${data.postgres.version} (embedded, dev profile): shared_buffers ${settings.shared_buffers}, max_wal_size ${settings.max_wal_size}, ` +
      `wal_buffers ${settings.wal_buffers}, wal_compression ${settings.wal_compression}, synchronous_commit ${settings.synchronous_commit}, ` +
      `fsync ${settings.fsync}, full_page_writes ${settings.full_page_writes}, checkpoint_timeout ${settings.checkpoint_timeout}.`,
    "",
    "CPU columns are cores in use on average (2.00 = both cores busy): the Next.js server, Postgres, the load generator (this process), everything else.",
    "",
  );

  push(
    `## Batch ingestion: ${formatInt(data.batchSize)} events per request, ${data.batchConcurrency} in flight (\`recordEvents\`)`,
    "",
    "| stored events | events/s | batch p50 | batch p99 | CPU (next · postgres · generator · other) |",
    "|---:|---:|---:|---:|---|",
    ...data.segments.map(
      (s) =>
        `| ${formatCount(s.storedFrom)} → ${formatCount(s.storedTo)} | ${formatInt(s.events / s.seconds)} | ${formatMs(s.p50)} | ${formatMs(s.p99)} | ${describeCpu(s.cpu)} |`,
    ),
    `| **overall** | **${formatInt(phaseA.events / phaseASeconds)}** | ${formatMs(phaseAP50)} | ${formatMs(phaseAP99)} | ${describeCpu(data.phaseA.cpu)} |`,
    "",
    `${formatInt(phaseA.events)} events in ${phaseASeconds.toFixed(0)} s of batch ingestion (pauses for the other measurements excluded), ` +
      `${formatInt(phaseA.requests)} requests, errors: ${formatErrors(phaseA.errors)}. ` +
      `Load generator: ${(data.phaseA.cpu.generator * 100).toFixed(0)} % of one core.` +
      (data.phaseA.walBytes === undefined ? "" : ` WAL written: ${formatBytes(data.phaseA.walBytes)} (${formatInt(data.phaseA.walBytes / phaseA.events)} bytes/event).`) +
      (data.phaseA.checkpoints ? ` Checkpoints during the run: ${data.phaseA.checkpoints}.` : ""),
    "",
  );

  const side = (kind: TKind, heading: string, unit: string) => {
    push(
      heading,
      "",
      `| table | Tally ${unit} | p50 | p99 | errors | naive ${unit} | p50 | p99 | errors | Tally ÷ naive |`,
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const point of ["empty", "half", "full"] as const) {
      const tally = find("tally", kind, point);
      const naive = find("naive", kind, point);
      if (!tally && !naive) continue;
      const cells = (m: TMeasurement | undefined) => {
        if (!m) return ["—", "—", "—", "—"];
        const [p50, p99] = m.load.latencies.percentiles(50, 99) as [number, number];
        return [formatInt(rate(m.load, kind)), formatMs(p50), formatMs(p99), formatErrors(m.load.errors)];
      };
      const ratio = tally && naive ? formatRatio(rate(tally.load, kind), rate(naive.load, kind)) : "—";
      push(`| ${rowLabel(tally ?? naive, point)} | ${[...cells(tally), ...cells(naive)].join(" | ")} | ${ratio} |`);
    }
    push("");
  };
  const singleClients = find("tally", "single", "empty")?.concurrency ?? 10;
  side("single", `## Single events: ${singleClients} concurrent clients (\`recordEvent\`), Tally vs the naive route`, "req/s");
  side("batch", `## Batches of ${formatInt(data.batchSize)}: ${data.batchConcurrency} in flight, fixed time, Tally vs the naive route`, "events/s");
  push(
    "The naive route (`/api/bench/naive-events`, enabled by TALLY_BENCH_ROUTES=1) takes the same body and answers the same way, but per event",
    "looks up the customer and the meter, upserts the event and upserts its rollup with Prisma, one call at a time, without a transaction.",
    "",
  );

  const usage = data.measurements.filter((m) => m.kind === "usage");
  if (usage.length > 0) {
    push(
      `## Usage endpoint: ${usage[0]?.concurrency} concurrent clients (\`getUsage(customer, { meter })\`, reads hourly rollups)`,
      "",
      "| table | req/s | p50 | p99 | errors |",
      "|---|---:|---:|---:|---:|",
      ...usage.map((m) => {
        const [p50, p99] = m.load.latencies.percentiles(50, 99) as [number, number];
        return `| ${rowLabel(m, m.point)} | ${formatInt(rate(m.load, "usage"))} | ${formatMs(p50)} | ${formatMs(p99)} | ${formatErrors(m.load.errors)} |`;
      }),
      "",
    );
  }

  push(
    "## Where the CPU went",
    "",
    "| measurement | table | next | postgres | generator | other | total |",
    "|---|---|---:|---:|---:|---:|---:|",
    ...data.measurements.map((m) => {
      const total = CPU_GROUPS.reduce((sum, group) => sum + m.cpu[group], 0);
      return `| ${m.system} ${m.kind} | ${formatCount(m.rowsBefore)} | ${cores(m.cpu.next)} | ${cores(m.cpu.postgres)} | ${cores(m.cpu.generator)} | ${cores(m.cpu["server-other"] + m.cpu.other)} | ${cores(total)} |`;
    }),
    `| batch ingestion (all of it) | ${formatCount(data.segments[0]?.storedFrom ?? 0)} → ${formatCount(data.segments.at(-1)?.storedTo ?? 0)} | ${cores(data.phaseA.cpu.next)} | ${cores(data.phaseA.cpu.postgres)} | ${cores(data.phaseA.cpu.generator)} | ${cores(data.phaseA.cpu["server-other"] + data.phaseA.cpu.other)} | ${cores(CPU_GROUPS.reduce((sum, group) => sum + data.phaseA.cpu[group], 0))} |`,
    "",
  );

  push(
    `## Storage at ${formatInt(data.finalRows)} events`,
    "",
    "| relation | size |",
    "|---|---:|",
    ...data.sizes.map((size) => `| ${size.relation} | ${formatBytes(size.bytes)} |`),
    "",
    `Σ usage_rollups.event_count = ${formatInt(data.rollupEventCount)} (usage_events rows: ${formatInt(data.finalRows)}).`,
    "",
  );

  const failures = data.measurements.filter((m) => errorCount(m.load) > 0);
  push("## Errors", "");
  if (failures.length === 0 && errorCount(phaseA) === 0 && data.serverErrorLines.length === 0) {
    push("None: every request succeeded, and the server logged no error.", "");
  } else {
    for (const m of failures) {
      for (const [kind, message] of m.load.firstErrors) push(`- ${m.system} ${m.kind} at ${formatCount(m.rowsBefore)}: ${m.load.errors.get(kind)} × ${kind}; first: ${message}`);
    }
    for (const [kind, message] of phaseA.firstErrors) push(`- batch ingestion: ${phaseA.errors.get(kind)} × ${kind}; first: ${message}`);
    if (data.serverErrorLines.length > 0) {
      push("", "Server log (first lines):", "", "```", ...data.serverErrorLines.slice(0, 40), "```");
    }
    push("");
  }
  return lines.join("\n");
}
