// The worker's periodic jobs beside the reporter: each is safe to run in any number of workers at
// once (advisory locks, SKIP LOCKED leases, unique keys) and returns counts for the log.
import { evaluateUsageAlerts } from "@/lib/billing/evaluate-usage-alerts";
import { recordUsageSummaryWebhooks } from "@/lib/connectors/record-usage-summary-webhooks";
import { runDueConnectors } from "@/lib/connectors/run-due-connectors";
import { sendPendingEmails } from "@/lib/email/send-pending-emails";
import { runNightlyReconciliation } from "@/lib/reconciliation/run-nightly-reconciliation";
import { syncStaleSubscriptions } from "@/lib/stripe/sync-stale-subscriptions";
import { deliverWebhooks } from "@/lib/webhooks/deliver-webhooks";

export type TJob = {
  name: string;
  /** Runs at most this often; 0: on every loop of the worker. */
  everyMs: number;
  /**
   * Runs beside the loop instead of inside it (at most one at a time per worker): for jobs that may
   * take long (a product database's query), so the reporter keeps sending usage meanwhile.
   */
  background?: boolean;
  run: () => Promise<Record<string, number>>;
};

export const JOBS: readonly TJob[] = [
  {
    // As usage arrives: the rollups written since the last evaluation.
    name: "usage_alerts",
    everyMs: 0,
    run: async () => {
      const result = await evaluateUsageAlerts();
      return { fired: result.fired.length, emails: result.emails, webhooks: result.webhooks };
    },
  },
  {
    name: "emails",
    everyMs: 0,
    run: async () => {
      const result = await sendPendingEmails();
      return { sent: result.sent, retried: result.retried, failed: result.failed };
    },
  },
  {
    name: "webhooks",
    everyMs: 0,
    run: async () => {
      // Short timeouts and small batches: a receiver that hangs must not hold the reporter up for long.
      const result = await deliverWebhooks({ limit: 16, timeoutMs: 5_000 });
      return { delivered: result.delivered, retried: result.retried, failed: result.failed };
    },
  },
  {
    // Subscriptions whose period ended without a renewal webhook.
    name: "stale_subscriptions",
    everyMs: 60_000,
    run: async () => ({ synced: await syncStaleSubscriptions({ now: new Date() }) }),
  },
  {
    // usage.period_summary webhooks: each TALLY_USAGE_SUMMARY_MINUTES slot is computed by the first
    // worker to take it (the others skip at once), then the final summaries of periods that ended.
    name: "usage_summaries",
    everyMs: 60_000,
    background: true,
    run: async () => {
      const result = await recordUsageSummaryWebhooks({ now: new Date() });
      return { customers: result.customers, finals: result.finals, queued: result.queued };
    },
  },
  {
    // SQL sources and CRM syncs whose schedule is due (each connector's interval; one worker per slot).
    name: "connectors",
    everyMs: 15_000,
    background: true,
    run: async () => runDueConnectors(new Date()),
  },
  {
    // Raw = reported = Stripe = invoiced, once a day (TALLY_RECONCILIATION_HOUR_UTC); finance can run it any time.
    name: "nightly_reconciliation",
    everyMs: 60_000,
    run: async (): Promise<Record<string, number>> => {
      const result = await runNightlyReconciliation(new Date());
      return result ? { checked: result.checked, drift: result.drift, failed: result.failed } : {};
    },
  },
];

type TLog = (level: "info" | "error", msg: string, fields: Record<string, unknown>) => void;

const inBackground = new Map<string, Promise<void>>();

/** Runs the jobs that are due; a failing job is reported and does not stop the others. */
export async function runDueJobs(lastRun: Map<string, number>, log: TLog): Promise<boolean> {
  let busy = false;
  for (const job of JOBS) {
    const now = Date.now();
    if (job.everyMs > 0 && now - (lastRun.get(job.name) ?? 0) < job.everyMs) continue;
    if (inBackground.has(job.name)) continue;
    lastRun.set(job.name, now);
    const running = runJob(job, log);
    if (job.background) {
      inBackground.set(job.name, running.then(() => void inBackground.delete(job.name)));
      continue;
    }
    busy = (await running) || busy;
  }
  return busy;
}

/** Lets the jobs running in the background finish (a worker that stops waits for them). */
export async function waitForBackgroundJobs(): Promise<void> {
  await Promise.all(inBackground.values());
}

async function runJob(job: TJob, log: TLog): Promise<boolean> {
  const started = Date.now();
  try {
    const counts = await job.run();
    if (!Object.values(counts).some((count) => count > 0)) return false;
    log("info", job.name, { ...counts, ms: Date.now() - started });
    return true;
  } catch (error) {
    log("error", `${job.name} failed`, { error: error instanceof Error ? error.message : String(error) });
    return false;
  }
}
