// Applies a change scheduled for the period end, once Stripe's period has rolled past it. Called by
// the renewal webhook (and safe to call at any time, twice, or concurrently): it does nothing when
// no change is pending or the period has not rolled yet, and its Stripe call is keyed like a change
// made now. Prorations are computed from the start of the new period, so the renewal's base fee at
// the old price is credited in full and the new base fee charged; metered usage since the roll is
// billed at the old price, which was in force until the change was applied.
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { requireLive, requireTargetVersion } from "@/lib/subscriptions/change-subscription-plan";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { nextChangeSequence, recordSubscriptionChange } from "@/lib/subscriptions/record-subscription-change";
import { swapStripePlan } from "@/lib/subscriptions/swap-stripe-plan";

const SYSTEM: TAuditContext = { actor: { kind: "SYSTEM" } };

export async function applyPendingPlanChange(subscriptionId: string, context: TAuditContext = SYSTEM): Promise<TSubscriptionDetail> {
  let subscription = await getSubscription(subscriptionId);
  if (!subscription.pendingPlanVersionId || !subscription.stripeSubscriptionId || subscription.endedAt) return subscription;
  const stripeSubscriptionId = requireLive(subscription);
  await syncSubscription(stripeSubscriptionId);
  subscription = await getSubscription(subscriptionId);
  const pendingId = subscription.pendingPlanVersionId;
  if (!pendingId) return subscription;
  const scheduled = await db.subscriptionChange.findFirst({
    where: { subscriptionId, kind: "PLAN_CHANGE_SCHEDULED", toPlanVersionId: pendingId },
    orderBy: { createdAt: "desc" },
  });
  if (scheduled && scheduled.effectiveAt > subscription.currentPeriodStart) return subscription; // the period has not rolled yet

  const { version, swap } = await requireTargetVersion(subscription, pendingId);
  const key = `subscription-change:${subscriptionId}:${await nextChangeSequence(db, subscriptionId)}`;
  await swapStripePlan(db, stripeSubscriptionId, swap, { idempotencyKey: key, prorationDate: subscription.currentPeriodStart });
  await syncSubscription(stripeSubscriptionId);
  await db.$transaction(async (tx) => {
    const current = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    if (current.pendingPlanVersionId !== version.id) return; // applied (or unscheduled) concurrently
    await tx.subscription.update({ where: { id: subscriptionId }, data: { planVersionId: version.id, pendingPlanVersionId: null } });
    await recordSubscriptionChange(
      tx,
      {
        subscriptionId,
        customerId: current.customerId,
        kind: "PLAN_CHANGED",
        fromPlanVersionId: current.planVersionId,
        toPlanVersionId: version.id,
        effectiveAt: current.currentPeriodStart,
        idempotencyKey: key,
        action: "subscription.plan_changed",
        before: { planVersionId: current.planVersionId, pendingPlanVersionId: version.id },
        after: { planVersionId: version.id, pendingPlanVersionId: null },
      },
      context,
    );
  });
  return getSubscription(subscriptionId);
}
