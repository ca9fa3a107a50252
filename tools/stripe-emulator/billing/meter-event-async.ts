// Stripe processes meter events asynchronously (SEMANTICS.md §2.6): work queued here runs after the
// response is sent, and a problem found then is reported as Stripe reports it, as thin v2 events:
// `v1.billing.meter.error_report_triggered` (one per meter and batch) and
// `v1.billing.meter.no_meter_found` (events whose event_name has no meter).
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import type { TMeterEventProblem, TMeterEventRule } from "./meter-event-checks";

type TReportData = Stripe.Events.V1BillingMeterErrorReportTriggeredEvent.Data;
type TErrorType = TReportData["reason"]["error_types"][number];
/** What an error report event carries: its data and the meter it relates to. */
export type TMeterErrorReport = TReportData & { related_object: Stripe.Events.RelatedObject };

/** The async error code of each rule; a duplicate identifier is dropped without a report. */
const ASYNC_CODES: Record<Exclude<TMeterEventRule, "duplicate">, TErrorType["code"]> = {
  no_meter: "no_meter",
  archived_meter: "archived_meter",
  no_customer_defined: "meter_event_no_customer_defined",
  customer_not_found: "meter_event_customer_not_found",
  no_value_defined: "meter_event_invalid_value",
  invalid_value: "meter_event_invalid_value",
  timestamp_too_far_in_past: "timestamp_too_far_in_past",
  timestamp_in_future: "timestamp_in_future",
};
const MAX_SAMPLES = 5;

const queues = new WeakMap<TEmulator, (() => void)[]>();

/** Runs `job` after the current response has gone out (and before the emulator stops). */
export function processLater(emulator: TEmulator, job: () => void): void {
  let queue = queues.get(emulator);
  if (!queue) {
    const created: (() => void)[] = [];
    queue = created;
    queues.set(emulator, created);
    emulator.hooks.onStop.push(() => drain(created));
    emulator.hooks.onReset.push(() => created.splice(0));
  }
  queue.push(job);
  if (queue.length === 1) setImmediate(drain, queue);
}

function drain(queue: (() => void)[]): void {
  for (let job = queue.shift(); job; job = queue.shift()) job();
}

/** Emits the reports for problems found while validating a batch that started at `startedAt` (ms). */
export function reportMeterEventProblems(emulator: TEmulator, problems: readonly TMeterEventProblem[], startedAt: number): void {
  const byMeter = new Map<string, TMeterEventProblem[]>();
  for (const problem of problems) {
    if (problem.rule === "duplicate") continue;
    const key = problem.rule === "no_meter" ? "" : (problem.meter?.id ?? "");
    byMeter.set(key, [...(byMeter.get(key) ?? []), problem]);
  }
  const window = { validation_start: new Date(startedAt).toISOString(), validation_end: new Date().toISOString() };
  for (const [meterId, group] of byMeter) {
    const data: TReportData = { ...summarize(group), ...window };
    if (meterId === "") {
      emulator.emit("v1.billing.meter.no_meter_found", data);
    } else {
      const report: TMeterErrorReport = { ...data, related_object: { id: meterId, type: "billing.meter", url: `/v1/billing/meters/${meterId}` } };
      emulator.emit("v1.billing.meter.error_report_triggered", report);
    }
  }
}

function summarize(problems: readonly TMeterEventProblem[]): Pick<TReportData, "developer_message_summary" | "reason"> {
  const byCode = new Map<TErrorType["code"], TMeterEventProblem[]>();
  for (const problem of problems) {
    if (problem.rule === "duplicate") continue;
    const code = ASYNC_CODES[problem.rule];
    byCode.set(code, [...(byCode.get(code) ?? []), problem]);
  }
  const errorTypes: TErrorType[] = [...byCode].map(([code, group]) => ({
    code,
    error_count: group.length,
    sample_errors: group.slice(0, MAX_SAMPLES).map((problem) => ({ error_message: problem.message, request: { identifier: problem.identifier } })),
  }));
  const count = problems.length;
  return {
    developer_message_summary: count === 1 ? "There is 1 invalid event" : `There are ${count} invalid events`,
    reason: { error_count: count, error_types: errorTypes },
  };
}
