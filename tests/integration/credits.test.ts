// Issue #8, credits: finance grants a customer an amount or free units of a meter; it reaches
// Stripe (a billing credit grant; free units as a grant per invoice), the engine's preview and
// Stripe's agree to the cent with it in force, the invoice at the period end applies it exactly,
// the next period only what is left, expiry and void stop it, and every grant and void is audited.
// Real Postgres and the Stripe emulator through the official SDK; each test has its own customer
// on its own test clock.
import Decimal from "decimal.js";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { getStripeInvoicePreview } from "@/lib/billing/get-stripe-invoice-preview";
import { getUsageDashboard } from "@/lib/billing/get-usage-dashboard";
import { rateUsage } from "@/lib/billing/rate-usage";
import { getPlanVersion } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { createCredit } from "@/lib/credits/create-credit";
import { findCredits } from "@/lib/credits/find-credits";
import { grantQuantityCredits } from "@/lib/credits/grant-quantity-credits";
import { ZCreditGrantInput } from "@/lib/credits/schemas";
import { voidCredit } from "@/lib/credits/void-credit";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, perUnitPlan, publishedPlan } from "./catalog-helpers";
import { createUser, sessionCookie } from "./factories";
import { at, cycleInvoice, DAY, drain, HOUR, injectFault, recordEvents, reporterOptions, testSender } from "./reporter-helpers";

