// Cancels a subscription:
// - `now`: the customer's usage so far is flushed to Stripe first (lib/stripe/reporter/
//   flush-customer-usage.ts), then Stripe cancels at once with `invoice_now` (the metered usage not
//   yet invoiced is billed on a final invoice, so nothing used is lost) and `prorate` (the unused base fee is credited);
// - `period_end`: `cancel_at_period_end`, undone by undoScheduledCancel.
// Calling it again for a subscription already canceled (or already scheduled to cancel) changes
// nothing. Keys: `subscription:<id>:cancel` and `subscription-change:<id>:<n>`.
import Stripe from "stripe";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";
import { flushCustomerUsage } from "@/lib/stripe/reporter/flush-customer-usage";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { nextChangeSequence, recordSubscriptionChange } from "@/lib/subscriptions/record-subscription-change";
import type { TSubscriptionCancelInput } from "@/lib/subscriptions/schemas";

export async function cancelSubscription(
  subscriptionId: string,
  input: TSubscriptionCancelInput,
  context: TAuditContext,
  scope: { customerId?: string } = {},
  options: { now?: () => Date } = {},
): Promise<TSubscriptionDetail> {
  const subscription = await getSubscription(subscriptionId, scope);
  const stripeSubscriptionId = subscription.stripeSubscriptionId;
  if (!stripeSubscriptionId) throw new AppError("conflict", "The subscription is still being created; try again in a moment.");
  const ended = subscription.endedAt !== null || subscription.status === "CANCELED";
  const stripe = getStripe();
  const before = { status: subscription.status, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd, canceledAt: subscription.canceledAt, endedAt: subscription.endedAt };

  if (input.when === "period_end") {
    if (ended) throw new AppError("conflict", "The subscription has ended.");
    if (subscription.cancelAtPeriodEnd) return subscription;
    const key = `subscription-change:${subscriptionId}:${await nextChangeSequence(db, subscriptionId)}`;
    await stripe.subscriptions.update(stripeSubscriptionId, { cancel_at_period_end: true }, { idempotencyKey: key });
    await syncSubscription(stripeSubscriptionId);
    await db.$transaction(async (tx) => {
      const after = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
      await recordSubscriptionChange(
        tx,
        {
          subscriptionId,
          customerId: subscription.customerId,
          kind: "CANCEL_SCHEDULED",
          fromPlanVersionId: subscription.planVersionId,
          effectiveAt: after.currentPeriodEnd,
          idempotencyKey: key,
          action: "subscription.cancel_scheduled",
          before,
          after: { status: after.status, cancelAtPeriodEnd: after.cancelAtPeriodEnd, canceledAt: after.canceledAt, endedAt: after.endedAt },
        },
        context,
      );
    });
    return getSubscription(subscriptionId);
  }

  const key = `subscription:${subscriptionId}:cancel`;
  if (!ended) {
    await flushCustomerUsage(subscription.customerId, { now: options.now });
    try {
      await stripe.subscriptions.cancel(stripeSubscriptionId, { invoice_now: true, prorate: true }, { idempotencyKey: key });
    } catch (error) {
      // Canceled by an earlier attempt that did not get to record it: converge below.
      const already = error instanceof Stripe.errors.StripeInvalidRequestError && /already been canceled/i.test(error.message);
      if (!already) throw error;
    }
  }
  await syncSubscription(stripeSubscriptionId);
  await db.$transaction(async (tx) => {
    const after = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    await recordSubscriptionChange(
      tx,
      {
        subscriptionId,
        customerId: subscription.customerId,
        kind: "CANCELED",
        fromPlanVersionId: subscription.planVersionId,
        effectiveAt: after.endedAt ?? after.canceledAt ?? new Date(),
        idempotencyKey: key,
        action: "subscription.canceled",
        before,
        after: { status: after.status, cancelAtPeriodEnd: after.cancelAtPeriodEnd, canceledAt: after.canceledAt, endedAt: after.endedAt },
      },
      context,
    );
  });
  return getSubscription(subscriptionId);
}
