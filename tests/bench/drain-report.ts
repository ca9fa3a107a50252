// The reporter benchmark's report: one Markdown document (printed, and written to
// tests/bench/results/reporter-<date>.md). Figures only, and the targets of the issue with whether
// each was met; it never asserts.
import type { TPostgresSettings, TRelationSize } from "./database";
import type { TBacklog, TStatementStats, TTallyChecks } from "./drain-data";
import type { TBaselineResult } from "./drain-baseline";
import type { TWorkerStats } from "./drain-processes";
import type { TEmulatorLimits, TStripeComparison } from "./drain-stripe";
import { sumCalls, type TCalls } from "./call-counter";
import { formatBytes, formatCount, formatInt, formatMs } from "./stats";

export type TDrainCpuGroup = "postgres" | "workers" | "emulator" | "bench" | "other";
export const DRAIN_CPU_GROUPS: readonly TDrainCpuGroup[] = ["postgres", "workers", "emulator", "bench", "other"];
export type TDrainCpu = Record<TDrainCpuGroup, number>;

export const STREAM_PATH = "/v2/billing/meter_event_stream";
export const V1_PATH = "/v1/billing/meter_events";
const SESSION_PATH = "/v2/billing/meter_event_session";

export type TDecile = { toPercent: number; seconds: number; eventsPerSecond: number; cpu: TDrainCpu | undefined };

/** Stripe's meter event summaries for the sampled customers, before and after, against the raw events. */
export type TSummaryCheck = { checked: number; matching: number; firstMismatch: string | null };

export type TDrainRun = {
  label: string;
  workers: number;
  api: "stream" | "v1";
  /** Stopped after this many seconds (the v1 run), or drained to the end (null). */
  limitSeconds: number | null;
  backlog: TBacklog;
  groups: number;
  finished: boolean;
  /** From spawning the workers to all of them ready (not part of the drain time). */
  startupSeconds: number;
  /** From the first claim to the last line marked sent. */
  drainSeconds: number;
  reportedEvents: number;
  deciles: TDecile[];
  cpu: TDrainCpu;
  calls: TCalls;
  workerStats: TWorkerStats;
  workerSettings: Record<string, string>;
  tally: TTallyChecks;
  stripe: TStripeComparison;
  summaries: TSummaryCheck;
  walBytes: number;
  /** Autovacuums of usage_events that finished during the run. */
  autovacuums: number;
  /** The costliest statements of the run (pg_stat_statements). */
  statements: TStatementStats[];
  /** The reporter's claim, tag and mark statements per tenth of the backlog. */
  statementTenths: TStatementTenth[];
};

/** Postgres execution time per event of the claim (lock), tag and mark statements in one tenth of a drain. */
export type TStatementTenth = { toPercent: number; claimUs: number; tagUs: number; markUs: number };

export type TBaselineRun = {
  /** The pace the loop keeps (calls/s), and the account's limit. */
  callsPerSecond: number;
  backlog: TBacklog;
  groups: number;
  result: TBaselineResult;
  cpu: TDrainCpu;
  calls: TCalls;
  reportedQuantity: bigint;
  stripe: TStripeComparison;
  summaries: TSummaryCheck;
  statements: TStatementStats[];
};

export type TDrainReportData = {
  date: Date;
  quick: boolean;
  machine: { cpus: number; model: string; memory: number; os: string; node: string };
  loadAverageAtStart: number[];
  postgres: TPostgresSettings;
  limits: TEmulatorLimits;
  customers: number;
  eventsPerGroup: number;
  windowSeconds: number;
  setupSeconds: { customers: number };
  runs: TDrainRun[];
  baseline: TBaselineRun | undefined;
  /** The run the 40,000 events/s target is judged on (2 workers, stream), and the large one. */
  targetRun: TDrainRun | undefined;
  largeRun: TDrainRun | undefined;
  sizes: TRelationSize[];
  notes: string[];
};

const cores = (value: number): string => value.toFixed(2);
export const describeDrainCpu = (cpu: TDrainCpu): string =>
  `postgres ${cores(cpu.postgres)} · workers ${cores(cpu.workers)} · emulator ${cores(cpu.emulator)} · bench ${cores(cpu.bench)} · other ${cores(cpu.other)}`;

