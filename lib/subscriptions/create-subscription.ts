// Subscribes a customer to a published plan version: a Stripe subscription (flexible billing mode)
// with the base fee item and one metered item per charge, mirrored as a Subscription with its items
// and a CREATED history row.
//
// The local row is written first, as the intent (INCOMPLETE, no Stripe id), and its id keys the
// Stripe call (`subscription:<id>:create`): a retry after a crash finds the intent and replays the
// same call, so Stripe gets one subscription; the live-subscription unique index keeps a customer
// to one.
import Stripe from "stripe";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { isUniqueViolation } from "@/lib/db/errors";
import { recordSubscriptionChange } from "@/lib/subscriptions/record-subscription-change";
import type { TSubscriptionCreateInput } from "@/lib/subscriptions/schemas";

async function findOrCreateIntent(customerId: string, planVersionId: string): Promise<string> {
  const live = await db.subscription.findFirst({ where: { customerId, endedAt: null } });
  if (live) {
    if (live.stripeSubscriptionId === null && live.planVersionId === planVersionId) return live.id; // resume
    throw new AppError("conflict", "The customer already has a subscription; change its plan instead.");
  }
  // Placeholder times until the sync copies Stripe's (a period must not be empty).
  const now = new Date();
  const placeholderEnd = new Date(now.getTime() + 1);
  try {
    const intent = await db.subscription.create({
      data: { customerId, planVersionId, status: "INCOMPLETE", billingCycleAnchorAt: now, currentPeriodStart: now, currentPeriodEnd: placeholderEnd, startedAt: now },
    });
    return intent.id;
  } catch (error) {
    if (isUniqueViolation(error)) return findOrCreateIntent(customerId, planVersionId); // a concurrent call won
    throw error;
  }
}

export async function createSubscription(customerId: string, input: TSubscriptionCreateInput, context: TAuditContext): Promise<TSubscriptionDetail> {
  const customer = await db.customer.findFirst({ where: { id: customerId, archivedAt: null } });
  if (!customer) throw new AppError("not_found", "No such customer.");
  if (!customer.stripeCustomerId) throw new AppError("unprocessable", "The customer has no Stripe customer yet; save the customer again to create it.");
  const version = await db.planVersion.findUnique({ where: { id: input.planVersionId }, include: { plan: true, charges: { orderBy: { position: "asc" } } } });
  if (!version) throw new AppError("not_found", "No such plan version.", { errors: [{ pointer: "/planVersionId", detail: "No such plan version." }] });
  if (version.status !== "PUBLISHED" || version.plan.status !== "ACTIVE") {
    const detail = version.status === "DRAFT" ? "This version is a draft; publish it first." : "This plan version is no longer offered.";
    throw new AppError("unprocessable", detail, { errors: [{ pointer: "/planVersionId", detail }] });
  }
  const basePrice = version.stripeBasePriceId;
  const meteredPrices = version.charges.map((charge) => charge.stripePriceId);
  if (!basePrice || meteredPrices.some((price) => !price)) throw new AppError("conflict", "The plan version's Stripe prices are missing; publish it again.");

  const subscriptionId = await findOrCreateIntent(customer.id, version.id);
  const key = `subscription:${subscriptionId}:create`;
  let stripeSubscription: Stripe.Subscription;
  try {
    stripeSubscription = await getStripe().subscriptions.create(
      {
        customer: customer.stripeCustomerId,
        items: [{ price: basePrice }, ...meteredPrices.map((price) => ({ price: price ?? "" }))],
        billing_mode: { type: "flexible" },
        metadata: { tally_subscription_id: subscriptionId, tally_plan_version_id: version.id },
      },
      { idempotencyKey: key },
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError) {
      // Stripe refused it for good: drop the intent so the customer can be subscribed again.
      await db.subscription.deleteMany({ where: { id: subscriptionId, stripeSubscriptionId: null } });
      throw new AppError("unprocessable", `Stripe refused the subscription: ${error.message}`, { cause: error });
    }
    throw error;
  }
  await db.subscription.updateMany({ where: { id: subscriptionId, stripeSubscriptionId: null }, data: { stripeSubscriptionId: stripeSubscription.id } });
  await syncSubscription(stripeSubscription.id);

  await db.$transaction(async (tx) => {
    const subscription = await getSubscription(subscriptionId, {}, tx);
    await recordSubscriptionChange(
      tx,
      {
        subscriptionId,
        customerId: customer.id,
        kind: "CREATED",
        toPlanVersionId: version.id,
        effectiveAt: subscription.startedAt,
        idempotencyKey: key,
        action: "subscription.created",
        after: {
          planVersionId: version.id,
          plan: version.plan.key,
          version: version.version,
          status: subscription.status,
          stripeSubscriptionId: stripeSubscription.id,
          currentPeriodStart: subscription.currentPeriodStart,
          currentPeriodEnd: subscription.currentPeriodEnd,
          items: subscription.items.map((item) => ({ kind: item.kind, meterId: item.meterId, stripePriceId: item.stripePriceId })),
        },
      },
      context,
    );
  });
  return getSubscription(subscriptionId);
}
