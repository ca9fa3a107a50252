// The one shape of every customer.subscription.* handler: take the id from the payload and let
// syncSubscription re-read the subscription from Stripe and converge Tally's copy (so a late or
// repeated delivery lands on the newest state). On updates, a plan change that waits for the period
// end is then handed to applyPendingPlanChange, which applies it once the period has rolled (and
// does nothing otherwise); it calls Stripe, so it runs after the commit.
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { applyPendingPlanChange } from "@/lib/subscriptions/apply-pending-plan-change";
import type { TWebhookHandler } from "./types";

export function convergeSubscription(stripeSubscriptionId: string, options: { applyPendingPlanChange?: boolean } = {}): TWebhookHandler {
  return async () => {
    let pendingFor: string | null = null;
    return {
      apply: async (tx) => {
        const subscriptionId = await syncSubscription(stripeSubscriptionId, tx);
        if (!subscriptionId || !options.applyPendingPlanChange) return;
        const subscription = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId }, select: { pendingPlanVersionId: true, endedAt: true } });
        if (subscription.pendingPlanVersionId && !subscription.endedAt) pendingFor = subscriptionId;
      },
      afterCommit: async () => {
        if (pendingFor) await applyPendingPlanChange(pendingFor);
      },
    };
  };
}
