// The dashboard benchmark's report (tests/bench/results/dashboard-<date>.md): figures only, nothing
// here judges them.
import type { describeMachine } from "./cpu";
import type { TPostgresSettings, TRelationSize } from "./database";
import type { TLoadedData } from "./dashboard-data";
import { formatBytes, formatInt, formatMs, formatRatio } from "./stats";

/** The operations measured per call, on the same customer. */
export const READ_OPS = ["dashboard", "rollups", "naive", "plans"] as const;
export type TReadOp = (typeof READ_OPS)[number];

const READ_OP_LABELS: Record<TReadOp, string> = {
  dashboard: "`getUsageDashboard` (the usage page)",
  rollups: "its totals + daily series alone (`findMeterUsage` + `findDailyUsageRows`)",
  naive: "naive baseline: the same from `usage_events`",
  plans: "`findPlanOptions` (the plans page)",
};

export type TCpuShare = { postgres: number; bench: number; other: number };
export type TFigures = { calls: number; p50: number; p95: number; max: number };

export type TReadSet = {
  customers: "heavy" | "typical";
  figures: Record<TReadOp, TFigures>;
  /** Events the naive query aggregated per call, on average. */
  naiveEventsPerCall: number;
  cpu: TCpuShare;
};

export type TAlertPassResult = {
  label: string;
  /** Customers that received an event before each pass (all of them for the catch-up pass). */
  customers: number;
  /** Of the K customers, how many had already reached the meter's highest threshold (on average per pass). */
  pastHighestThreshold: number;
  figures: TFigures;
  /** The ingestion statement that wrote the K events and their rollups (not part of the pass). */
  ingest: TFigures | null;
  alertsRecorded: number;
  cpu: TCpuShare;
};

export type TCsvResult = {
  customers: "heavy" | "typical";
  rows: number;
  bytes: number;
  seconds: number;
  firstByteMs: number;
  rssBefore: number;
  peakRss: number;
  /** JS heap used after a full GC before the download, its peak while streaming, and after a full GC once done. */
  heapBefore: number;
  peakHeap: number;
  heapAfter: number;
  cpu: TCpuShare;
};

export type TExplained = {
  title: string;
  callMs: number;
  /** Statements the call sent, how many could be explained, and Postgres's execution time summed over those. */
  statements: number;
  explainedStatements: number;
  executionMs: number;
  /** The statement Postgres spent the most time on, and its plan. */
  statement: string;
  params: unknown[];
  statementMs: number;
  plan: string;
};

export type TDashboardReportInput = {
  date: Date;
  quick: boolean;
  machine: ReturnType<typeof describeMachine>;
  loadAverage: { start: number[]; end: number[] };
  othersAtStart: string[];
  othersAtEnd: string[];
  postgres: TPostgresSettings;
  readSettings: Record<string, string>;
  data: { customers: number; heavyPercent: number; period: { periodStart: Date; periodEnd: Date }; loaded: TLoadedData; rollupsMatch: boolean; sizes: TRelationSize[] };
  calls: number;
  warmup: number;
  reads: TReadSet[];
  checks: { compared: number; mismatched: number; firstMismatch: string | null };
  alerts: TAlertPassResult[];
  csv: TCsvResult[] | { skipped: string };
  explained: TExplained[];
  notes: string[];
};

const cpuCell = (cpu: TCpuShare) => `${cpu.postgres.toFixed(2)} / ${cpu.bench.toFixed(2)} / ${cpu.other.toFixed(2)}`;
const loadAverage = (values: number[]) => values.map((value) => value.toFixed(2)).join(" / ");

