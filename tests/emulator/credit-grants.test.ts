// Billing credits through the official SDK (SEMANTICS.md §7.4): grants (create, list, retrieve,
// update, expire, void, idempotent create), the balance summary and the ledger, and how grants apply
// to invoices at finalization and in create_preview — only to metered lines, in Stripe's order,
// never above the lines or the balance, consumed once, respecting effective_at / expires_at / void
// by the customer's test clock. Amounts in cents, by hand. The clock starts on 2024-01-01.
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceTo, caught, DAY, FEB_1, HOUR, JAN_1, MAR_1, sendUsage, setUpBilling, type TBillingSetup } from "./billing-setup";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

const metered = { scope: { price_type: "metered" as const } };
const usd = (value: number) => ({ type: "monetary" as const, monetary: { currency: "usd", value } });

/** A subscription to the $20 base price and the 2¢ per-unit metered price. */
async function subscribed(setup: TBillingSetup) {
  return e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.perUnit.id }] });
}

async function cycleInvoice(setup: TBillingSetup, periodEnd: number): Promise<Stripe.Invoice> {
  const invoices = await e.stripe.invoices.list({ customer: setup.customer.id });
  const invoice = invoices.data.find((candidate) => candidate.billing_reason === "subscription_cycle" && candidate.period_end === periodEnd);
  if (!invoice) throw new Error(`no cycle invoice ending at ${periodEnd}`);
  return invoice;
}

const credited = (invoice: Stripe.Invoice) => invoice.total_pretax_credit_amounts?.reduce((sum, credit) => sum + credit.amount, 0) ?? 0;

