// Self-serve plan changes: the plans page's options (each plan priced by the engine on the
// customer's real usage, the cheapest marked, upgrade now / downgrade at the period end), and the
// customer's server actions — members only, another customer's id answers 404 and changes nothing,
// and a double click or two tabs change Stripe once.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { findPlanOptions } from "@/lib/billing/find-plan-options";
import { getStripeInvoicePreview } from "@/lib/billing/get-stripe-invoice-preview";
import { previewPlanChange } from "@/lib/billing/preview-plan-change";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, customer as createStripeCustomer, JAN_1, meter, perUnitPlan } from "./catalog-helpers";
import { createUser, sessionCookie } from "./factories";
import { at, DAY, recordEvents } from "./reporter-helpers";

// Server actions read the session from the request's cookies: here, the jar below.
const jar = new Map<string, string>();
vi.mock("next/headers", () => ({ cookies: async () => ({ get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined) }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
const { cancelOwnSubscriptionAction, changeOwnPlanAction, keepOwnSubscriptionAction } = await import("@/app/(customer)/dashboard/[customerId]/actions");

async function logInAs(userId: string) {
  const [name, value] = (await sessionCookie(userId)).split("=");
  jar.clear();
  jar.set(name ?? "", value ?? "");
}

/** A customer on "middle" ($20 + 2¢ a call), with "small" ($10 + 5¢) and "large" ($50 + 1¢) to choose from. */
async function customerOnMiddle() {
  const context = await adminContext();
  const calls = await meter(context);
  const small = await perUnitPlan(context, [calls.id], 1_000, "5");
  const middle = await perUnitPlan(context, [calls.id], 2_000, "2");
  const large = await perUnitPlan(context, [calls.id], 5_000, "1");
  const customer = await createStripeCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: middle.id }, context);
  const member = await createUser({ customerId: customer.id });
  const stripeItems = async () => (await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "")).items.data.map((item) => item.price.id).sort();
  return { context, calls, small, middle, large, customer, subscription, member, stripeItems };
}

beforeEach(() => jar.clear());

describe("plan options", () => {
  it("price every plan on the customer's usage so far, mark the cheapest, and say how a change applies", async () => {
    const { calls, small, middle, large, customer } = await customerOnMiddle();
    // Non-clock customers' periods begin when they subscribe (just now): usage comes after.
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 2_000, at: new Date() }], new Date());
    const { options } = await findPlanOptions(customer.id);
    const byVersion = new Map(options.map((option) => [option.version.id, option]));
    // 2,000 calls: small $10 + $100, middle $20 + $40, large $50 + $20.
    expect(byVersion.get(small.id)).toMatchObject({ kind: "downgrade", when: "period_end", unavailable: null });
    expect(byVersion.get(small.id)?.soFar.totalMinor).toBe(11_000n);
    expect(byVersion.get(middle.id)).toMatchObject({ kind: "current", when: null });
    expect(byVersion.get(middle.id)?.soFar.totalMinor).toBe(6_000n);
    expect(byVersion.get(large.id)).toMatchObject({ kind: "upgrade", when: "now" });
    expect(byVersion.get(large.id)?.soFar.totalMinor).toBe(7_000n);
    // Every plan offered is listed (other tests' plans too, in this shared database): the cheapest
    // mark is on exactly the choosable ones at the lowest total.
    const expectCheapestMarked = (listed: typeof options) => {
      const choosable = listed.filter((option) => option.unavailable === null);
      const lowest = choosable.reduce((min, option) => (option.soFar.totalMinor < min ? option.soFar.totalMinor : min), choosable[0]?.soFar.totalMinor ?? 0n);
      for (const option of listed) expect(option.cheapest, option.planName).toBe(option.unavailable === null && option.soFar.totalMinor === lowest);
      return lowest;
    };
    expect(expectCheapestMarked(options)).toBeLessThanOrEqual(6_000n);

    // Many more calls: the large plan becomes cheaper than the middle one.
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 8_000, at: new Date() }], new Date());
    const laterOptions = (await findPlanOptions(customer.id)).options;
    const later = new Map(laterOptions.map((option) => [option.version.id, option]));
    expect(later.get(large.id)?.soFar.totalMinor).toBe(15_000n);
    expect(later.get(middle.id)?.soFar.totalMinor).toBe(22_000n);
    expectCheapestMarked(laterOptions);
  });

  it("mark the cheapest among the plans a customer can choose, not one in another currency", async () => {
    const { context, calls, customer } = await customerOnMiddle();
    // A plan in euros that costs nothing at this usage: listed, not choosable, never the cheapest.
    const euro = await (await import("./catalog-helpers")).publishedPlan(context, [calls.id], { currency: "eur", baseFeeMinor: 0 });
    const option = (await findPlanOptions(customer.id)).options.find((candidate) => candidate.version.id === euro.id);
    expect(option).toMatchObject({ cheapest: false, unavailable: expect.stringMatching(/EUR/) });
    expect(option?.soFar.totalMinor).toBe(0n);
  });
});