const meterEventCalls = (calls: TCalls) => sumCalls(calls.counts, STREAM_PATH) + sumCalls(calls.counts, V1_PATH);
const refusedCalls = (calls: TCalls) => sumCalls(calls.counts, STREAM_PATH, 429) + sumCalls(calls.counts, V1_PATH, 429);
/** p50 / p99 of the meter event calls, through the proxy. */
const callLatency = (calls: TCalls, api: "stream" | "v1") => {
  const [p50, p99] = calls.latencies.get(`POST ${api === "stream" ? STREAM_PATH : V1_PATH}`)?.percentiles(50, 99) ?? [Number.NaN, Number.NaN];
  return `${formatMs(p50 as number)} / ${formatMs(p99 as number)}`;
};
const sentLines = (run: TDrainRun) => run.tally.lines.SENT?.lines ?? 0;
const ratio = (a: number, b: number, digits = 3) => (b > 0 ? (a / b).toFixed(digits) : "—");
const eventsPerSecond = (run: TDrainRun) => (run.drainSeconds > 0 ? run.reportedEvents / run.drainSeconds : Number.NaN);

/** Events lost (never reported, or marked sent but not in Stripe) and meter events duplicated. */
export function lostAndDuplicated(run: TDrainRun): { lost: number; duplicated: number; valueDifference: bigint } {
  const lost = (run.finished ? run.tally.unreported : 0) + run.stripe.missingEvents + run.tally.reportedWithoutSentLine;
  const duplicated = run.stripe.duplicates + run.stripe.foreign;
  return { lost, duplicated, valueDifference: run.stripe.recordedValue - run.tally.reportedQuantity };
}

/** Every decile within 20 % of the run's median decile. */
export function flatness(run: TDrainRun): { flat: boolean; min: number; median: number; max: number } {
  const rates = run.deciles.map((decile) => decile.eventsPerSecond).filter(Number.isFinite);
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const min = sorted[0] ?? Number.NaN;
  const max = sorted.at(-1) ?? Number.NaN;
  return { flat: rates.length === 10 && min >= 0.8 * median && max <= 1.2 * median, min, median, max };
}

const yes = (met: boolean) => (met ? "**met**" : "**not met**");

