// What a plan change now would cost, as Stripe computes it: the invoice preview of the subscription
// with the new prices swapped in at this second (the same items the change would send), so the
// confirmation can show the prorations — unused time on the old base fee credited, the rest of the
// period on the new one, and the old metered price's usage so far — before the customer confirms.
// Stripe only has the usage reported so far: the change sends the rest first, at the old price, so
// the base fee's prorations are the figure that is complete here.
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";
import { requireLive, requireTargetVersion } from "@/lib/subscriptions/change-subscription-plan";
import { getSubscription } from "@/lib/subscriptions/get-subscription";
import { computeSwapItems } from "@/lib/subscriptions/swap-stripe-plan";

export type TPlanChangePreview = {
  currency: string;
  /** The base fee's prorations alone: unused time on the old fee credited, the rest of the period on the new one. */
  baseFeeProrationMinor: bigint;
  /** The prorations the change adds to the next invoice (negative: a credit). */
  prorationMinor: bigint;
  prorations: { description: string; amountMinor: bigint }[];
  /** The next invoice's total with the change. */
  nextInvoiceMinor: bigint;
};

export async function previewPlanChange(customerId: string, planVersionId: string, options: { now?: Date } = {}, db: TDb = defaultDb): Promise<TPlanChangePreview> {
  const live = await db.subscription.findFirst({ where: { customerId, endedAt: null }, select: { id: true } });
  if (!live) throw new AppError("conflict", "There is no subscription to change.");
  const subscription = await getSubscription(live.id, { customerId }, db);
  const stripeSubscriptionId = requireLive(subscription);
  const { swap } = await requireTargetVersion(subscription, planVersionId, db);
  const stripe = getStripe();
  const current = await stripe.subscriptions.retrieve(stripeSubscriptionId);
  const items = await computeSwapItems(db, current.items.data, swap);
  if (!items) throw new AppError("conflict", "The subscription is on this plan already.");
  const prorationDate = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const preview = await stripe.invoices.createPreview({
    subscription: stripeSubscriptionId,
    subscription_details: { items, proration_behavior: "create_prorations", proration_date: prorationDate },
  });
  const basePrices = new Set([swap.stripeBasePriceId, ...current.items.data.filter((item) => item.price.recurring?.usage_type !== "metered").map((item) => item.price.id)]);
  const prorationLines = preview.lines.data.filter((line) => line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration ?? false);
  const prorations = prorationLines.map((line) => ({ description: line.description ?? "", amountMinor: BigInt(line.amount) }));
  const baseFeeProrationMinor = prorationLines
    .filter((line) => {
      const price = line.pricing?.price_details?.price;
      return basePrices.has(typeof price === "string" ? price : (price?.id ?? ""));
    })
    .reduce((sum, line) => sum + BigInt(line.amount), 0n);
  return {
    currency: preview.currency,
    baseFeeProrationMinor,
    prorationMinor: prorations.reduce((sum, line) => sum + line.amountMinor, 0n),
    prorations,
    nextInvoiceMinor: BigInt(preview.total),
  };
}