export function renderDashboardReport(input: TDashboardReportInput): string {
  const { machine, data } = input;
  const { loaded } = data;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push(
    `# Dashboard read path benchmark — ${input.date.toISOString().slice(0, 10)}${input.quick ? " (quick)" : ""}`,
    "",
    `\`npm run bench:dashboard\` (tests/bench/dashboard.ts). ${machine.cpus} × ${machine.model}, ${(machine.memory / 2 ** 30).toFixed(1)} GB RAM, ${machine.os}, Node ${machine.node}. ` +
      `Load average at start ${loadAverage(input.loadAverage.start)}, at the end ${loadAverage(input.loadAverage.end)}. Postgres and the benchmark share the machine; ` +
      "the services run in the benchmark's process with the app's Prisma client (adapter-pg), one call at a time.",
    "",
  );
  if (input.othersAtStart.length > 0 || input.othersAtEnd.length > 0) {
    push("Other processes busy on the machine (top, one second):", "");
    for (const line of input.othersAtStart) push(`- at the start: ${line}`);
    for (const line of input.othersAtEnd) push(`- at the end: ${line}`);
    push("");
  }
  push(
    `PostgreSQL ${input.postgres.version} (embedded, dev profile): ${Object.entries({ ...input.postgres.settings, ...input.readSettings })
      .map(([key, value]) => `${key}=${value}`)
      .join(", ")}.`,
    "",
    "## Data",
    "",
    `- ${formatInt(loaded.events)} usage events in one 30-day period (${data.period.periodStart.toISOString()} – ${data.period.periodEnd.toISOString()}, ` +
      "starting at a second that is not on the hour, so the page reads the first partial hour from raw events), in time order up to the load, none claimed by the reporter yet;",
    `- ${formatInt(data.customers)} customers, each with a live subscription on one of three plans; the heavy customer has ${formatInt(loaded.heavy.events)} events ` +
      `(${data.heavyPercent} %), a typical one ${formatInt(loaded.typical.events)} on average;`,
    "- 3 meters: API calls (SUM, 60 % of events, graduated above the included quantity), storage (SUM, 30 %, per unit), seats (LAST, 10 %, per unit);",
    `- ${formatInt(loaded.rollups)} hourly rollup rows (heavy customer ${formatInt(loaded.heavy.rollups)}, a typical one ${formatInt(loaded.typical.rollups)}), ` +
      `built in one INSERT … SELECT … GROUP BY in hour order; Σ event_count ${data.rollupsMatch ? "equals" : "does NOT equal"} the number of events;`,
    `- loaded in ${loaded.seconds.events.toFixed(0)} s (${formatInt(loaded.events / loaded.seconds.events)} rows/s, INSERT … SELECT generate_series in chunks of 1M), ` +
      `rollups ${loaded.seconds.rollups.toFixed(0)} s, VACUUM ANALYZE + CHECKPOINT ${loaded.seconds.vacuum.toFixed(0)} s.`,
    "",
    "| relation | size |",
    "|---|---:|",
    ...data.sizes.map((size) => `| ${size.relation} | ${formatBytes(size.bytes)} |`),
    "",
    `## Reads: ${input.calls} calls per row after ${input.warmup} warm-up calls`,
    "",
    "Each call runs the four operations on the same customer, one after the other, in an order that rotates from call to call; " +
      "typical customers are drawn at random (a different one each call). CPU is cores used on average during the set: Postgres / benchmark / other processes.",
    "",
    "| operation | customer | p50 | p95 | max |",
    "|---|---|---:|---:|---:|",
  );
  for (const op of READ_OPS) {
    for (const set of input.reads) {
      const figures = set.figures[op];
      push(`| ${READ_OP_LABELS[op]} | ${set.customers} | ${formatMs(figures.p50)} | ${formatMs(figures.p95)} | ${formatMs(figures.max)} |`);
    }
  }
  push(
    "",
    "Against the naive baseline (same run, same customers, same client):",
    "",
    "| customer | events per naive call | naive p50 / p95 | rollup reads p50 / p95 | naive ÷ rollup reads (p50) | whole page p50 / p95 | naive ÷ whole page (p50) | CPU during the set |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const set of input.reads) {
    const { naive, rollups, dashboard } = set.figures;
    push(
      `| ${set.customers} | ${formatInt(set.naiveEventsPerCall)} | ${formatMs(naive.p50)} / ${formatMs(naive.p95)} | ${formatMs(rollups.p50)} / ${formatMs(rollups.p95)} | ${formatRatio(naive.p50, rollups.p50)} | ` +
        `${formatMs(dashboard.p50)} / ${formatMs(dashboard.p95)} | ${formatRatio(naive.p50, dashboard.p50)} | ${cpuCell(set.cpu)} |`,
    );
  }
  push(
    "",
    input.checks.mismatched === 0
      ? `Check: in all ${input.checks.compared} measured calls the rollup reads' daily series (quantity and event count per meter and UTC day) equal the naive query's.`
      : `Check: **${input.checks.mismatched} of ${input.checks.compared} calls differ** between rollups and raw events; first: ${input.checks.firstMismatch}.`,
    "",
    "## Quota alert worker passes (`evaluateUsageAlerts`)",
    "",
    "One pass is one transaction: the advisory lock, the cursor, the rollups written since it (minus an overlap) through the BRIN index on " +
      "`updated_at`, each touched (customer, meter)'s usage in its period (rollups + edge-hour events), the alerts recorded and their notifications queued " +
      "(no members or webhook endpoints here, so none). Before each measured pass K customers drawn at random each received one API-calls event " +
      "through the ingestion statement (`insertUsageEvents`: the event and its rollup), after the benchmark's earlier writes were dated back and the cursor set to now, " +
      "so that the pass reads exactly those K (customer, meter) pairs whatever its overlap; a pair whose highest threshold already fired this period is skipped by the pass. One warm-up pass per row.",
    "",
    "| pass | passes | p50 | p95 | max | of the K, past their highest threshold | alerts recorded | ingestion of the K events, p50 | CPU |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...input.alerts.map(
      (pass) =>
        `| ${pass.label} | ${pass.figures.calls} | ${formatMs(pass.figures.p50)} | ${formatMs(pass.figures.p95)} | ${formatMs(pass.figures.max)} | ` +
        `${pass.ingest ? formatInt(pass.pastHighestThreshold) : "—"} | ${formatInt(pass.alertsRecorded)} | ` +
        `${pass.ingest ? formatMs(pass.ingest.p50) : "—"} | ${cpuCell(pass.cpu)} |`,
    ),
    "",
    "## Events CSV download (`streamUsageEventsCsv`, behind `GET /api/customers/{id}/events.csv`)",
    "",
  );
  if ("skipped" in input.csv) {
    push(`Skipped: ${input.csv.skipped}`);
  } else {
    push(
      "The current period of the customer, every meter, consumed as fast as the benchmark can read the stream (no HTTP, no session: the route is a thin wrapper). " +
        "RSS and JS heap are this process's, sampled every 20 ms while streaming, from a heap just collected; the heap is collected again after the download " +
        "(what it kept). One warm-up download first.",
      "",
      "| customer | rows | size | seconds | rows/s | MB/s | first byte | RSS before → peak | JS heap before → peak → after GC | CPU |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...input.csv.map(
        (run) =>
          `| ${run.customers} | ${formatInt(run.rows)} | ${formatBytes(run.bytes)} | ${run.seconds.toFixed(2)} | ${formatInt(run.rows / run.seconds)} | ${(run.bytes / 2 ** 20 / run.seconds).toFixed(1)} | ` +
          `${formatMs(run.firstByteMs)} | ${formatBytes(run.rssBefore)} → ${formatBytes(run.peakRss)} | ${formatBytes(run.heapBefore)} → ${formatBytes(run.peakHeap)} → ${formatBytes(run.heapAfter)} | ${cpuCell(run.cpu)} |`,
      ),
    );
  }
  push(
    "",
    "## Where the time goes",
    "",
    "Each operation once more (after a warm call) through a client that logs its statements; every statement explained with the parameters it was sent with " +
      "(EXPLAIN (ANALYZE, BUFFERS), in a transaction rolled back). Postgres's execution time summed over the statements, against the call: the rest is round trips, " +
      "Prisma and the service's own work (EXPLAIN ANALYZE's own timing inflates the execution times somewhat).",
    "",
    "| operation | call | statements | Postgres execution, all statements | the costliest statement |",
    "|---|---:|---:|---:|---:|",
    ...input.explained.map(
      (item) =>
        `| ${item.title} | ${formatMs(item.callMs)} | ${item.statements}${item.explainedStatements < item.statements ? ` (${item.explainedStatements} explained)` : ""} | ` +
        `${formatMs(item.executionMs)} | ${formatMs(item.statementMs)} |`,
    ),
    "",
  );
  for (const item of input.explained) {
    push(
      `### ${item.title}: the costliest statement (${formatMs(item.statementMs)})`,
      "",
      `Parameters: \`${JSON.stringify(item.params).slice(0, 300)}\``,
      "",
      "```sql",
      item.statement.trim().replace(/\n {4}/g, "\n"),
      "```",
      "",
      "```",
      item.plan,
      "```",
      "",
    );
  }
  if (input.notes.length > 0) push("## Notes", "", ...input.notes.map((note) => `- ${note}`));
  return lines.join("\n");
}