// Server actions read the session from the request's cookies: here, the jar below.
const jar = new Map<string, string>();
vi.mock("next/headers", () => ({ cookies: async () => ({ get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined) }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
const { grantCreditAction, voidCreditAction } = await import("@/app/finance/credits/actions");

async function logInAs(userId: string) {
  const [name, value] = (await sessionCookie(userId)).split("=");
  jar.clear();
  jar.set(name ?? "", value ?? "");
}

beforeEach(() => jar.clear());

const FEB_1 = JAN_1 + 31 * DAY;
const MAR_1 = FEB_1 + 29 * DAY;

/** A test-clock customer on $10 + 1¢ a call, and a finance user's audit context. */
async function perUnitCustomer() {
  const context = await adminContext();
  const calls = await meter(context);
  const version = await perUnitPlan(context, [calls.id], 1_000, "1");
  const { clock, customer } = await clockCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
  const finance = await createUser({ staffRole: "FINANCE" });
  const audit = { actor: { kind: "USER" as const, userId: finance.id }, requestId: null };
  return { context, calls, version, clock, customer, subscription, finance, audit };
}

/** Records usage as of `now` and reports it to Stripe (the clock must already be at `now`). */
async function use(customer: { id: string; externalId: string }, eventName: string, value: number, eventAt: number, now: number) {
  await recordEvents(customer.externalId, [{ meter: eventName, value, at: at(eventAt) }], at(now));
  await drain(testSender(), reporterOptions([customer.id], () => at(now)));
}

const amountCredit = (customerId: string, amount: string, extra: Record<string, unknown> = {}) =>
  ZCreditGrantInput.parse({ customerId, kind: "AMOUNT", amount, currency: "usd", reason: "Outage credit", ...extra });

describe("amount credits", () => {
  it("reach Stripe as a billing credit grant, agree with Stripe's preview and invoice to the cent, and the next period gets only what is left", async () => {
    const { calls, version, clock, customer, subscription, audit } = await perUnitCustomer();
    const credit = await createCredit(amountCredit(customer.id, "15.00"), audit, { now: at(JAN_1 + HOUR) });
    expect(credit).toMatchObject({ kind: "AMOUNT", amountMinor: 1_500n, currency: "usd" });

    const grant = await getStripe().billing.creditGrants.retrieve(credit.stripeCreditGrantId ?? "");
    expect(grant).toMatchObject({
      customer: customer.stripeCustomerId,
      amount: { type: "monetary", monetary: { currency: "usd", value: 1_500 } },
      applicability_config: { scope: { price_type: "metered" } },
      effective_at: JAN_1 + HOUR,
      expires_at: null,
      voided_at: null,
      metadata: { tally_credit_id: credit.id },
    });

    // January: 1,000 calls = $10 of usage; the $15 credit takes all of it, never the $10 base fee.
    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await use(customer, calls.eventName, 1_000, JAN_1 + 2 * DAY, JAN_1 + 10 * DAY);
    const january = await getUsageDashboard(customer.id, { now: at(JAN_1 + 10 * DAY) });
    expect(january.preview?.soFar.creditsMinor).toBe(1_000n);
    expect(january.preview?.soFar.totalMinor).toBe(1_000n);
    expect(january.credits.map((row) => [row.id, row.remainingMinor])).toEqual([[credit.id, 1_500n]]);
    expect(await getStripeInvoicePreview(subscription.stripeSubscriptionId ?? "")).toMatchObject({ available: true, totalMinor: 1_000n });

    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const janInvoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    expect(janInvoice).toMatchObject({ status: "paid", subtotal: 2_000, total: 1_000, amount_due: 1_000 });
    expect(BigInt(janInvoice?.total ?? -1)).toBe(january.preview?.soFar.totalMinor);
    await syncInvoice(janInvoice?.id ?? "");
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    expect((await findCredits({ customerId: customer.id, now: at(FEB_1 + 2 * HOUR) }))[0]).toMatchObject({ status: "ACTIVE", remainingMinor: 500n });

    // February: 2,000 calls = $20; only the $5 left applies.
    await clockAdvance(clock.id, FEB_1 + 10 * DAY);
    await use(customer, calls.eventName, 2_000, FEB_1 + 2 * DAY, FEB_1 + 10 * DAY);
    const february = await getUsageDashboard(customer.id, { now: at(FEB_1 + 10 * DAY) });
    expect(february.preview?.soFar.totalMinor).toBe(1_000n + 2_000n - 500n);
    expect(await getStripeInvoicePreview(subscription.stripeSubscriptionId ?? "")).toMatchObject({ available: true, totalMinor: 2_500n });
    const pricing = toPlanPricing(await getPlanVersion(version.id));
    expect(rateUsage(pricing, new Map([[calls.id, new Decimal(2_000)]]), { credits: await findRateCredits(db, customer.id, "usd", at(MAR_1)) }).totalMinor).toBe(2_500n);

    await clockAdvance(clock.id, MAR_1 + 2 * HOUR);
    const febInvoice = await cycleInvoice(customer.stripeCustomerId ?? "", MAR_1);
    expect(febInvoice).toMatchObject({ subtotal: 3_000, total: 2_500 });
    await syncInvoice(febInvoice?.id ?? "");
    expect((await findCredits({ customerId: customer.id, now: at(MAR_1 + 2 * HOUR) }))[0]).toMatchObject({ status: "USED_UP", remainingMinor: 0n });
    expect(await findRateCredits(db, customer.id, "usd", at(MAR_1 + 2 * HOUR))).toEqual([]);
  });

  it("stops at its expiry, and when voided (Stripe's grant voided too, audited with before and after)", async () => {
    const { calls, clock, customer, audit, finance } = await perUnitCustomer();
    const expiring = await createCredit(amountCredit(customer.id, "3.00", { expiresAt: new Date((JAN_1 + 20 * DAY) * 1000).toISOString() }), audit, { now: at(JAN_1 + HOUR) });
    const voided = await createCredit(amountCredit(customer.id, "4.00", { reason: "Goodwill" }), audit, { now: at(JAN_1 + HOUR) });
    expect((await getStripe().billing.creditGrants.retrieve(expiring.stripeCreditGrantId ?? "")).expires_at).toBe(JAN_1 + 20 * DAY);

    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await use(customer, calls.eventName, 1_000, JAN_1 + 2 * DAY, JAN_1 + 10 * DAY);
    await voidCredit(voided.id, audit, { now: at(JAN_1 + 10 * DAY) });
    expect((await getStripe().billing.creditGrants.retrieve(voided.stripeCreditGrantId ?? "")).voided_at).toBe(JAN_1 + 10 * DAY);
    await expect(voidCredit(voided.id, audit)).rejects.toMatchObject({ code: "conflict" });

    // Now: the expiring credit is still in force; at the period end neither is, in Tally or in Stripe.
    expect((await findCredits({ customerId: customer.id, now: at(JAN_1 + 10 * DAY) })).map((row) => [row.id, row.status])).toEqual([
      [voided.id, "VOIDED"],
      [expiring.id, "ACTIVE"],
    ]);
    const dashboard = await getUsageDashboard(customer.id, { now: at(JAN_1 + 10 * DAY) });
    expect(dashboard.preview?.soFar).toMatchObject({ creditsMinor: 0n, totalMinor: 2_000n });
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    expect(await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1)).toMatchObject({ subtotal: 2_000, total: 2_000, total_pretax_credit_amounts: [] });

    const entries = await db.auditLog.findMany({ where: { customerId: customer.id, action: { startsWith: "credit." } }, orderBy: { createdAt: "asc" } });
    expect(entries.map((entry) => [entry.action, entry.entityId, entry.actorUserId])).toEqual([
      ["credit.granted", expiring.id, finance.id],
      ["credit.granted", voided.id, finance.id],
      ["credit.voided", voided.id, finance.id],
    ]);
    expect(entries[1]).toMatchObject({ before: null, after: { amountMinor: "400", currency: "usd", reason: "Goodwill", stripeCreditGrantId: voided.stripeCreditGrantId, voidedAt: null } });
    expect(entries[2]).toMatchObject({ before: { voidedAt: null }, after: { voidedAt: at(JAN_1 + 10 * DAY).toISOString() } });
  });

  it("a Stripe failure grants nothing anywhere; a lost answer is adopted, never granted twice", async () => {
    const { customer, audit } = await perUnitCustomer();
    const stripeCustomerId = customer.stripeCustomerId ?? "";
    const refused = await injectFault({ path: "/v1/billing/credit_grants", action: "error", status: 400, error_type: "invalid_request_error", message: "Refused by the test", body_contains: stripeCustomerId, count: 1 });
    await expect(createCredit(amountCredit(customer.id, "5.00"), audit)).rejects.toMatchObject({ code: "service_unavailable", message: expect.stringContaining("Nothing was granted") });
    await refused.remove();
    expect(await db.credit.count({ where: { customerId: customer.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { customerId: customer.id, action: { startsWith: "credit." } } })).toBe(0);
    expect((await getStripe().billing.creditGrants.list({ customer: stripeCustomerId })).data).toEqual([]);

    // Stripe grants, the answer is lost (the SDK's own retry too): Tally finds the grant and keeps it.
    const dropped = await injectFault({ path: "/v1/billing/credit_grants", action: "drop", body_contains: stripeCustomerId, count: 3 });
    const credit = await createCredit(amountCredit(customer.id, "5.00"), audit);
    await dropped.remove();
    const grants = (await getStripe().billing.creditGrants.list({ customer: stripeCustomerId })).data;
    expect(grants.map((grant) => grant.id)).toEqual([credit.stripeCreditGrantId]);
    expect(await db.auditLog.count({ where: { customerId: customer.id, action: "credit.granted" } })).toBe(1);
  });
});

describe("quantity credits", () => {
  it("are granted to the drafted invoice at their engine value, so Stripe bills exactly the engine's total (with an amount credit too)", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await publishedPlan(context, [calls.id]); // $49 + 1,000 included, then 0.5¢ up to 10,000 more, then 0.2¢ + $1 flat
    const { clock, customer } = await clockCustomer(context);
    const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
    const finance = await createUser({ staffRole: "FINANCE" });
    const audit = { actor: { kind: "USER" as const, userId: finance.id } };
    const free = await createCredit(ZCreditGrantInput.parse({ customerId: customer.id, kind: "QUANTITY", meterId: calls.id, quantity: "3000", reason: "Migration" }), audit, { now: at(JAN_1 + HOUR) });
    expect(free.stripeCreditGrantId).toBeNull();
    await createCredit(amountCredit(customer.id, "20.00"), audit, { now: at(JAN_1 + HOUR) });

    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await use(customer, calls.eventName, 12_500, JAN_1 + 2 * DAY, JAN_1 + 10 * DAY);
    // Engine: 12,500 − 3,000 free = 9,500: 1,000 included, 8,500 × 0.5¢ = $42.50, − $20 = $22.50, + $49.
    const dashboard = await getUsageDashboard(customer.id, { now: at(JAN_1 + 10 * DAY) });
    expect(dashboard.preview?.soFar.totalMinor).toBe(7_150n);
    // Stripe's preview has no free units yet (they reach it with the draft): 5,400 − 2,000 + 4,900.
    expect(dashboard.preview?.stripeComparableTotalMinor).toBe(8_300n);
    expect(await getStripeInvoicePreview(subscription.stripeSubscriptionId ?? "")).toMatchObject({ available: true, totalMinor: 8_300n });

    // Stripe drafts January's invoice; invoice.created grants the free units' value to it, once.
    await clockAdvance(clock.id, FEB_1 + 60);
    const draft = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    expect(draft?.status).toBe("draft");
    const granted = await grantQuantityCredits(draft?.id ?? "");
    // Stripe's line: 12,500 calls = $54.00; at 9,500 calls, $42.50: the units are worth $11.50.
    expect(granted).toEqual([{ creditId: free.id, quantity: "3000", amountMinor: 1_150n, stripeCreditGrantId: expect.stringMatching(/^credgr_/) }]);
    expect(await grantQuantityCredits(draft?.id ?? "")).toEqual([]);
    const grant = await getStripe().billing.creditGrants.retrieve(granted[0]?.stripeCreditGrantId ?? "");
    expect(grant).toMatchObject({ priority: 0, amount: { monetary: { value: 1_150 } }, metadata: { tally_credit_id: free.id, tally_invoice_id: draft?.id } });

    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    expect(invoice).toMatchObject({ status: "paid", subtotal: 4_900 + 5_400, total: 7_150 });
    expect(BigInt(invoice?.total ?? -1)).toBe(dashboard.preview?.soFar.totalMinor);
    await syncInvoice(invoice?.id ?? "");
    const after = await findCredits({ customerId: customer.id, now: at(FEB_1 + 2 * HOUR) });
    expect(after.map((row) => [row.kind, row.status])).toEqual([
      ["AMOUNT", "USED_UP"],
      ["QUANTITY", "USED_UP"],
    ]);
  });
});

describe("the finance actions", () => {
  it("refuse what cannot be granted, with a message on the field", async () => {
    const { customer, calls, finance } = await perUnitCustomer();
    const otherMeter = await meter(await adminContext());
    await logInAs(finance.id);
    const grant = (input: Record<string, unknown>) => grantCreditAction({ customerId: customer.id, kind: "AMOUNT", amount: "5", currency: "usd", reason: "Because", ...input } as Parameters<typeof grantCreditAction>[0]);
    const fieldOf = async (input: Record<string, unknown>) => {
      const result = await grant(input);
      if (result.ok) throw new Error("expected a refusal");
      return [result.error.code, result.error.fieldErrors];
    };
    expect(await fieldOf({ amount: "-5" })).toEqual(["invalid_params", { "/amount": "Must not be negative." }]);
    expect(await fieldOf({ amount: "0" })).toEqual(["invalid_params", { "/amount": "Must be greater than zero." }]);
    expect(await fieldOf({ amount: "1.005" })).toEqual(["invalid_params", { "/amount": expect.stringContaining("more than 2 decimal places") }]);
    expect(await fieldOf({ currency: "eur" })).toEqual(["invalid_params", { "/currency": "The customer is billed in USD, not EUR." }]);
    expect(await fieldOf({ reason: " " })).toEqual(["invalid_params", { "/reason": "Give the reason (the customer sees it)." }]);
    expect(await fieldOf({ expiresAt: "2020-01-01T00:00:00Z" })).toEqual(["invalid_params", { "/expiresAt": "The expiry must be in the future." }]);
    expect(await fieldOf({ kind: "QUANTITY", meterId: "00000000-0000-7000-8000-000000000000", quantity: "10" })).toEqual(["invalid_params", { "/meterId": "No such meter." }]);
    expect(await fieldOf({ kind: "QUANTITY", meterId: otherMeter.id, quantity: "10" })).toEqual(["invalid_params", { "/meterId": expect.stringContaining("does not charge") }]);
    expect(await fieldOf({ kind: "QUANTITY", meterId: calls.id, quantity: "-1" })).toEqual(["invalid_params", { "/quantity": "Must not be negative." }]);
    expect(await db.credit.count({ where: { customerId: customer.id } })).toBe(0);

    const granted = await grant({ kind: "QUANTITY", meterId: calls.id, quantity: "10" });
    expect(granted.ok).toBe(true);
    expect(await voidCreditAction({ creditId: granted.ok ? granted.data.id : "" })).toMatchObject({ ok: true });
  });

  it("are for finance and admins only: a customer's member cannot grant or void", async () => {
    const { customer, audit } = await perUnitCustomer();
    const credit = await createCredit(amountCredit(customer.id, "1.00"), audit);
    const member = await createUser({ customerId: customer.id });
    await logInAs(member.id);
    expect(await grantCreditAction({ customerId: customer.id, kind: "AMOUNT", amount: "5", currency: "usd", reason: "Me" })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await voidCreditAction({ creditId: credit.id })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    jar.clear();
    expect(await grantCreditAction({ customerId: customer.id, kind: "AMOUNT", amount: "5", currency: "usd", reason: "Me" })).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    expect(await db.credit.count({ where: { customerId: customer.id } })).toBe(1);
    expect((await db.credit.findUniqueOrThrow({ where: { id: credit.id } })).voidedAt).toBeNull();

    const admin = await createUser({ staffRole: "ADMIN" });
    await logInAs(admin.id);
    expect(await voidCreditAction({ creditId: credit.id })).toMatchObject({ ok: true });
  });
});
