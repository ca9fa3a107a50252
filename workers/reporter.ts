// `npm run worker`: a reporter worker. Run any number of them against one database: they share
// the queue through advisory locks and SKIP LOCKED. It loops over reporter passes (claim, send,
// retry) and the jobs in lib/jobs/registry.ts (quota alerts as usage arrives, their emails and
// webhooks, subscriptions whose period rolled over without a webhook), sleeps when there is nothing
// to do, and beats a heartbeat for the sync health page.
//
// SIGTERM / SIGINT: the pass in flight finishes (its claimed lines are sent and marked), then the
// worker stops. A second signal (3 s or more after the first) exits at once: lines it had claimed
// are sent by another worker once their lease runs out, under the same identifiers.
import { randomUUID } from "node:crypto";
import os from "node:os";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { runReporterPass, reporterOptionsFromEnv } from "@/lib/stripe/reporter/run-reporter-pass";
import { MeterEventSender } from "@/lib/stripe/reporter/send-report-lines";
import { runDueJobs, waitForBackgroundJobs } from "@/lib/jobs/registry";

const HEARTBEAT_MS = 5_000;
/** After an unexpected error, wait before the next pass (doubling up to a minute). */
const ERROR_PAUSE_MS = 1_000;

const workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
const log = (level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ time: new Date().toISOString(), level, msg, worker: workerId, ...fields }));

let stopping = false;
let stoppingSince = 0;
/** Ctrl-C under `npm start` reaches the worker twice at once (the terminal's SIGINT, the parent's SIGTERM). */
const FORCE_AFTER_MS = 3_000;
let wake: (() => void) | null = null;
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });

function onSignal(signal: NodeJS.Signals) {
  if (stopping) {
    if (Date.now() - stoppingSince < FORCE_AFTER_MS) return;
    log("warn", "second signal: exiting now; claimed lines are resent by another worker after their lease", { signal });
    process.exit(1);
  }
  stopping = true;
  stoppingSince = Date.now();
  log("info", "stopping after the pass in flight", { signal });
  wake?.();
}
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);

async function main() {
  const api = env.TALLY_REPORT_METER_EVENT_API;
  const sender = new MeterEventSender({
    api,
    perSecond: api === "stream" ? env.TALLY_REPORT_STREAM_EVENTS_PER_SECOND : env.TALLY_REPORT_CALLS_PER_SECOND,
    concurrency: env.TALLY_REPORT_CONCURRENCY,
  });
  const options = reporterOptionsFromEnv(workerId);
  await db.reporterWorker.create({ data: { id: workerId, hostname: os.hostname(), pid: process.pid, mode: api } });
  log("info", "reporter started", { api, window_seconds: options.windowSeconds, batch_events: options.maxEvents });

  let lastBeat = 0;
  const lastJobRuns = new Map<string, number>();
  let errorPause = ERROR_PAUSE_MS;
  while (!stopping) {
    const started = Date.now();
    try {
      const result = await runReporterPass(sender, options);
      errorPause = ERROR_PAUSE_MS;
      const reporting = result.claimedEvents > 0 || result.leased > 0;
      if (reporting) log("info", "pass", { ...result, ms: Date.now() - started });
      const busy = (await runDueJobs(lastJobRuns, log)) || reporting;
      if (Date.now() - lastBeat >= HEARTBEAT_MS) {
        lastBeat = Date.now();
        await db.reporterWorker.update({ where: { id: workerId }, data: { lastSeenAt: new Date() } });
      }
      if (!busy && !stopping) await sleep(env.TALLY_WORKER_POLL_MS);
    } catch (error) {
      log("error", "pass failed", { error: error instanceof Error ? error.message : String(error) });
      if (!stopping) await sleep(errorPause);
      errorPause = Math.min(60_000, errorPause * 2);
    }
  }
  await waitForBackgroundJobs();
  try {
    await db.reporterWorker.update({ where: { id: workerId }, data: { stoppedAt: new Date(), lastSeenAt: new Date() } });
  } catch (error) {
    // The database may be stopping too (Ctrl-C on `npm start`): the row then just goes stale.
    log("warn", "could not record the stop", { error: error instanceof Error ? error.message.split("\n").at(-1) : String(error) });
  }
  log("info", "reporter stopped");
  await db.$disconnect();
}

main().catch((error: unknown) => {
  log("error", "reporter crashed", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exit(1);
});
