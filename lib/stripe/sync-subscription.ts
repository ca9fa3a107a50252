// Converges Tally's copy of a subscription (status, current period, cancellation, items and their
// prices) to what Stripe says now. Called by the subscription services after their Stripe calls and
// by the webhook handlers; safe to run twice and out of order:
// - it never trusts a payload: it re-reads the subscription from Stripe;
// - `stripeSyncedAt` is the instant the read started; a sync whose read started before the one
//   already applied changes nothing. The subscription row is locked first, so two concurrent syncs
//   (the service that called Stripe and a webhook about the same change) run one after the other.
// It does not change the subscription's plan version: that belongs to the plan-change services,
// which write it with its history row.
import type Stripe from "stripe";
import { db as defaultDb, type Prisma, type SubscriptionStatus, type TDb } from "@/lib/db";
import { inTransaction } from "@/lib/db/transaction";
import { getStripe } from "@/lib/stripe/client";
import { lockSubscriptionForSync } from "./sync-subscription-query";

const STATUS: Record<Stripe.Subscription.Status, SubscriptionStatus> = {
  incomplete: "INCOMPLETE",
  incomplete_expired: "INCOMPLETE_EXPIRED",
  trialing: "TRIALING",
  active: "ACTIVE",
  past_due: "PAST_DUE",
  canceled: "CANCELED",
  unpaid: "UNPAID",
  paused: "PAUSED",
};

const at = (seconds: number) => new Date(seconds * 1000);

async function allItems(stripe: Stripe, subscription: Stripe.Subscription): Promise<Stripe.SubscriptionItem[]> {
  if (!subscription.items.has_more) return subscription.items.data;
  const items: Stripe.SubscriptionItem[] = [];
  for await (const item of stripe.subscriptionItems.list({ subscription: subscription.id, limit: 100 })) items.push(item);
  return items;
}

/** Stripe's current time for this subscription: its test clock's frozen time, or now. */
async function stripeNow(stripe: Stripe, subscription: Stripe.Subscription, readAt: Date): Promise<Date> {
  const clock = subscription.test_clock;
  if (!clock) return readAt;
  const frozen = typeof clock === "string" ? (await stripe.testHelpers.testClocks.retrieve(clock)).frozen_time : clock.frozen_time;
  return at(frozen);
}

/** Returns Tally's subscription id, or null when Stripe's subscription is not one of Tally's. */
export async function syncSubscription(stripeSubscriptionId: string, db: TDb = defaultDb): Promise<string | null> {
  const stripe = getStripe();
  const readAt = new Date();
  const subscription = await stripe.subscriptions.retrieve(stripeSubscriptionId);
  const items = await allItems(stripe, subscription);
  const now = await stripeNow(stripe, subscription, readAt);

  const converge = async (tx: Prisma.TransactionClient): Promise<string | null> => {
    const local =
      (await tx.subscription.findUnique({ where: { stripeSubscriptionId }, select: { id: true } })) ??
      (subscription.metadata.tally_subscription_id
        ? await tx.subscription.findFirst({ where: { id: subscription.metadata.tally_subscription_id, stripeSubscriptionId: null }, select: { id: true } })
        : null);
    if (!local) return null;

    const stored = await lockSubscriptionForSync(tx, local.id);
    if (stored.stripeSyncedAt !== null && stored.stripeSyncedAt > readAt) return local.id; // a newer read was applied already

    const period = items[0] ?? null;
    // The period rolled over: the one that ended is kept, for usage that arrives before its invoice
    // is final. When Stripe moved more than one period at once, the one before is not known (null):
    // usage for it is then billed as a late adjustment.
    const rolledOver = period !== null && stored.currentPeriodStart !== null && at(period.current_period_start) > stored.currentPeriodStart;
    const contiguous = rolledOver && stored.currentPeriodEnd?.getTime() === at(period.current_period_start).getTime();
    await tx.subscription.update({
      where: { id: local.id },
      data: {
        stripeSubscriptionId,
        status: STATUS[subscription.status],
        billingCycleAnchorAt: at(subscription.billing_cycle_anchor),
        ...(period ? { currentPeriodStart: at(period.current_period_start), currentPeriodEnd: at(period.current_period_end) } : {}),
        ...(rolledOver
          ? { previousPeriodStart: contiguous ? stored.currentPeriodStart : null, previousPeriodEnd: contiguous ? stored.currentPeriodEnd : null }
          : {}),
        cancelAtPeriodEnd: subscription.cancel_at_period_end,
        startedAt: at(subscription.start_date),
        canceledAt: subscription.canceled_at === null ? null : at(subscription.canceled_at),
        endedAt: subscription.ended_at === null ? null : at(subscription.ended_at),
        stripeSyncedAt: readAt,
      },
    });

    const priceIds = items.map((item) => item.price.id);
    // One query at a time: a transaction is one connection.
    const baseVersions = await tx.planVersion.findMany({ where: { stripeBasePriceId: { in: priceIds } }, select: { stripeBasePriceId: true } });
    const charges = await tx.planCharge.findMany({ where: { stripePriceId: { in: priceIds } }, select: { id: true, meterId: true, stripePriceId: true } });
    const existing = await tx.subscriptionItem.findMany({ where: { subscriptionId: local.id } });
    const basePrices = new Set(baseVersions.map((version) => version.stripeBasePriceId));
    const chargeByPrice = new Map(charges.map((charge) => [charge.stripePriceId, charge]));
    const existingByStripeId = new Map(existing.map((item) => [item.stripeSubscriptionItemId, item]));
    const seen = new Set<string>();

    for (const item of items) {
      seen.add(item.id);
      const charge = chargeByPrice.get(item.price.id);
      const kind = basePrices.has(item.price.id) || item.price.recurring?.usage_type !== "metered" ? "BASE" : "METERED";
      const fields = {
        kind,
        planChargeId: charge?.id ?? null,
        meterId: charge?.meterId ?? null,
        stripePriceId: item.price.id,
        currentPeriodStart: at(item.current_period_start),
        currentPeriodEnd: at(item.current_period_end),
        removedAt: null,
      } as const;
      const current = existingByStripeId.get(item.id);
      if (!current) {
        // A new item: its price is attached from the item's creation (Stripe's clock).
        await tx.subscriptionItem.create({ data: { subscriptionId: local.id, stripeSubscriptionItemId: item.id, attachedAt: at(item.created), ...fields } });
      } else {
        // A new price on an existing item: usage from now on belongs to it.
        const priceChanged = current.stripePriceId !== item.price.id;
        await tx.subscriptionItem.update({ where: { id: current.id }, data: { ...fields, ...(priceChanged ? { attachedAt: now } : {}) } });
      }
    }
    const removed = existing.filter((item) => item.removedAt === null && item.stripeSubscriptionItemId !== null && !seen.has(item.stripeSubscriptionItemId));
    if (removed.length > 0) {
      await tx.subscriptionItem.updateMany({ where: { id: { in: removed.map((item) => item.id) } }, data: { removedAt: now } });
    }
    return local.id;
  };

  return inTransaction(db, converge);
}