describe("credit grants", () => {
  it("creates, lists by customer with pagination, retrieves, updates, and replays an idempotent create", async () => {
    const setup = await setUpBilling(e);
    const other = await setUpBilling(e);
    const params: Stripe.Billing.CreditGrantCreateParams = {
      customer: setup.customer.id,
      amount: usd(1500),
      applicability_config: metered,
      category: "promotional",
      name: "Goodwill",
      metadata: { tally_credit_id: "c1" },
    };
    const grant = await e.stripe.billing.creditGrants.create(params, { idempotencyKey: "grant-c1" });
    expect(grant).toMatchObject({
      object: "billing.credit_grant",
      amount: { type: "monetary", monetary: { currency: "usd", value: 1500 } },
      applicability_config: { scope: { price_type: "metered" } },
      category: "promotional",
      customer: setup.customer.id,
      created: JAN_1,
      effective_at: null,
      expires_at: null,
      priority: 50,
      test_clock: setup.clock.id,
      voided_at: null,
      metadata: { tally_credit_id: "c1" },
    });
    expect(grant.id).toMatch(/^credgr_/);
    const replay = await e.stripe.billing.creditGrants.create(params, { idempotencyKey: "grant-c1" });
    expect(replay.id).toBe(grant.id);
    expect(replay.lastResponse.headers["idempotent-replayed"]).toBe("true");

    const second = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(100), applicability_config: metered });
    await e.stripe.billing.creditGrants.create({ customer: other.customer.id, amount: usd(100), applicability_config: metered });
    const page = await e.stripe.billing.creditGrants.list({ customer: setup.customer.id, limit: 1 });
    expect(page.data.map((g) => g.id)).toEqual([second.id]);
    expect(page.has_more).toBe(true);
    const next = await e.stripe.billing.creditGrants.list({ customer: setup.customer.id, limit: 1, starting_after: second.id });
    expect(next.data.map((g) => g.id)).toEqual([grant.id]);
    expect(next.has_more).toBe(false);
    expect((await e.stripe.billing.creditGrants.retrieve(grant.id)).id).toBe(grant.id);

    const updated = await e.stripe.billing.creditGrants.update(grant.id, { expires_at: MAR_1, metadata: { note: "x" } });
    expect(updated).toMatchObject({ expires_at: MAR_1, metadata: { tally_credit_id: "c1", note: "x" } });
    expect((await e.stripe.billing.creditGrants.update(grant.id, { expires_at: "" })).expires_at).toBeNull();
  });

  it("refuses what Stripe refuses", async () => {
    const setup = await setUpBilling(e);
    const create = (params: Partial<Stripe.Billing.CreditGrantCreateParams>) =>
      caught(e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(100), applicability_config: metered, ...params }));
    expect(await create({ amount: usd(0) })).toMatchObject({ statusCode: 400, param: "amount[monetary][value]" });
    expect(await create({ customer: "cus_missing" })).toMatchObject({ statusCode: 400, code: "resource_missing", param: "customer" });
    expect(await create({ applicability_config: { scope: {} } })).toMatchObject({ statusCode: 400, param: "applicability_config" });
    expect(await create({ applicability_config: { scope: { prices: [{ id: setup.base.id }] } } })).toMatchObject({ statusCode: 400, param: "applicability_config[scope][prices][0][id]" });
    expect(await create({ effective_at: FEB_1, expires_at: FEB_1 })).toMatchObject({ statusCode: 400, param: "expires_at" });
    expect(await create({ priority: 101 })).toMatchObject({ statusCode: 400, param: "priority" });
    expect(await caught(e.stripe.billing.creditGrants.retrieve("credgr_missing"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    const grant = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(100), applicability_config: metered });
    await e.stripe.billing.creditGrants.voidGrant(grant.id);
    expect(await caught(e.stripe.billing.creditGrants.voidGrant(grant.id))).toMatchObject({ statusCode: 400 });
    expect(await caught(e.stripe.billing.creditGrants.expire(grant.id))).toMatchObject({ statusCode: 400 });
    expect(await caught(e.stripe.billing.creditGrants.update(grant.id, { metadata: { a: "b" } }))).toMatchObject({ statusCode: 400 });
  });

  it("keeps a ledger and a balance summary: granted, voided, expired", async () => {
    const setup = await setUpBilling(e);
    const summary = async () =>
      (await e.stripe.billing.creditBalanceSummaries.retrieve({ customer: setup.customer.id, filter: { type: "applicability_scope", applicability_scope: { price_type: "metered" } } })).balances;
    const a = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(1000), applicability_config: metered });
    const b = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(300), applicability_config: metered });
    const later = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(50), applicability_config: metered, effective_at: FEB_1 });
    expect(await summary()).toEqual([{ available_balance: usd(1300), ledger_balance: usd(1300) }]);
    const one = await e.stripe.billing.creditBalanceSummaries.retrieve({ customer: setup.customer.id, filter: { type: "credit_grant", credit_grant: b.id } });
    expect(one.balances[0]?.available_balance.monetary?.value).toBe(300);

    await e.stripe.billing.creditGrants.voidGrant(a.id);
    const expired = await e.stripe.billing.creditGrants.expire(b.id);
    expect(expired.expires_at).toBe(JAN_1);
    expect(await summary()).toEqual([{ available_balance: usd(0), ledger_balance: usd(0) }]);
    await advanceTo(e, setup, FEB_1);
    expect((await summary())[0]?.available_balance.monetary?.value).toBe(50);

    const ledger = await e.stripe.billing.creditBalanceTransactions.list({ customer: setup.customer.id, limit: 100 });
    const kinds = ledger.data.map((entry) => [entry.credit_grant, entry.type, entry.credit?.type ?? entry.debit?.type, (entry.credit ?? entry.debit)?.amount.monetary?.value]);
    expect(kinds).toEqual([
      [b.id, "debit", "credits_expired", 300],
      [a.id, "debit", "credits_voided", 1000],
      [later.id, "credit", "credits_granted", 50],
      [b.id, "credit", "credits_granted", 300],
      [a.id, "credit", "credits_granted", 1000],
    ]);
    const ofA = await e.stripe.billing.creditBalanceTransactions.list({ customer: setup.customer.id, credit_grant: a.id });
    expect(ofA.data).toHaveLength(2);
    expect((await e.stripe.billing.creditBalanceTransactions.retrieve(ofA.data[0]?.id ?? "")).credit_grant).toBe(a.id);
  });
});

