// One subscription with its items and plan versions; throws not_found, also when `customerId`
// scopes the lookup to one customer and the subscription is someone else's.
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

export const SUBSCRIPTION_INCLUDE = {
  items: { orderBy: [{ kind: "asc" }, { createdAt: "asc" }] },
  planVersion: { include: { plan: true, charges: true } },
  pendingPlanVersion: { include: { plan: true } },
} as const satisfies Prisma.SubscriptionInclude;

export type TSubscriptionDetail = Prisma.SubscriptionGetPayload<{ include: typeof SUBSCRIPTION_INCLUDE }>;

export async function getSubscription(subscriptionId: string, scope: { customerId?: string } = {}, db: TDb = defaultDb): Promise<TSubscriptionDetail> {
  const subscription = await db.subscription.findFirst({
    where: { id: subscriptionId, ...(scope.customerId ? { customerId: scope.customerId } : {}) },
    include: SUBSCRIPTION_INCLUDE,
  });
  if (!subscription) throw new AppError("not_found", "No such subscription.");
  return subscription;
}
