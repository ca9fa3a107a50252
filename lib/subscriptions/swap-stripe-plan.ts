// The one Stripe call that moves a subscription to another plan version (used by a change now and
// by a scheduled change applied at the period end): the base item gets the new base price; a metered
// item whose meter the new version also charges gets the new price (same item); a metered item whose
// meter the new version drops is deleted; a meter the new version adds gets a new item. With
// `create_prorations`, in flexible billing mode, Stripe bills the usage a replaced or deleted
// metered price accrued so far at once (a proration line at the old price) and the new price counts
// from the change: usage before a change is billed once, at the price in force when it happened.
//
// The items are computed from Stripe's subscription as it is now, and the call is skipped when
// Stripe already carries exactly the new version's prices: a retry after a crash (or a second click)
// sends the same parameters under the same key, or nothing.
import Stripe from "stripe";
import type { TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";

export type TSwapTarget = { stripeBasePriceId: string; charges: { meterId: string; stripePriceId: string }[] };

/**
 * The `items` of the Stripe update that moves a subscription's items to the target's prices, or
 * null when Stripe carries exactly those prices already. Also what a preview of the change sends.
 */
export async function computeSwapItems(db: TDb, items: Stripe.SubscriptionItem[], target: TSwapTarget): Promise<Stripe.SubscriptionUpdateParams.Item[] | null> {
  const wanted = new Set([target.stripeBasePriceId, ...target.charges.map((charge) => charge.stripePriceId)]);
  const current = new Set(items.map((item) => item.price.id));
  if (current.size === wanted.size && [...wanted].every((price) => current.has(price))) return null; // done already

  const charges = await db.planCharge.findMany({
    where: { stripePriceId: { in: items.map((item) => item.price.id) } },
    select: { stripePriceId: true, meterId: true },
  });
  const meterOfPrice = new Map(charges.map((charge) => [charge.stripePriceId, charge.meterId]));
  const targetByMeter = new Map(target.charges.map((charge) => [charge.meterId, charge.stripePriceId]));
  const params: Stripe.SubscriptionUpdateParams.Item[] = [];
  const kept = new Set<string>();
  for (const item of items) {
    if (item.price.recurring?.usage_type !== "metered") {
      params.push({ id: item.id, price: target.stripeBasePriceId });
      continue;
    }
    const meterId = meterOfPrice.get(item.price.id);
    const price = meterId ? targetByMeter.get(meterId) : undefined;
    if (meterId && price) {
      kept.add(meterId);
      params.push({ id: item.id, price });
    } else {
      params.push({ id: item.id, deleted: true });
    }
  }
  for (const charge of target.charges) if (!kept.has(charge.meterId)) params.push({ price: charge.stripePriceId });
  return params;
}

export async function swapStripePlan(
  db: TDb,
  stripeSubscriptionId: string,
  target: TSwapTarget,
  options: { idempotencyKey: string; prorationDate?: Date },
): Promise<void> {
  const stripe = getStripe();
  const subscription = await stripe.subscriptions.retrieve(stripeSubscriptionId);
  const params = await computeSwapItems(db, subscription.items.data, target);
  if (!params) return;

  try {
    await stripe.subscriptions.update(
      stripeSubscriptionId,
      {
        items: params,
        proration_behavior: "create_prorations",
        ...(options.prorationDate ? { proration_date: Math.floor(options.prorationDate.getTime() / 1000) } : {}),
      },
      { idempotencyKey: options.idempotencyKey },
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError && error.statusCode === 409) {
      throw new AppError("conflict", "This subscription is being changed by another request; try again in a moment.", { cause: error });
    }
    throw error;
  }
}
