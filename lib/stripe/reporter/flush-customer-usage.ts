// Sends one customer's usage so far to Stripe, open windows included, before its subscription
// changes price: usage before a plan change is then billed once, at the old price (Stripe's
// proration bills a replaced metered price's usage up to the change). The flush runs reporter
// passes scoped to the customer until nothing of theirs is left unsent; if Stripe will not take
// their usage in time, the change is refused (and can be retried) rather than bill that usage at
// the new price.
import { db as defaultDb } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { reporterOptionsFromEnv, runReporterPass } from "./run-reporter-pass";
import { MeterEventSender } from "./send-report-lines";

const MAX_PASSES = 20;
const WAIT_MS = 250;

export async function flushCustomerUsage(
  customerId: string,
  options: { now?: () => Date; timeoutMs?: number } = {},
  db: typeof defaultDb = defaultDb,
): Promise<{ sent: number }> {
  const now = options.now ?? (() => new Date());
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const sender = new MeterEventSender({ api: "v1", perSecond: env.TALLY_REPORT_CALLS_PER_SECOND, concurrency: 4 });
  const passOptions = { ...reporterOptionsFromEnv(`flush:${customerId}`), now, customerIds: [customerId], closeOpenWindows: true };
  let sent = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const result = await runReporterPass(sender, passOptions, db);
    sent += result.sent + result.duplicates;
    const unsent = await db.reportLine.count({ where: { customerId, status: "PENDING", eventAt: { lte: now() } } });
    if (unsent === 0 && result.claimedEvents === 0) return { sent };
    if (Date.now() >= deadline) break;
    if (result.claimedEvents === 0 && result.leased === 0) await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
  }
  throw new AppError("service_unavailable", "Your usage so far has not reached Stripe yet, so the plan cannot change without billing it at the new price. Try again in a minute.");
}
