// The live (not ended) subscription of each of some customers, for lists: plan, version, status.
import { db as defaultDb, type SubscriptionStatus, type TDb } from "@/lib/db";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";

export type TLiveSubscriptionSummary = {
  id: string;
  customerId: string;
  planName: string;
  version: number;
  status: SubscriptionStatus;
  cancelAtPeriodEnd: boolean;
  stripeSubscriptionId: string | null;
};

/** By customer id; customers without a live subscription are absent. */
export async function findLiveSubscriptions(customerIds: string[], db: TDb = defaultDb): Promise<Map<string, TLiveSubscriptionSummary>> {
  if (customerIds.length === 0) return new Map();
  const rows = await db.subscription.findMany({
    where: { customerId: { in: customerIds }, endedAt: null },
    select: {
      id: true,
      customerId: true,
      status: true,
      cancelAtPeriodEnd: true,
      stripeSubscriptionId: true,
      planVersion: { select: { version: true, plan: { select: { name: true } } } },
    },
  });
  return new Map(
    rows.map((row) => [
      row.customerId,
      {
        id: row.id,
        customerId: row.customerId,
        planName: row.planVersion.plan.name,
        version: row.planVersion.version,
        status: row.status,
        cancelAtPeriodEnd: row.cancelAtPeriodEnd,
        stripeSubscriptionId: row.stripeSubscriptionId,
      },
    ]),
  );
}

/** One customer's live subscription with its items and plan versions, or null when it has none. */
export async function findLiveSubscription(customerId: string, db: TDb = defaultDb): Promise<TSubscriptionDetail | null> {
  const live = await db.subscription.findFirst({ where: { customerId, endedAt: null }, select: { id: true } });
  return live ? getSubscription(live.id, { customerId }, db) : null;
}
