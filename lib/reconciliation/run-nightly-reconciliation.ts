// The worker's nightly reconciliation: once per UTC day, from TALLY_RECONCILIATION_HOUR_UTC on. The
// worker asks every minute; the run key ("nightly:2026-11-22") makes one run per day however many
// workers ask, and a day whose hour has passed is still run when a worker starts late.
import { db as defaultDb } from "@/lib/db";
import { env } from "@/lib/env";
import { runReconciliation, type TReconciliationRunResult } from "./run-reconciliation";

export const nightlyRunKey = (now: Date) => `nightly:${now.toISOString().slice(0, 10)}`;

/** Null when it is not time yet, or today's run exists. */
export async function runNightlyReconciliation(now: Date, options: { hourUtc?: number } = {}, db: typeof defaultDb = defaultDb): Promise<TReconciliationRunResult | null> {
  if (now.getUTCHours() < (options.hourUtc ?? env.TALLY_RECONCILIATION_HOUR_UTC)) return null;
  const runKey = nightlyRunKey(now);
  if (await db.reconciliationRun.findUnique({ where: { runKey }, select: { id: true } })) return null;
  return runReconciliation({ trigger: "SCHEDULED", runKey, now: () => now }, db);
}
