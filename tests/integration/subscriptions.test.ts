// Subscriptions against the real database and the Stripe emulator, on test clocks: what Stripe's
// subscription carries, that a plan change bills the usage before it once at the old price, changes
// at the period end, cancellations, double calls, audit rows and customer scoping.
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { createPlanVersion } from "@/lib/catalog/create-plan-version";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { applyPendingPlanChange } from "@/lib/subscriptions/apply-pending-plan-change";
import { cancelSubscription } from "@/lib/subscriptions/cancel-subscription";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { undoScheduledCancel } from "@/lib/subscriptions/undo-scheduled-cancel";
import { adminContext, clockAdvance, clockCustomer, customer, meter, perUnitPlan, slug } from "./catalog-helpers";

const DAY = 86_400;
const HOUR = 3_600;
/** 2024-01-01T00:00:00Z; the first monthly period ends on FEB_1. */
const JAN_1 = 1_704_067_200;
const FEB_1 = JAN_1 + 31 * DAY;

const at = (seconds: number) => new Date(seconds * 1000);

async function sendUsage(eventName: string, stripeCustomerId: string, value: number, timestamp: number) {
  await getStripe().billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: stripeCustomerId, value: String(value) }, timestamp });
}

const priceOf = (line: Stripe.InvoiceLineItem) => line.pricing?.price_details?.price;

