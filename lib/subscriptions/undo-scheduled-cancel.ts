// Keeps a subscription that was set to cancel at the period end (Stripe: cancel_at_period_end false).
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { requireLive } from "@/lib/subscriptions/change-subscription-plan";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { nextChangeSequence, recordSubscriptionChange } from "@/lib/subscriptions/record-subscription-change";

export async function undoScheduledCancel(subscriptionId: string, context: TAuditContext, scope: { customerId?: string } = {}): Promise<TSubscriptionDetail> {
  const subscription = await getSubscription(subscriptionId, scope);
  const stripeSubscriptionId = requireLive(subscription);
  if (!subscription.cancelAtPeriodEnd) return subscription;
  const key = `subscription-change:${subscriptionId}:${await nextChangeSequence(db, subscriptionId)}`;
  await getStripe().subscriptions.update(stripeSubscriptionId, { cancel_at_period_end: false }, { idempotencyKey: key });
  await syncSubscription(stripeSubscriptionId);
  await db.$transaction(async (tx) => {
    const after = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    await recordSubscriptionChange(
      tx,
      {
        subscriptionId,
        customerId: subscription.customerId,
        kind: "CANCEL_UNSCHEDULED",
        fromPlanVersionId: subscription.planVersionId,
        effectiveAt: new Date(),
        idempotencyKey: key,
        action: "subscription.cancel_unscheduled",
        before: { cancelAtPeriodEnd: true, canceledAt: subscription.canceledAt },
        after: { cancelAtPeriodEnd: after.cancelAtPeriodEnd, canceledAt: after.canceledAt },
      },
      context,
    );
  });
  return getSubscription(subscriptionId);
}