describe("customer plan actions", () => {
  it("upgrade now, once, however often the member clicks or how many tabs they have open", async () => {
    const { large, customer, subscription, member, stripeItems } = await customerOnMiddle();
    await logInAs(member.id);
    const results = await Promise.all([1, 2, 3].map(() => changeOwnPlanAction({ customerId: customer.id, planVersionId: large.id })));
    const succeeded = results.filter((result) => result.ok);
    expect(succeeded.length).toBeGreaterThanOrEqual(1);
    for (const result of results) if (!result.ok) expect(result.error).toMatchObject({ code: "conflict" });
    expect(await stripeItems()).toEqual([large.stripeBasePriceId, large.charges[0]?.stripePriceId].sort());
    expect(await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({ planVersionId: large.id, pendingPlanVersionId: null });
    const changes = await db.subscriptionChange.findMany({ where: { subscriptionId: subscription.id, kind: "PLAN_CHANGED" } });
    expect(changes).toHaveLength(1);
    // Stripe changed once: one update event for the subscription.
    const events = await getStripe().events.list({ type: "customer.subscription.updated", limit: 100 });
    expect(events.data.filter((event) => (event.data.object as { id: string }).id === subscription.stripeSubscriptionId)).toHaveLength(1);
    expect(await db.auditLog.count({ where: { entityId: subscription.id, action: "subscription.plan_changed", actorUserId: member.id } })).toBe(1);
  });

  it("schedule a downgrade for the period end, and drop it when the member stays", async () => {
    const { small, middle, customer, subscription, member, stripeItems } = await customerOnMiddle();
    const before = await stripeItems();
    await logInAs(member.id);
    expect(await changeOwnPlanAction({ customerId: customer.id, planVersionId: small.id })).toEqual({ ok: true, data: { planVersionId: middle.id, pendingPlanVersionId: small.id } });
    expect(await stripeItems()).toEqual(before);
    expect(await changeOwnPlanAction({ customerId: customer.id, planVersionId: middle.id })).toEqual({ ok: true, data: { planVersionId: middle.id, pendingPlanVersionId: null } });
    expect(await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).toMatchObject({ planVersionId: middle.id, pendingPlanVersionId: null });
  });

  it("cancel at the period end and keep the subscription", async () => {
    const { customer, subscription, member } = await customerOnMiddle();
    await logInAs(member.id);
    expect(await cancelOwnSubscriptionAction({ customerId: customer.id, subscriptionId: subscription.id })).toEqual({ ok: true, data: { cancelAtPeriodEnd: true } });
    expect((await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "")).cancel_at_period_end).toBe(true);
    expect(await keepOwnSubscriptionAction({ customerId: customer.id, subscriptionId: subscription.id })).toEqual({ ok: true, data: { cancelAtPeriodEnd: false } });
    expect((await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "")).cancel_at_period_end).toBe(false);
  });

  it("answer another customer's member, staff and strangers without changing anything", async () => {
    const mine = await customerOnMiddle();
    const theirs = await customerOnMiddle();
    const before = await theirs.stripeItems();
    const admin = await createUser({ staffRole: "ADMIN" });

    await logInAs(mine.member.id);
    const crossTenant = await changeOwnPlanAction({ customerId: theirs.customer.id, planVersionId: theirs.large.id });
    expect(crossTenant).toMatchObject({ ok: false, error: { code: "not_found" } });
    // Their subscription, named with my customer id: not found either.
    expect(await cancelOwnSubscriptionAction({ customerId: mine.customer.id, subscriptionId: theirs.subscription.id })).toMatchObject({ ok: false, error: { code: "not_found" } });
    await logInAs(admin.id);
    expect(await changeOwnPlanAction({ customerId: theirs.customer.id, planVersionId: theirs.large.id })).toMatchObject({ ok: false, error: { code: "not_found" } });
    jar.clear();
    expect(await changeOwnPlanAction({ customerId: theirs.customer.id, planVersionId: theirs.large.id })).toMatchObject({ ok: false, error: { code: "unauthenticated" } });

    expect(await theirs.stripeItems()).toEqual(before);
    expect(await db.subscription.findUniqueOrThrow({ where: { id: theirs.subscription.id } })).toMatchObject({ planVersionId: theirs.middle.id, cancelAtPeriodEnd: false });
  });

  it("refuses a plan that bills in another currency", async () => {
    const { context, calls, customer, member } = await customerOnMiddle();
    const euro = await (await import("./catalog-helpers")).publishedPlan(context, [calls.id], { currency: "eur" });
    await logInAs(member.id);
    expect(await changeOwnPlanAction({ customerId: customer.id, planVersionId: euro.id })).toMatchObject({ ok: false, error: { code: "unprocessable", message: expect.stringMatching(/EUR/) } });
  });
});

describe("a change's preview", () => {
  it("shows the prorations Stripe then bills for the change, to the cent", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const middle = await perUnitPlan(context, [calls.id], 2_000, "2");
    const large = await perUnitPlan(context, [calls.id], 5_000, "1");
    const { clock, customer } = await clockCustomer(context);
    const subscription = await createSubscription(customer.id, { planVersionId: middle.id }, context);
    const tenDaysIn = at(JAN_1 + 10 * DAY);
    await clockAdvance(clock.id, JAN_1 + 10 * DAY);

    const preview = await previewPlanChange(customer.id, large.id, { now: tenDaysIn });
    // 21 of January's 31 days: $20 × 21/31 credited, $50 × 21/31 charged; the old metered price's usage so far (none) billed.
    expect(preview.prorations.map((line) => line.amountMinor).sort((a, b) => Number(a - b))).toEqual([-1_355n, 0n, 3_387n]);
    expect(preview.prorationMinor).toBe(2_032n);
    expect(preview.baseFeeProrationMinor).toBe(2_032n);

    await changeSubscriptionPlan(subscription.id, { planVersionId: large.id, when: "now" }, context, {}, { now: () => tenDaysIn });
    const after = await getStripeInvoicePreview(subscription.stripeSubscriptionId ?? "");
    expect(after.available && after.lines.filter((line) => line.proration).reduce((sum, line) => sum + line.amountMinor, 0n)).toBe(preview.prorationMinor);
    expect(after.available && after.totalMinor).toBe(preview.nextInvoiceMinor);
    await expect(previewPlanChange(customer.id, large.id, { now: tenDaysIn })).rejects.toMatchObject({ code: "conflict" });
  });
});