describe("subscriptions", () => {
  it("subscribes a customer: a Stripe subscription with the base item and one metered item per charge, mirrored in Tally", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const tokens = await meter(context, { displayName: "Tokens" });
    const version = await perUnitPlan(context, [calls.id, tokens.id], 2000, "2");
    const { customer: acme } = await clockCustomer(context);

    const subscription = await createSubscription(acme.id, { planVersionId: version.id }, context);
    expect(subscription).toMatchObject({ status: "ACTIVE", planVersionId: version.id, customerId: acme.id });
    expect(subscription.currentPeriodStart).toEqual(at(JAN_1));
    expect(subscription.currentPeriodEnd).toEqual(at(FEB_1));

    const stripeSubscription = await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "");
    expect(stripeSubscription.billing_mode.type).toBe("flexible");
    expect(stripeSubscription.metadata.tally_subscription_id).toBe(subscription.id);
    expect(stripeSubscription.items.data.map((item) => item.price.id).sort()).toEqual(
      [version.stripeBasePriceId, ...version.charges.map((charge) => charge.stripePriceId)].sort(),
    );
    expect(subscription.items.map((item) => [item.kind, item.meterId]).sort()).toEqual(
      [["BASE", null], ["METERED", calls.id], ["METERED", tokens.id]].sort(),
    );
    expect(subscription.items.every((item) => item.stripeSubscriptionItemId?.startsWith("si_"))).toBe(true);

    const changes = await db.subscriptionChange.findMany({ where: { subscriptionId: subscription.id } });
    expect(changes).toMatchObject([{ kind: "CREATED", toPlanVersionId: version.id, idempotencyKey: `subscription:${subscription.id}:create` }]);
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: subscription.id, action: "subscription.created" } });
    expect(audit).toMatchObject({ customerId: acme.id, actorKind: "USER" });

    // A second subscribe is refused and reaches Stripe no more.
    await expect(createSubscription(acme.id, { planVersionId: version.id }, context)).rejects.toMatchObject({ code: "conflict" });
    const all = await getStripe().subscriptions.list({ customer: acme.stripeCustomerId ?? "", status: "all" });
    expect(all.data).toHaveLength(1);
  });

  it("resumes a subscribe that crashed after Stripe created the subscription, without a second one", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 2000, "2");
    const { customer: acme } = await clockCustomer(context);
    const first = await createSubscription(acme.id, { planVersionId: version.id }, context);
    // The crash: Stripe has the subscription, Tally only the intent.
    await db.subscriptionItem.deleteMany({ where: { subscriptionId: first.id } });
    await db.subscriptionChange.deleteMany({ where: { subscriptionId: first.id } });
    await db.subscription.update({ where: { id: first.id }, data: { stripeSubscriptionId: null, status: "INCOMPLETE", stripeSyncedAt: null } });

    const resumed = await createSubscription(acme.id, { planVersionId: version.id }, context);
    expect(resumed.stripeSubscriptionId).toBe(first.stripeSubscriptionId);
    expect(resumed.items).toHaveLength(2);
    const all = await getStripe().subscriptions.list({ customer: acme.stripeCustomerId ?? "", status: "all" });
    expect(all.data).toHaveLength(1);
  });

  it("converges once when the service and a webhook sync a new subscription at the same time", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 2000, "2");
    const { customer: acme } = await clockCustomer(context);
    const first = await createSubscription(acme.id, { planVersionId: version.id }, context);
    // Back to "Stripe has it, Tally has no items yet": what a webhook racing the service sees.
    await db.subscriptionItem.deleteMany({ where: { subscriptionId: first.id } });
    await db.subscription.update({ where: { id: first.id }, data: { stripeSyncedAt: null } });

    const results = await Promise.allSettled(Array.from({ length: 6 }, () => syncSubscription(first.stripeSubscriptionId ?? "")));
    expect(results.flatMap((result) => (result.status === "rejected" ? [String(result.reason)] : []))).toEqual([]);
    const items = await db.subscriptionItem.findMany({ where: { subscriptionId: first.id } });
    expect(items).toHaveLength(2);
  });

  it("refuses drafts, customers without Stripe, and another customer's subscription (not_found)", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 2000, "2");
    const draft = await createPlanVersion(version.planId, context);
    const { customer: acme } = await clockCustomer(context);
    await expect(createSubscription(acme.id, { planVersionId: draft.id }, context)).rejects.toMatchObject({ code: "unprocessable" });
    const bare = await db.customer.create({ data: { externalId: slug("bare"), name: "Bare" } });
    await expect(createSubscription(bare.id, { planVersionId: version.id }, context)).rejects.toMatchObject({ code: "unprocessable" });

    const subscription = await createSubscription(acme.id, { planVersionId: version.id }, context);
    const other = await customer(context);
    const scope = { customerId: other.id };
    await expect(changeSubscriptionPlan(subscription.id, { planVersionId: version.id, when: "now" }, context, scope)).rejects.toMatchObject({ code: "not_found" });
    await expect(cancelSubscription(subscription.id, { when: "now" }, context, scope)).rejects.toMatchObject({ code: "not_found" });
    await expect(undoScheduledCancel(subscription.id, context, scope)).rejects.toMatchObject({ code: "not_found" });
  });

  it("changes plan now: prorated base fee, and the usage before the change billed once at the old price", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const starter = await perUnitPlan(context, [calls.id], 2000, "2"); // $20 + 2¢ a call
    const pro = await perUnitPlan(context, [calls.id], 4000, "5"); // $40 + 5¢ a call
    const { clock, customer: acme } = await clockCustomer(context);
    const stripeCustomerId = acme.stripeCustomerId ?? "";
    const subscription = await createSubscription(acme.id, { planVersionId: starter.id }, context);
    const meteredBefore = subscription.items.find((item) => item.kind === "METERED");

    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await sendUsage(calls.eventName, stripeCustomerId, 100, JAN_1 + 5 * DAY);
    const changed = await changeSubscriptionPlan(subscription.id, { planVersionId: pro.id, when: "now" }, context);
    expect(changed.planVersionId).toBe(pro.id);
    const meteredAfter = changed.items.find((item) => item.kind === "METERED");
    // The same Stripe item, with the new price attached at the change (Stripe's clock).
    expect(meteredAfter?.stripeSubscriptionItemId).toBe(meteredBefore?.stripeSubscriptionItemId);
    expect(meteredAfter?.stripePriceId).toBe(pro.charges[0]?.stripePriceId);
    expect(meteredAfter?.attachedAt).toEqual(at(JAN_1 + 10 * DAY));
    const stripeSubscription = await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "");
    expect(stripeSubscription.items.data.map((item) => item.price.id).sort()).toEqual([pro.stripeBasePriceId, pro.charges[0]?.stripePriceId].sort());

    // A second click: already on the plan; Stripe is not called again.
    await expect(changeSubscriptionPlan(subscription.id, { planVersionId: pro.id, when: "now" }, context)).rejects.toMatchObject({ code: "conflict" });
    const changes = await db.subscriptionChange.findMany({ where: { subscriptionId: subscription.id, kind: "PLAN_CHANGED" } });
    expect(changes).toHaveLength(1);
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: subscription.id, action: "subscription.plan_changed" } });
    expect(audit.before).toMatchObject({ planVersionId: starter.id });
    expect(audit.after).toMatchObject({ planVersionId: pro.id });

    await clockAdvance(clock.id, JAN_1 + 15 * DAY);
    await sendUsage(calls.eventName, stripeCustomerId, 50, JAN_1 + 15 * DAY);
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const invoices = (await getStripe().invoices.list({ subscription: subscription.stripeSubscriptionId ?? "" })).data;
    const cycle = invoices.find((invoice) => invoice.billing_reason === "subscription_cycle");
    expect(cycle?.status).toBe("paid");
    const lines = invoices.flatMap((invoice) => invoice.lines.data);
    const oldMetered = lines.filter((line) => priceOf(line) === starter.charges[0]?.stripePriceId);
    const newMetered = lines.filter((line) => priceOf(line) === pro.charges[0]?.stripePriceId);
    // The 100 calls before the change: once, at 2¢; the 50 after: once, at 5¢.
    expect(oldMetered.map((line) => [line.quantity, line.amount])).toEqual([[100, 200]]);
    expect(newMetered.map((line) => [line.quantity, line.amount])).toEqual([[50, 250]]);
    // The base fee: the unused 21 of 31 days of $20 credited, 21 days of $40 charged.
    const baseProrations = (cycle?.lines.data ?? []).filter((line) => line.parent?.subscription_item_details?.proration).map((line) => line.amount);
    expect(baseProrations).toEqual(expect.arrayContaining([-Math.round((2000 * 21) / 31), Math.round((4000 * 21) / 31)]));
  });

  it("changes plan at the period end: nothing in Stripe until the period rolls, then applied once", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const tokens = await meter(context, { displayName: "Tokens" });
    const big = await perUnitPlan(context, [calls.id, tokens.id], 4000, "5");
    const small = await perUnitPlan(context, [calls.id], 1000, "2");
    const { clock, customer: acme } = await clockCustomer(context);
    const subscription = await createSubscription(acme.id, { planVersionId: big.id }, context);
    const stripeId = subscription.stripeSubscriptionId ?? "";

    const scheduled = await changeSubscriptionPlan(subscription.id, { planVersionId: small.id, when: "period_end" }, context);
    expect(scheduled).toMatchObject({ planVersionId: big.id, pendingPlanVersionId: small.id });
    const again = await changeSubscriptionPlan(subscription.id, { planVersionId: small.id, when: "period_end" }, context);
    expect(again.pendingPlanVersionId).toBe(small.id);
    expect(await db.subscriptionChange.count({ where: { subscriptionId: subscription.id, kind: "PLAN_CHANGE_SCHEDULED" } })).toBe(1);
    expect((await getStripe().subscriptions.retrieve(stripeId)).items.data).toHaveLength(3);

    // Before the roll: not due.
    expect((await applyPendingPlanChange(subscription.id)).planVersionId).toBe(big.id);
    expect((await getStripe().subscriptions.retrieve(stripeId)).items.data).toHaveLength(3);

    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    await syncSubscription(stripeId);
    // Twice at once (two webhook deliveries): one Stripe change, one history row.
    const outcomes = await Promise.allSettled([applyPendingPlanChange(subscription.id), applyPendingPlanChange(subscription.id)]);
    const applied = outcomes.flatMap((outcome) => (outcome.status === "fulfilled" ? [outcome.value] : []));
    const refused = outcomes.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as { code?: string }] : []));
    expect(applied.length).toBeGreaterThanOrEqual(1);
    expect(refused.every((error) => error.code === "conflict")).toBe(true); // "being changed by another request"
    expect(applied[0]?.planVersionId).toBe(small.id);
    const final = await applyPendingPlanChange(subscription.id);
    expect(final).toMatchObject({ planVersionId: small.id, pendingPlanVersionId: null });
    expect(final.currentPeriodStart).toEqual(at(FEB_1));
    const stripeSubscription = await getStripe().subscriptions.retrieve(stripeId);
    expect(stripeSubscription.items.data.map((item) => item.price.id).sort()).toEqual([small.stripeBasePriceId, small.charges[0]?.stripePriceId].sort());
    // The dropped meter's item is marked removed, not forgotten.
    const tokenItem = final.items.find((item) => item.meterId === tokens.id || (item.kind === "METERED" && item.removedAt));
    expect(tokenItem?.removedAt).toEqual(at(FEB_1 + 2 * HOUR));
    expect(await db.subscriptionChange.count({ where: { subscriptionId: subscription.id, kind: "PLAN_CHANGED" } })).toBe(1);
  });

  it("cancels at the period end, undoes it, and cancels now with a final invoice for the metered usage", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 2000, "2");
    const { clock, customer: acme } = await clockCustomer(context);
    const subscription = await createSubscription(acme.id, { planVersionId: version.id }, context);
    const stripeId = subscription.stripeSubscriptionId ?? "";

    const scheduled = await cancelSubscription(subscription.id, { when: "period_end" }, context);
    expect(scheduled).toMatchObject({ cancelAtPeriodEnd: true, status: "ACTIVE", endedAt: null });
    expect((await getStripe().subscriptions.retrieve(stripeId)).cancel_at_period_end).toBe(true);
    await cancelSubscription(subscription.id, { when: "period_end" }, context); // a second click
    expect(await db.subscriptionChange.count({ where: { subscriptionId: subscription.id, kind: "CANCEL_SCHEDULED" } })).toBe(1);

    const kept = await undoScheduledCancel(subscription.id, context);
    expect(kept.cancelAtPeriodEnd).toBe(false);
    expect((await getStripe().subscriptions.retrieve(stripeId)).cancel_at_period_end).toBe(false);

    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await sendUsage(calls.eventName, acme.stripeCustomerId ?? "", 300, JAN_1 + 9 * DAY);
    const canceled = await cancelSubscription(subscription.id, { when: "now" }, context);
    expect(canceled).toMatchObject({ status: "CANCELED" });
    expect(canceled.endedAt).toEqual(at(JAN_1 + 10 * DAY));
    const again = await cancelSubscription(subscription.id, { when: "now" }, context);
    expect(again.status).toBe("CANCELED");
    expect(await db.subscriptionChange.count({ where: { subscriptionId: subscription.id, kind: "CANCELED" } })).toBe(1);

    const invoices = (await getStripe().invoices.list({ subscription: stripeId })).data;
    const metered = invoices.flatMap((invoice) => invoice.lines.data).filter((line) => priceOf(line) === version.charges[0]?.stripePriceId);
    expect(metered.map((line) => [line.quantity, line.amount])).toEqual([[300, 600]]);
    const audit = await db.auditLog.findMany({ where: { entityId: subscription.id }, orderBy: { id: "asc" } });
    expect(audit.map((row) => row.action)).toEqual(["subscription.created", "subscription.cancel_scheduled", "subscription.cancel_unscheduled", "subscription.canceled"]);
    expect(audit.at(-1)?.after).toMatchObject({ status: "CANCELED" });
  });

  it("sync never lets an older read overwrite a newer one, and ignores subscriptions Tally does not own", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 2000, "2");
    const { customer: acme } = await clockCustomer(context);
    const subscription = await createSubscription(acme.id, { planVersionId: version.id }, context);
    const future = new Date(Date.now() + 60_000);
    await db.subscription.update({ where: { id: subscription.id }, data: { stripeSyncedAt: future, cancelAtPeriodEnd: true } });
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    const row = await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } });
    expect(row).toMatchObject({ cancelAtPeriodEnd: true, stripeSyncedAt: future });

    const foreign = await getStripe().subscriptions.create({ customer: acme.stripeCustomerId ?? "", items: [{ price: version.stripeBasePriceId ?? "" }] });
    expect(await syncSubscription(foreign.id)).toBeNull();
  });
});