describe("credits on invoices", () => {
  it("apply at finalization to metered lines only, consume the balance once, and the preview agrees", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribed(setup);
    // $30 of credit; January's usage: 1,000 × 2¢ = $20 metered, + $20 base fee.
    const grant = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(3000), applicability_config: metered, category: "promotional" });
    await sendUsage(e, setup, 1000, JAN_1 + 2 * DAY);
    const preview = await e.stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview).toMatchObject({ subtotal: 4000, total: 2000, amount_due: 2000 });
    expect(preview.total_pretax_credit_amounts).toEqual([{ amount: 2000, credit_balance_transaction: null, type: "credit_balance_transaction" }]);

    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const january = await cycleInvoice(setup, FEB_1);
    expect(january).toMatchObject({ status: "paid", subtotal: 4000, total: 2000, amount_due: 2000 });
    expect(credited(january)).toBe(2000);
    const meteredLine = january.lines.data.find((line) => line.pricing?.price_details?.price === setup.perUnit.id);
    const baseLine = january.lines.data.find((line) => line.pricing?.price_details?.price === setup.base.id);
    expect(meteredLine?.pretax_credit_amounts?.[0]).toMatchObject({ amount: 2000, type: "credit_balance_transaction" });
    expect(baseLine?.pretax_credit_amounts).toEqual([]);
    const transactionId = String(january.total_pretax_credit_amounts?.[0]?.credit_balance_transaction);
    const transaction = await e.stripe.billing.creditBalanceTransactions.retrieve(transactionId);
    expect(transaction).toMatchObject({ credit_grant: grant.id, type: "debit", debit: { type: "credits_applied", amount: usd(2000), credits_applied: { invoice: january.id, invoice_line_item: meteredLine?.id } } });

    // February: 1,000 units again ($20); only the $10 left applies.
    await sendUsage(e, setup, 1000, FEB_1 + 3 * DAY);
    expect((await e.stripe.invoices.createPreview({ subscription: subscription.id })).total).toBe(4000 - 1000);
    await advanceTo(e, setup, MAR_1 + 2 * HOUR);
    const february = await cycleInvoice(setup, MAR_1);
    expect(february).toMatchObject({ subtotal: 4000, total: 3000 });
    expect(credited(february)).toBe(1000);
    // Used up: March's preview has no credit.
    await sendUsage(e, setup, 10, MAR_1 + 3 * DAY);
    const march = await e.stripe.invoices.createPreview({ subscription: subscription.id });
    expect(march).toMatchObject({ subtotal: 2020, total: 2020, total_pretax_credit_amounts: [] });
  });

  it("apply in Stripe's order: priority, then the soonest expiry, then promotional before paid, then the oldest; a price-scoped grant only to its price", async () => {
    const setup = await setUpBilling(e);
    await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.perUnit.id }] });
    const grant = (value: number, extra: Partial<Stripe.Billing.CreditGrantCreateParams> = {}) =>
      e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(value), applicability_config: metered, ...extra });
    const paidOld = await grant(500, { category: "paid" });
    const promotional = await grant(500, { category: "promotional" });
    const expiring = await grant(500, { category: "paid", expires_at: MAR_1 });
    const urgent = await grant(500, { priority: 10 });
    const otherPrice = await grant(500, { applicability_config: { scope: { prices: [{ id: setup.perUnitHigh.id }] } }, priority: 0 });
    await sendUsage(e, setup, 1000, JAN_1 + DAY); // $20: urgent, expiring, promotional, then $5 of paidOld
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoice(setup, FEB_1);
    expect(invoice).toMatchObject({ subtotal: 2000, total: 0, amount_due: 0 });
    const ledger = await e.stripe.billing.creditBalanceTransactions.list({ customer: setup.customer.id, limit: 100 });
    const applied = ledger.data
      .filter((entry) => entry.debit?.type === "credits_applied")
      .reverse()
      .map((entry) => [entry.credit_grant, entry.debit?.amount.monetary?.value]);
    expect(applied).toEqual([
      [urgent.id, 500],
      [expiring.id, 500],
      [promotional.id, 500],
      [paidOld.id, 500],
    ]);
    expect(ledger.data.some((entry) => entry.credit_grant === otherPrice.id && entry.type === "debit")).toBe(false);
  });

  it("respect effective_at, expires_at and void by the customer's clock", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.perUnit.id }] });
    await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(100), applicability_config: metered, effective_at: MAR_1 });
    await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(200), applicability_config: metered, expires_at: JAN_1 + 10 * DAY });
    const voided = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(400), applicability_config: metered });
    const kept = await e.stripe.billing.creditGrants.create({ customer: setup.customer.id, amount: usd(800), applicability_config: metered });
    await e.stripe.billing.creditGrants.voidGrant(voided.id);
    await sendUsage(e, setup, 1000, JAN_1 + DAY);
    expect((await e.stripe.invoices.createPreview({ subscription: subscription.id })).total).toBe(2000 - 800);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    expect(credited(await cycleInvoice(setup, FEB_1))).toBe(800);
    expect(kept.id).toMatch(/^credgr_/);
  });
});