export function renderDrainReport(data: TDrainReportData): string {
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  const { settings } = data.postgres;

  push(
    `# Reporter drain benchmark — ${data.date.toISOString().slice(0, 10)}${data.quick ? " (quick smoke run)" : ""}`,
    "",
    `Machine: ${data.machine.cpus} × ${data.machine.model}, ${formatBytes(data.machine.memory)} RAM, ${data.machine.os}, Node ${data.machine.node}; ` +
      `load average at start ${data.loadAverageAtStart.map((n) => n.toFixed(2)).join(" / ")}. Postgres, the workers, the Stripe emulator and the benchmark share the machine.`,
    "",
    `PostgreSQL ${data.postgres.version} (embedded, dev profile): shared_buffers ${settings.shared_buffers}, max_wal_size ${settings.max_wal_size}, ` +
      `wal_buffers ${settings.wal_buffers}, wal_compression ${settings.wal_compression}, synchronous_commit ${settings.synchronous_commit}, fsync ${settings.fsync}, ` +
      `checkpoint_timeout ${settings.checkpoint_timeout}.`,
    "",
    `Stripe: the emulator (\`tools/stripe-emulator/main.ts\`, its own process, state in a temporary folder) with live mode's limits set through ` +
      `POST /_emulator/config: ${formatInt(data.limits.meterEventsPerSecond)} v1 meter event calls/s, ` +
      `${data.limits.meterEventConcurrencyPerCustomer ? "one call in flight per customer and meter" : "no per-customer concurrency limit"}, ` +
      `${formatInt(data.limits.meterEventStreamEventsPerSecond)} stream events/s (a call of 100 events counts 100). ` +
      "Every call from the workers and the baseline goes through a counting proxy in the benchmark process, so calls are counted as made (429s included).",
    "",
    `Workload: ${formatInt(data.customers)} customers (created in the emulator through the SDK in ${data.setupSeconds.customers.toFixed(0)} s), each with a live subscription; ` +
      `one SUM meter; quantities 1–10; events written straight into usage_events in time order (ids grow with occurred_at, as ingestion leaves them), ` +
      `each on a pseudo-random customer, spread evenly over as many hours as give ${data.eventsPerGroup} events per (customer, meter, ${data.windowSeconds / 60}-minute window) on average, ` +
      "all windows closed; then VACUUM ANALYZE and CHECKPOINT before each run, and the backlog reloaded between runs.",
    "",
  );
  if (data.runs.length > 0) {
    // The settings every run shares, then what differs (the API and its rate).
    const entries = data.runs.map((run) => Object.entries(run.workerSettings));
    const shared = (entries[0] ?? []).filter(([key, value]) => data.runs.every((run) => run.workerSettings[key] === value));
    const differing = new Map<string, string[]>();
    for (const [index, run] of data.runs.entries()) {
      const text = (entries[index] ?? []).filter(([key]) => !shared.some(([k]) => k === key)).map(([k, v]) => `${k}=${v}`).join(", ");
      differing.set(text, [...(differing.get(text) ?? []), run.label]);
    }
    push(
      `Workers: \`node --import tsx workers/reporter.ts\` (as \`npm run worker\`) with ${shared.map(([k, v]) => `${k}=${v}`).join(", ")}; ` +
        [...differing].map(([text, labels]) => `${text} (${labels.join("; ")})`).join("; ") +
        ". Rates are per worker: the stream's default is far above what these drains send on average (any 429 shows in the counts); the v1 workers split the account's budget.",
      "",
    );
  }
  push(
    "Drain time runs from the first claim to the last line marked sent (the workers' start-up, shown apart, is not in it). " +
      "CPU columns are cores in use on average (2.00 = both cores busy): Postgres, the reporter workers, the Stripe emulator, the benchmark (counting proxy, baseline loop, sampling), everything else on the machine.",
    "",
  );

  // --- targets -------------------------------------------------------------------------------
  push("## Targets", "", "| target | measured | |", "|---|---|---|");
  const target = data.targetRun;
  if (target) push(`| ≥ 40,000 events/s drained with 2 workers (${target.label}) | ${formatInt(eventsPerSecond(target))} events/s | ${yes(eventsPerSecond(target) >= 40_000)} |`);
  const large = data.largeRun;
  if (large) {
    const flat = flatness(large);
    push(
      `| ≥ 40,000 events/s with 2 workers over the ${formatCount(large.backlog.events)} backlog | ${formatInt(eventsPerSecond(large))} events/s | ${yes(large.finished && eventsPerSecond(large) >= 40_000)} |`,
      `| flat over the ${formatCount(large.backlog.events)} backlog (every tenth within ±20 % of the median tenth) | tenths from ${formatInt(flat.min)} to ${formatInt(flat.max)} events/s, median ${formatInt(flat.median)} | ${yes(large.finished && flat.flat)} |`,
    );
  }
  const finishedRuns = data.runs.filter((run) => run.finished);
  const ratioMet = finishedRuns.length > 0 && finishedRuns.every((run) => sentLines(run) === run.groups);
  push(
    `| Stripe meter events = distinct (customer, meter, window) groups (ratio 1.0), drained runs | ${finishedRuns.map((run) => ratio(sentLines(run), run.groups)).join(", ") || "—"} | ${yes(ratioMet)} |`,
  );
  if (data.baseline && target) {
    const baselinePerEvent = data.baseline.result.calls / Math.max(1, data.baseline.result.events);
    const tallyPerEvent = sentLines(target) / Math.max(1, target.reportedEvents);
    const httpPerEvent = meterEventCalls(target.calls) / Math.max(1, target.reportedEvents);
    push(
      `| ≥ 10× fewer Stripe calls than the naive baseline | baseline ${baselinePerEvent.toFixed(3)} calls/event; reporter ${tallyPerEvent.toFixed(4)} meter events/event (${(baselinePerEvent / tallyPerEvent).toFixed(1)}× fewer), ` +
        `${httpPerEvent.toFixed(5)} HTTP calls/event through the stream (${(baselinePerEvent / httpPerEvent).toFixed(0)}× fewer) | ${yes(baselinePerEvent / tallyPerEvent >= 10)} |`,
    );
  }
  const losses = data.runs.map(lostAndDuplicated);
  const clean = losses.every((loss) => loss.lost === 0 && loss.duplicated === 0 && loss.valueDifference === 0n);
  push(
    `| zero lost or duplicated (every run) | lost ${losses.reduce((sum, loss) => sum + loss.lost, 0)} events, duplicated ${losses.reduce((sum, loss) => sum + loss.duplicated, 0)} meter events, ` +
      `Stripe − raw ${losses.reduce((sum, loss) => sum + loss.valueDifference, 0n)} units | ${yes(clean)} |`,
    "",
  );

  // --- runs ----------------------------------------------------------------------------------
  push(
    "## Runs",
    "",
    "| run | workers | API | backlog | groups | meter events (lines) | lines ÷ groups | HTTP meter event calls (429) | events ÷ call | call p50 / p99 | start-up | drain | events/s | CPU |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ...data.runs.map((run) => {
      const calls = meterEventCalls(run.calls);
      const drained = run.finished ? `${run.drainSeconds.toFixed(1)} s` : `${run.drainSeconds.toFixed(1)} s (${run.limitSeconds ? "time-limited" : "unfinished"}, ${formatInt(run.reportedEvents)} reported)`;
      return (
        `| ${run.label} | ${run.workers} | ${run.api} | ${formatInt(run.backlog.events)} | ${formatInt(run.groups)} | ${formatInt(sentLines(run))} | ${ratio(sentLines(run), run.groups)} | ` +
        `${formatInt(calls)} (${formatInt(refusedCalls(run.calls))}) | ${ratio(run.reportedEvents, calls, 1)} | ${callLatency(run.calls, run.api)} | ${run.startupSeconds.toFixed(1)} s | ${drained} | **${formatInt(eventsPerSecond(run))}** | ${describeDrainCpu(run.cpu)} |`
      );
    }),
    "",
    "Lines ÷ groups is computed against the groups of the whole backlog; a time-limited run sent lines for part of it only. " +
      `Stream calls also need a meter event session: ${data.runs.map((run) => sumCalls(run.calls.counts, SESSION_PATH)).join(", ")} session calls in the runs above.`,
    "",
  );

  // --- over time -----------------------------------------------------------------------------
  const drained = data.runs.filter((run) => run.finished && run.deciles.length === 10);
  if (drained.length > 0) {
    push(
      "## Events drained per second, per tenth of the backlog",
      "",
      `| backlog drained | ${drained.map((run) => run.label).join(" | ")} |`,
      `|---|${drained.map(() => "---:").join("|")}|`,
      ...Array.from({ length: 10 }, (_, k) => `| ${k * 10}–${(k + 1) * 10} % | ${drained.map((run) => formatInt(run.deciles[k]?.eventsPerSecond ?? Number.NaN)).join(" | ")} |`),
      `| **average** | ${drained.map((run) => `**${formatInt(eventsPerSecond(run))}**`).join(" | ")} |`,
      "",
    );
    for (const run of drained.filter((r) => r === data.largeRun || r === data.targetRun)) {
      push(
        `### ${run.label}: time and CPU per tenth`,
        "",
        "Claim, tag and mark: Postgres execution time per event of the reporter's three costliest statements (the claim that locks the events, the update that tags them with their line, " +
          "the update that sets `reported_at`), from pg_stat_statements at each tenth of the workers' progress.",
        "",
        "| backlog drained | seconds | events/s | CPU | claim µs/event | tag µs/event | mark µs/event |",
        "|---|---:|---:|---|---:|---:|---:|",
        ...run.deciles.map((decile, k) => {
          // The snapshots follow the workers' passes: shown beside the tenth they fall on.
          const statements = run.statementTenths.find((tenth) => Math.abs(tenth.toPercent - decile.toPercent) <= 5);
          const us = (value: number | undefined) => (value === undefined ? "—" : value.toFixed(1));
          return (
            `| ${k * 10}–${decile.toPercent} % (${formatCount((run.backlog.events * (k + 1)) / 10)}) | ${decile.seconds.toFixed(1)} | ${formatInt(decile.eventsPerSecond)} | ` +
            `${decile.cpu ? describeDrainCpu(decile.cpu) : "—"} | ${us(statements?.claimUs)} | ${us(statements?.tagUs)} | ${us(statements?.markUs)} |`
          );
        }),
        "",
      );
    }
  }

  // --- baseline ------------------------------------------------------------------------------
  if (data.baseline) {
    const b = data.baseline;
    const rate = b.result.events / b.result.seconds;
    const projected = b.backlog.events / rate;
    const best = data.targetRun;
    push(
      "## Naive baseline (same run, same emulator limits)",
      "",
      `One loop: \`SELECT … FROM usage_events WHERE reported_at IS NULL ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED\`, one v1 meter event per event ` +
        `(its own identifier), one call in flight per customer, paced at ${formatInt(b.callsPerSecond)} calls/s with 429s retried, then \`UPDATE … SET reported_at\` and COMMIT; ` +
        `for ${b.result.seconds.toFixed(0)} s on a fresh ${formatCount(b.backlog.events)} backlog (the check that ties \`reported_at\` to a report line is dropped for this run and restored after). ` +
        `Calls counted by the proxy: ${formatInt(meterEventCalls(b.calls))}.`,
      "",
      "| | naive baseline | reporter (" + (best?.label ?? "—") + ") |",
      "|---|---:|---:|",
      `| events reported | ${formatInt(b.result.events)} in ${b.result.seconds.toFixed(1)} s | ${best ? `${formatInt(best.reportedEvents)} in ${best.drainSeconds.toFixed(1)} s` : "—"} |`,
      `| events/s | ${formatInt(rate)} | ${best ? formatInt(eventsPerSecond(best)) : "—"} |`,
      `| time for the whole ${formatCount(b.backlog.events)} backlog | ${projected.toFixed(0)} s (projected) | ${best ? `${best.drainSeconds.toFixed(1)} s` : "—"} |`,
      `| best case for one call per event (Stripe's ${formatInt(data.limits.meterEventsPerSecond)} calls/s, nothing else in the way) | ${formatInt(data.limits.meterEventsPerSecond)} events/s: ${(b.backlog.events / data.limits.meterEventsPerSecond).toFixed(0)} s for the backlog | |`,
      `| Stripe calls | ${formatInt(b.result.calls)} (${formatInt(b.result.rateLimited)} refused with 429) | ${best ? `${formatInt(meterEventCalls(best.calls))} HTTP calls carrying ${formatInt(sentLines(best))} meter events` : "—"} |`,
      `| meter event call latency p50 / p99 (through the proxy) | ${callLatency(b.calls, "v1")} | ${best ? callLatency(best.calls, best.api) : "—"} |`,
      `| calls per event | ${(b.result.calls / Math.max(1, b.result.events)).toFixed(3)} | ${best ? `${(sentLines(best) / best.reportedEvents).toFixed(4)} meter events, ${(meterEventCalls(best.calls) / best.reportedEvents).toFixed(5)} HTTP calls` : "—"} |`,
      `| time in the claim query / the marking update | ${formatMs(b.result.claimMs / Math.max(1, b.result.claims))} / ${formatMs(b.result.markMs / Math.max(1, b.result.claims))} per claim of 1,000 (${b.result.claims} claims; usage_events has no index on id alone — its key is (customer_id, id) — so each claim scans and sorts the table) | |`,
      `| CPU | ${describeDrainCpu(b.cpu)} | ${best ? describeDrainCpu(best.cpu) : "—"} |`,
      `| correctness | Stripe recorded ${formatInt(b.stripe.recorded)} meter events for ${formatInt(b.result.events)} events marked reported: ${b.stripe.missing} missing, ${b.stripe.duplicates + b.stripe.foreign} duplicated or unknown; value ${b.stripe.recordedValue} vs raw ${b.reportedQuantity}; summaries ${b.summaries.matching}/${b.summaries.checked} customers match | |`,
      "",
    );
    if (b.result.failed > 0 || b.result.firstError) push(`Baseline errors: ${b.result.failed} events given up; first error: ${b.result.firstError ?? "—"}`, "");
  }

  // --- correctness ---------------------------------------------------------------------------
  push(
    "## Correctness after each run",
    "",
    "Tally: events without `reported_at`; lines whose event count or quantity differs from the events pointing at them; customers whose reported raw quantity differs from " +
      "their sent lines' Stripe values; windows split over several lines. Stripe: every meter event recorded in the run, read from the emulator's meter event log, against the lines " +
      "Tally marked sent (by identifier and value), and meter event summaries through the API for sampled customers (after − before = raw).",
    "",
    "| run | unreported | line statuses | lines ≠ events | customers ≠ | split windows | Stripe meter events (distinct) | missing | duplicated / unknown | value ≠ | Stripe − raw | summaries | lost | duplicated |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...data.runs.map((run) => {
      const loss = lostAndDuplicated(run);
      const statuses = Object.entries(run.tally.lines).map(([status, n]) => `${status} ${formatInt(n.lines)}`).join(", ") || "—";
      return (
        `| ${run.label} | ${formatInt(run.tally.unreported)}${run.finished ? "" : " (stopped)"} | ${statuses} | ${run.tally.linesNotMatchingEvents} | ${run.tally.customersNotMatching} | ${run.tally.splitWindows} | ` +
        `${formatInt(run.stripe.recorded)} (${formatInt(run.stripe.distinct)}) | ${run.stripe.missing} | ${run.stripe.duplicates + run.stripe.foreign} | ${run.stripe.valueMismatches} | ${loss.valueDifference} | ` +
        `${run.summaries.matching}/${run.summaries.checked} | **${loss.lost}** | **${loss.duplicated}** |`
      );
    }),
    "",
  );
  for (const run of data.runs) {
    if (run.summaries.firstMismatch) push(`- ${run.label}: first summary mismatch: ${run.summaries.firstMismatch}`);
  }

  // --- workers -------------------------------------------------------------------------------
  push(
    "## Inside the workers",
    "",
    "| run | passes | events per pass | lines per pass | pass p50 | pass p99 | retried lines | dead | worker errors | WAL written | WAL per event | autovacuums of usage_events |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...data.runs.map((run) => {
      const s = run.workerStats;
      const busy = Math.max(1, s.passes);
      const [p50, p99] = s.passMs.percentiles(50, 99) as [number, number];
      return (
        `| ${run.label} | ${formatInt(s.passes)} | ${formatInt(s.claimedEvents / busy)} | ${formatInt(s.linesClaimed / busy)} | ${formatMs(p50)} | ${formatMs(p99)} | ${formatInt(s.retried)} | ${formatInt(s.dead)} | ${s.errors} | ` +
        `${formatBytes(run.walBytes)} | ${formatInt(run.walBytes / Math.max(1, run.reportedEvents))} B | ${run.autovacuums} |`
      );
    }),
    "",
    "Progress during a drain is read from the workers' pass lines (no query of the benchmark's runs against Postgres while the workers drain); report_lines is read once they add up to the backlog.",
    "",
  );
  for (const run of data.runs) for (const error of run.workerStats.firstErrors) push(`- ${run.label}: ${error}`);

  const statementRuns: { label: string; seconds: number; statements: TStatementStats[] }[] = [
    ...data.runs.filter((run) => run === data.targetRun || run === data.largeRun).map((run) => ({ label: run.label, seconds: run.drainSeconds, statements: run.statements })),
    ...(data.baseline ? [{ label: "naive baseline", seconds: data.baseline.result.seconds, statements: data.baseline.statements }] : []),
  ];
  for (const run of statementRuns) {
    push(
      `## Where Postgres spent its time: ${run.label}`,
      "",
      "The costliest statements (pg_stat_statements: execution time, without the commit's WAL flush). Busy = total time ÷ the run's seconds: the backends it kept busy on average.",
      "",
      "| statement | calls | total | mean | rows | busy |",
      "|---|---:|---:|---:|---:|---:|",
      ...run.statements.map(
        (statement) =>
          `| \`${statement.query.slice(0, 110).replaceAll("|", "\\|")}${statement.query.length > 110 ? "…" : ""}\` | ${formatInt(statement.calls)} | ${formatMs(statement.totalMs)} | ${formatMs(statement.meanMs)} | ${formatInt(statement.rows)} | ${(statement.totalMs / 1000 / Math.max(0.001, run.seconds)).toFixed(2)} |`,
      ),
      "",
    );
  }

  if (data.sizes.length > 0) {
    push("## Storage after the last run", "", "| relation | size |", "|---|---:|", ...data.sizes.map((size) => `| ${size.relation} | ${formatBytes(size.bytes)} |`), "");
  }
  if (data.notes.length > 0) push("## Notes", "", ...data.notes.map((note) => `- ${note}`), "");
  return lines.join("\n");
}
