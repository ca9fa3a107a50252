// Converges subscriptions whose current period ended in Tally's copy some minutes ago: the period
// rolled over in Stripe and its webhook is late or lost. Until Tally knows the new period, the
// reporter leaves usage after the old period end unclaimed; this read brings the period in.
import { db as defaultDb, type TDb } from "@/lib/db";
import { syncSubscription } from "./sync-subscription";

const OVERDUE_MS = 2 * 60_000;
const RESYNC_AFTER_MS = 5 * 60_000;

export async function syncStaleSubscriptions(options: { now: Date; limit?: number }, db: TDb = defaultDb): Promise<number> {
  const { now } = options;
  const stale = await db.subscription.findMany({
    where: {
      endedAt: null,
      stripeSubscriptionId: { not: null },
      currentPeriodEnd: { lt: new Date(now.getTime() - OVERDUE_MS) },
      OR: [{ stripeSyncedAt: null }, { stripeSyncedAt: { lt: new Date(now.getTime() - RESYNC_AFTER_MS) } }],
    },
    orderBy: { currentPeriodEnd: "asc" },
    take: options.limit ?? 20,
    select: { stripeSubscriptionId: true },
  });
  for (const subscription of stale) {
    if (subscription.stripeSubscriptionId) await syncSubscription(subscription.stripeSubscriptionId, db);
  }
  return stale.length;
}
