// Moves a subscription to another published version (of any plan):
// - `now`: one Stripe update (see swap-stripe-plan.ts) with prorations; the usage accrued so far on a
//   replaced metered price is billed at the old price, the new price bills from the change;
// - `period_end`: stored as `pendingPlanVersionId` with a PLAN_CHANGE_SCHEDULED history row whose
//   effectiveAt is the period end; nothing reaches Stripe until applyPendingPlanChange runs after
//   the period rolled (the webhook for the renewal calls it).
// Before a change `now`, the customer's usage so far is flushed to Stripe (open windows included),
// so the old price bills it; the change is refused (503) when Stripe will not take it in time.
// The Stripe key is `subscription-change:<subscriptionId>:<n>`, n being the number of the change in
// the subscription's history: a retry or a double click of the same change uses the same key, and
// a later change back and forth gets a new one.
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { flushCustomerUsage } from "@/lib/stripe/reporter/flush-customer-usage";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { getSubscription, type TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { nextChangeSequence, recordSubscriptionChange } from "@/lib/subscriptions/record-subscription-change";
import type { TSubscriptionPlanChangeInput } from "@/lib/subscriptions/schemas";
import { swapStripePlan } from "@/lib/subscriptions/swap-stripe-plan";

/** The target version, checked against the subscription: published, same currency and billing interval. */
export async function requireTargetVersion(subscription: TSubscriptionDetail, planVersionId: string, client: TDb = db) {
  const target = await client.planVersion.findUnique({ where: { id: planVersionId }, include: { plan: true, charges: { orderBy: { position: "asc" } } } });
  const pointer = "/planVersionId";
  if (!target) throw new AppError("not_found", "No such plan version.", { errors: [{ pointer, detail: "No such plan version." }] });
  const refuse = (detail: string) => new AppError("unprocessable", detail, { errors: [{ pointer, detail }] });
  if (target.status !== "PUBLISHED" || target.plan.status !== "ACTIVE") throw refuse("This plan version is not offered.");
  const current = subscription.planVersion;
  if (target.currency !== current.currency) throw refuse(`The subscription bills in ${current.currency.toUpperCase()}; Stripe cannot change a subscription's currency.`);
  if (target.interval !== current.interval || target.intervalCount !== current.intervalCount) {
    throw refuse("The new plan bills on another interval; cancel and subscribe again to change the billing interval.");
  }
  const charges = target.charges.map((charge) => ({ meterId: charge.meterId, stripePriceId: charge.stripePriceId }));
  if (!target.stripeBasePriceId || charges.some((charge) => !charge.stripePriceId)) throw new AppError("conflict", "The plan version's Stripe prices are missing; publish it again.");
  return {
    version: target,
    swap: { stripeBasePriceId: target.stripeBasePriceId, charges: charges.map((charge) => ({ meterId: charge.meterId, stripePriceId: charge.stripePriceId ?? "" })) },
  };
}

export function requireLive(subscription: TSubscriptionDetail): string {
  if (subscription.endedAt || subscription.status === "CANCELED" || subscription.status === "INCOMPLETE_EXPIRED") {
    throw new AppError("conflict", "The subscription has ended.");
  }
  if (!subscription.stripeSubscriptionId) throw new AppError("conflict", "The subscription is still being created; try again in a moment.");
  return subscription.stripeSubscriptionId;
}

export async function changeSubscriptionPlan(
  subscriptionId: string,
  input: TSubscriptionPlanChangeInput,
  context: TAuditContext,
  scope: { customerId?: string } = {},
  options: { now?: () => Date } = {},
): Promise<TSubscriptionDetail> {
  const subscription = await getSubscription(subscriptionId, scope);
  const stripeSubscriptionId = requireLive(subscription);
  const { version, swap } = await requireTargetVersion(subscription, input.planVersionId);
  const before = { planVersionId: subscription.planVersionId, pendingPlanVersionId: subscription.pendingPlanVersionId };

  if (input.when === "period_end") {
    if (subscription.planVersionId === version.id) throw new AppError("conflict", "The subscription is on this plan version already.");
    if (subscription.pendingPlanVersionId === version.id) return subscription; // scheduled already
    await db.$transaction(async (tx) => {
      await tx.subscription.update({ where: { id: subscriptionId }, data: { pendingPlanVersionId: version.id } });
      await recordSubscriptionChange(
        tx,
        {
          subscriptionId,
          customerId: subscription.customerId,
          kind: "PLAN_CHANGE_SCHEDULED",
          fromPlanVersionId: subscription.planVersionId,
          toPlanVersionId: version.id,
          effectiveAt: subscription.currentPeriodEnd,
          action: "subscription.plan_change_scheduled",
          before,
          after: { planVersionId: subscription.planVersionId, pendingPlanVersionId: version.id, effectiveAt: subscription.currentPeriodEnd },
        },
        context,
      );
    });
    return getSubscription(subscriptionId);
  }

  if (subscription.planVersionId === version.id) {
    if (!subscription.pendingPlanVersionId) throw new AppError("conflict", "The subscription is on this plan version already.");
    // "Stay on my plan": drop the scheduled change.
    await db.$transaction(async (tx) => {
      await tx.subscription.update({ where: { id: subscriptionId }, data: { pendingPlanVersionId: null } });
      await recordSubscriptionChange(
        tx,
        {
          subscriptionId,
          customerId: subscription.customerId,
          kind: "PLAN_CHANGE_SCHEDULED",
          fromPlanVersionId: subscription.planVersionId,
          toPlanVersionId: subscription.planVersionId,
          effectiveAt: new Date(),
          action: "subscription.plan_change_unscheduled",
          before,
          after: { planVersionId: subscription.planVersionId, pendingPlanVersionId: null },
        },
        context,
      );
    });
    return getSubscription(subscriptionId);
  }

  const key = `subscription-change:${subscriptionId}:${await nextChangeSequence(db, subscriptionId)}`;
  await flushCustomerUsage(subscription.customerId, { now: options.now });
  await swapStripePlan(db, stripeSubscriptionId, swap, { idempotencyKey: key });
  await syncSubscription(stripeSubscriptionId);
  await db.$transaction(async (tx) => {
    const current = await tx.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    const recorded = await recordSubscriptionChange(
      tx,
      {
        subscriptionId,
        customerId: subscription.customerId,
        kind: "PLAN_CHANGED",
        fromPlanVersionId: current.planVersionId,
        toPlanVersionId: version.id,
        effectiveAt: new Date(),
        idempotencyKey: key,
        action: "subscription.plan_changed",
        before,
        after: { planVersionId: version.id, pendingPlanVersionId: null },
      },
      context,
    );
    if (recorded) await tx.subscription.update({ where: { id: subscriptionId }, data: { planVersionId: version.id, pendingPlanVersionId: null } });
  });
  return getSubscription(subscriptionId);
}
