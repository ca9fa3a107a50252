// Subscriptions and subscription items through the official SDK (SEMANTICS.md §6): creation and
// its first invoice, per-item periods, list filters, plan changes mid-period with prorations
// (exact amounts, to the second), the metered price swap of flexible billing mode, the
// proration behaviours, the item endpoints, cancel now, and validation errors. Amounts in cents.
//
// The clock starts on 2024-01-01 (JAN_1); the first period is January: 31 days. A change on
// 16 January leaves 16 of its 31 days.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceTo, caught, DAY, eventsFor, eventTypesFor, FEB_1, HOUR, JAN_1, MAR_1, sendUsage, setUpBilling, type TBillingSetup } from "./billing-setup";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

const JAN_16 = JAN_1 + 15 * DAY;

async function pendingItems(setup: TBillingSetup): Promise<Stripe.InvoiceItem[]> {
  return (await e.stripe.invoiceItems.list({ customer: setup.customer.id, pending: true })).data.reverse();
}

async function subscribe(setup: TBillingSetup, items: Stripe.SubscriptionCreateParams.Item[]): Promise<Stripe.Subscription> {
  return e.stripe.subscriptions.create({ customer: setup.customer.id, items });
}

describe("creating a subscription", () => {
  it("starts every item's period now and charges the licensed items on a paid subscription_create invoice", async () => {
    const setup = await setUpBilling(e);
    const created = await e.stripe.subscriptions.create({
      customer: setup.customer.id,
      items: [{ price: setup.base.id, quantity: 2, metadata: { seat: "yes" } }, { price: setup.graduated.id }],
      metadata: { plan: "growth" },
    });
    expect(created).toMatchObject({
      object: "subscription",
      status: "active",
      customer: setup.customer.id,
      currency: "usd",
      collection_method: "charge_automatically",
      billing_cycle_anchor: JAN_1,
      start_date: JAN_1,
      created: JAN_1,
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      billing_mode: { type: "flexible" },
      metadata: { plan: "growth" },
      test_clock: setup.clock.id,
      items: { object: "list", has_more: false, url: `/v1/subscription_items?subscription=${created.id}` },
    });
    expect(created.id).toMatch(/^sub_/);
    // Period bounds live on the items since basil, not on the subscription.
    expect(created).not.toHaveProperty("current_period_start");
    expect(created).not.toHaveProperty("current_period_end");
    expect(created.items.data.map((item) => [item.price.id, item.quantity, item.current_period_start, item.current_period_end, item.plan.usage_type])).toEqual([
      [setup.base.id, 2, JAN_1, FEB_1, "licensed"],
      [setup.graduated.id, undefined, JAN_1, FEB_1, "metered"],
    ]);
    expect(created.items.data[0]?.metadata).toEqual({ seat: "yes" });
    // A price in a response carries no tiers unless expanded.
    expect(created.items.data[1]?.price).not.toHaveProperty("tiers");

    const invoice = await e.stripe.invoices.retrieve(String(created.latest_invoice));
    expect(invoice).toMatchObject({
      billing_reason: "subscription_create",
      status: "paid",
      total: 4000, // 2 × 2000; the metered item bills in arrears
      amount_paid: 4000,
      created: JAN_1,
      period_start: JAN_1,
      period_end: JAN_1,
    });
    expect(invoice.lines.data.map((line) => [line.pricing?.price_details?.price, line.quantity, line.amount, line.period])).toEqual([
      [setup.base.id, 2, 4000, { start: JAN_1, end: FEB_1 }],
    ]);
    expect(invoice.lines.data[0]?.description).toBe("2 × Platform (at $20.00 / month)");
    expect(invoice.lines.data[0]?.parent).toMatchObject({
      type: "subscription_item_details",
      subscription_item_details: { subscription: created.id, subscription_item: created.items.data[0]?.id, proration: false, invoice_item: null },
    });

    expect(await eventTypesFor(e, created.id)).toEqual(["customer.subscription.created"]);
    expect(await eventTypesFor(e, invoice.id)).toEqual(["invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_succeeded"]);
    const createdEvent = (await eventsFor(e, created.id))[0];
    expect(createdEvent?.request?.id).toBe(created.lastResponse.requestId);
    expect(createdEvent?.created).toBe(JAN_1);
    expect(await e.stripe.subscriptions.retrieve(created.id)).toMatchObject({ id: created.id, latest_invoice: invoice.id });

    // The first subscription sets the customer's currency; another currency is refused.
    expect((await e.stripe.customers.retrieve(setup.customer.id)) as Stripe.Customer).toMatchObject({ currency: "usd" });
    const euro = await e.stripe.prices.create({ currency: "eur", product: setup.product.id, unit_amount: 500, recurring: { interval: "month" } });
    expect(await caught(subscribe(setup, [{ price: euro.id }]))).toMatchObject({ statusCode: 400, param: "items[0][price]" });
  });

  it("with a future billing_cycle_anchor: a short first period, charged pro rata, then periods from the anchor", async () => {
    const setup = await setUpBilling(e);
    const anchor = JAN_1 + 10 * DAY; // 11 January
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }], billing_cycle_anchor: anchor });
    expect(subscription.items.data[0]).toMatchObject({ current_period_start: JAN_1, current_period_end: anchor });
    const first = await e.stripe.invoices.retrieve(String(subscription.latest_invoice));
    // 10 days of the month 11 Dec – 11 Jan (31 days): 2000 × 10/31 = 645.16 → 645.
    expect(first.lines.data.map((line) => [line.amount, line.period])).toEqual([[645, { start: JAN_1, end: anchor }]]);
    await advanceTo(e, setup, anchor + 2 * HOUR);
    const renewed = await e.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.items.data[0]).toMatchObject({ current_period_start: anchor, current_period_end: FEB_1 + 10 * DAY });
  });

  it("refuses unknown or unusable prices, unknown customers and metered quantities, naming the parameter", async () => {
    const setup = await setUpBilling(e);
    const oneTime = await e.stripe.prices.create({ currency: "usd", product: setup.product.id, unit_amount: 500 });
    const euro = await e.stripe.prices.create({ currency: "eur", product: setup.product.id, unit_amount: 500, recurring: { interval: "month" } });
    const yearly = await e.stripe.prices.create({ currency: "usd", product: setup.product.id, unit_amount: 500, recurring: { interval: "year" } });
    const create = (items: Stripe.SubscriptionCreateParams.Item[], customer = setup.customer.id) => caught(e.stripe.subscriptions.create({ customer, items }));

    expect(await create([{ price: "price_missing" }])).toMatchObject({ statusCode: 400, code: "resource_missing", param: "items[0][price]", message: "No such price: 'price_missing'" });
    expect(await create([{ price: setup.base.id }], "cus_missing")).toMatchObject({ statusCode: 400, code: "resource_missing", param: "customer" });
    expect(await create([{ price: setup.base.id }, { price: oneTime.id }])).toMatchObject({ statusCode: 400, param: "items[1][price]" });
    expect(await create([{ price: setup.graduated.id, quantity: 3 }])).toMatchObject({ statusCode: 400, param: "items[0]" });
    expect(await create([{ price: setup.base.id }, { price: setup.base.id }])).toMatchObject({ statusCode: 400, param: "items[1][price]" });
    expect(await create([{ price: setup.base.id }, { price: euro.id }])).toMatchObject({ statusCode: 400, param: "items[1][price]" });
    expect(await create([{ price: setup.base.id }, { price: yearly.id }])).toMatchObject({ statusCode: 400, param: "items[1][price]" });
    expect(await caught(e.stripe.subscriptions.create({ customer: setup.customer.id }))).toMatchObject({ statusCode: 400, code: "parameter_missing", param: "items" });
    expect(
      await caught(e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }], billing_cycle_anchor: JAN_1 - DAY })),
    ).toMatchObject({ statusCode: 400, param: "billing_cycle_anchor" });
    expect(await caught(e.stripe.subscriptions.retrieve("sub_missing"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    // Nothing was created by the refused calls.
    expect((await e.stripe.subscriptions.list({ customer: setup.customer.id })).data).toHaveLength(0);
  });
});

describe("listing subscriptions", () => {
  it("filters by customer, status (canceled ones only on request) and price", async () => {
    const setup = await setUpBilling(e);
    const other = await setUpBilling(e);
    const basic = await subscribe(setup, [{ price: setup.base.id }]);
    const metered = await subscribe(setup, [{ price: setup.perUnit.id }]);
    const elsewhere = await subscribe(other, [{ price: other.base.id }]);
    await e.stripe.subscriptions.cancel(basic.id);
    const ids = async (params: Stripe.SubscriptionListParams) => (await e.stripe.subscriptions.list(params)).data.map((subscription) => subscription.id);

    expect(await ids({ customer: setup.customer.id })).toEqual([metered.id]);
    expect(await ids({ customer: setup.customer.id, status: "canceled" })).toEqual([basic.id]);
    expect(await ids({ customer: setup.customer.id, status: "all" })).toEqual([metered.id, basic.id]);
    expect(await ids({ price: other.base.id })).toEqual([elsewhere.id]);
    expect(await ids({ customer: setup.customer.id, limit: 1, status: "all" })).toEqual([metered.id]);
  });
});

describe("changing a licensed price mid-period", () => {
  it("credits the old price's unused time and charges the new one's remaining time, billed on the next invoice", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }]);
    const itemId = subscription.items.data[0]!.id;
    await advanceTo(e, setup, JAN_16);
    const updated = await e.stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, price: setup.pro.id }] });
    expect(updated.items.data.map((item) => [item.id, item.price.id, item.quantity, item.current_period_start, item.current_period_end])).toEqual([
      [itemId, setup.pro.id, 1, JAN_1, FEB_1],
    ]);

    const items = await pendingItems(setup);
    // 16 of 31 days remain: −2000 × 16/31 = −1032.26 → −1032; 4000 × 16/31 = 2064.52 → 2065.
    expect(items.map((item) => [item.amount, item.proration, item.period, item.pricing?.price_details?.price, item.description])).toEqual([
      [-1032, true, { start: JAN_16, end: FEB_1 }, setup.base.id, "Unused time on 1 × Platform after 16 Jan 2024"],
      [2065, true, { start: JAN_16, end: FEB_1 }, setup.pro.id, "Remaining time on 1 × Platform after 16 Jan 2024"],
    ]);
    expect(items[0]?.parent).toEqual({ type: "subscription_details", subscription_details: { subscription: subscription.id, subscription_item: itemId } });

    const changed = (await eventsFor(e, subscription.id)).at(-1);
    expect(changed?.type).toBe("customer.subscription.updated");
    const previousItems = (changed?.data.previous_attributes as { items: Stripe.ApiList<Stripe.SubscriptionItem> }).items;
    expect(previousItems.data[0]?.price.id).toBe(setup.base.id);
    expect(await eventTypesFor(e, items[0]!.id)).toEqual(["invoiceitem.created"]);

    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id, status: "paid" })).data[0]!;
    expect(cycle.billing_reason).toBe("subscription_cycle");
    expect(cycle.lines.data.map((line) => [line.amount, line.parent?.subscription_item_details?.invoice_item ?? null, line.parent?.subscription_item_details?.proration])).toEqual([
      [-1032, items[0]!.id, true],
      [2065, items[1]!.id, true],
      [4000, null, false], // pro for February
    ]);
    expect(cycle.total).toBe(5033); // −1032 + 2065 + 4000
    expect(await pendingItems(setup)).toEqual([]);
    expect((await e.stripe.invoiceItems.retrieve(items[0]!.id)).invoice).toBe(cycle.id);
  });

  it("prorates as of proration_date", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }]);
    await advanceTo(e, setup, JAN_16);
    const prorationDate = JAN_1 + 10 * DAY; // 11 January: 21 of 31 days remain
    await e.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]!.id, price: setup.pro.id }], proration_date: prorationDate });
    // −2000 × 21/31 = −1354.84 → −1355; 4000 × 21/31 = 2709.68 → 2710.
    expect((await pendingItems(setup)).map((item) => [item.amount, item.period.start])).toEqual([
      [-1355, prorationDate],
      [2710, prorationDate],
    ]);
    expect(
      await caught(e.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]!.id, price: setup.base.id }], proration_date: FEB_1 + DAY })),
    ).toMatchObject({ statusCode: 400, param: "proration_date" });
  });

  it("creates no prorations with proration_behavior=none", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }]);
    await advanceTo(e, setup, JAN_16);
    const updated = await e.stripe.subscriptions.update(subscription.id, {
      items: [{ id: subscription.items.data[0]!.id, price: setup.pro.id }],
      proration_behavior: "none",
    });
    expect(updated.items.data[0]?.price.id).toBe(setup.pro.id);
    expect(await pendingItems(setup)).toEqual([]);
    expect((await e.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
  });

  it("invoices the prorations at once with always_invoice; a downgrade's credit goes to the customer's balance", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }]);
    const itemId = subscription.items.data[0]!.id;
    await advanceTo(e, setup, JAN_16);
    const upgraded = await e.stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, price: setup.pro.id }], proration_behavior: "always_invoice" });
    const upgrade = await e.stripe.invoices.retrieve(String(upgraded.latest_invoice));
    expect(upgrade).toMatchObject({ billing_reason: "subscription_update", status: "paid", created: JAN_16, total: 1033, amount_paid: 1033 }); // −1032 + 2065
    expect(upgrade.lines.data.map((line) => line.amount)).toEqual([-1032, 2065]);
    expect(await pendingItems(setup)).toEqual([]);

    // Back to base the same day: −4000 × 16/31 = −2065 and 2000 × 16/31 = 1032 → total −1033.
    const downgraded = await e.stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, price: setup.base.id }], proration_behavior: "always_invoice" });
    const downgrade = await e.stripe.invoices.retrieve(String(downgraded.latest_invoice));
    expect(downgrade).toMatchObject({ status: "paid", total: -1033, amount_due: 0, amount_paid: 0, starting_balance: 0, ending_balance: -1033 });
    expect((await e.stripe.customers.retrieve(setup.customer.id)) as Stripe.Customer).toMatchObject({ balance: -1033 });

    // The credit pays part of February: 2000 − 1033 = 967 due.
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const february = (await e.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0]!;
    expect(february).toMatchObject({ billing_reason: "subscription_cycle", total: 2000, starting_balance: -1033, amount_due: 967, amount_paid: 967, ending_balance: 0 });
    expect((await e.stripe.customers.retrieve(setup.customer.id)) as Stripe.Customer).toMatchObject({ balance: 0 });
  });
});

describe("replacing a metered price mid-period (flexible billing mode)", () => {
  it("bills the old price's usage so far at once as an invoice item; the new price bills from the change", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }, { price: setup.perUnit.id }]);
    const meteredItem = subscription.items.data[1]!;
    await sendUsage(e, setup, 100, JAN_1 + 4 * DAY);
    await advanceTo(e, setup, JAN_16);
    await e.stripe.subscriptions.update(subscription.id, { items: [{ id: meteredItem.id, price: setup.perUnitHigh.id }] });

    const [usage] = await pendingItems(setup);
    // 100 units × 2¢ on the old price, for 1–16 January.
    expect(usage).toMatchObject({ amount: 200, quantity: 100, period: { start: JAN_1, end: JAN_16 }, proration: true });
    expect(usage?.pricing?.price_details?.price).toBe(setup.perUnit.id);

    await sendUsage(e, setup, 50, JAN_1 + 19 * DAY);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0]!;
    expect(cycle.lines.data.map((line) => [line.pricing?.price_details?.price, line.quantity, line.amount, line.period.start, line.period.end])).toEqual([
      [setup.perUnit.id, 100, 200, JAN_1, JAN_16], // the invoice item
      [setup.perUnitHigh.id, 50, 250, JAN_16, FEB_1], // 50 × 5¢, only usage since the change
      [setup.base.id, 1, 2000, FEB_1, MAR_1],
    ]);
    expect(cycle.total).toBe(2450);
  });

  it("drops the old price's usage with proration_behavior=none", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.perUnit.id }]);
    await sendUsage(e, setup, 100, JAN_1 + 4 * DAY);
    await advanceTo(e, setup, JAN_16);
    await e.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]!.id, price: setup.perUnitHigh.id }], proration_behavior: "none" });
    expect(await pendingItems(setup)).toEqual([]);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0]!;
    expect(cycle.lines.data.map((line) => [line.quantity, line.amount, line.period.start])).toEqual([[0, 0, JAN_16]]);
  });
});

describe("subscription items", () => {
  it("lists, retrieves, adds, changes and deletes items with prorations", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id, quantity: 3 }, { price: setup.perUnit.id }]);
    const [baseItem, meteredItem] = subscription.items.data;
    const listed = await e.stripe.subscriptionItems.list({ subscription: subscription.id });
    expect(listed.data.map((item) => item.id)).toEqual([baseItem!.id, meteredItem!.id]);
    expect(await e.stripe.subscriptionItems.retrieve(baseItem!.id)).toMatchObject({ id: baseItem!.id, quantity: 3, subscription: subscription.id });

    await sendUsage(e, setup, 40, JAN_1 + 2 * DAY);
    await advanceTo(e, setup, JAN_16);
    // A new price without a quantity resets it to 1 (SEMANTICS.md §6.2).
    const changed = await e.stripe.subscriptionItems.update(baseItem!.id, { price: setup.pro.id });
    expect(changed).toMatchObject({ price: { id: setup.pro.id }, quantity: 1 });
    // −(3 × 2000) × 16/31 = −3096.77 → −3097; 4000 × 16/31 = 2064.52 → 2065.
    expect((await pendingItems(setup)).map((item) => [item.amount, item.quantity])).toEqual([
      [-3097, 3],
      [2065, 1],
    ]);

    // Deleting the metered item bills its usage so far: 40 × 2¢ = 80.
    const deleted = await e.stripe.subscriptionItems.del(meteredItem!.id);
    expect(deleted).toEqual(expect.objectContaining({ id: meteredItem!.id, object: "subscription_item", deleted: true }));
    expect((await pendingItems(setup)).at(-1)).toMatchObject({ amount: 80, quantity: 40, period: { start: JAN_1, end: JAN_16 } });

    // A licensed item added mid-period is charged its remaining time: 2000 × 16/31 = 1032.26 → 1032.
    const added = await e.stripe.subscriptionItems.create({ subscription: subscription.id, price: setup.base.id, quantity: 1 });
    expect(added).toMatchObject({ price: { id: setup.base.id }, quantity: 1, current_period_start: JAN_16, current_period_end: FEB_1 });
    expect((await pendingItems(setup)).at(-1)).toMatchObject({ amount: 1032, proration: true });
    expect((await e.stripe.subscriptions.retrieve(subscription.id)).items.data.map((item) => item.id)).toEqual([baseItem!.id, added.id]);

    // Errors name the parameter; the last item cannot go.
    expect(await caught(e.stripe.subscriptionItems.retrieve("si_missing"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await caught(e.stripe.subscriptionItems.update(added.id, { price: "price_missing" }))).toMatchObject({ statusCode: 400, param: "price" });
    expect(await caught(e.stripe.subscriptionItems.update(added.id, { price: setup.pro.id }))).toMatchObject({ statusCode: 400, param: "price" }); // pro is already on it
    await e.stripe.subscriptionItems.del(added.id, { proration_behavior: "none" });
    expect(await caught(e.stripe.subscriptionItems.del(baseItem!.id))).toMatchObject({ statusCode: 400 });
  });

  it("refuses an item of another subscription", async () => {
    const setup = await setUpBilling(e);
    const first = await subscribe(setup, [{ price: setup.base.id }]);
    const second = await subscribe(setup, [{ price: setup.pro.id }]);
    const error = await caught(e.stripe.subscriptions.update(first.id, { items: [{ id: second.items.data[0]!.id, quantity: 2 }] }));
    expect(error).toMatchObject({ statusCode: 400, param: "items[0][id]", code: "resource_missing" });
    expect((await e.stripe.subscriptions.retrieve(second.id)).items.data[0]?.quantity).toBe(1);
  });
});

describe("canceling now", () => {
  it("with invoice_now and prorate: a final invoice for the unused time and the usage so far", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }, { price: setup.perUnit.id }]);
    await sendUsage(e, setup, 100, JAN_1 + 4 * DAY);
    await advanceTo(e, setup, JAN_16);
    const canceled = await e.stripe.subscriptions.cancel(subscription.id, { invoice_now: true, prorate: true });
    expect(canceled).toMatchObject({ status: "canceled", canceled_at: JAN_16, ended_at: JAN_16, cancellation_details: { reason: "cancellation_requested" } });
    const final = await e.stripe.invoices.retrieve(String(canceled.latest_invoice));
    // −2000 × 16/31 = −1032 for base; 100 × 2¢ = 200 for usage → −832: nothing due, a credit of 832.
    expect(final.lines.data.map((line) => line.amount)).toEqual([-1032, 200]);
    expect(final).toMatchObject({ status: "paid", total: -832, amount_due: 0, ending_balance: -832 });
    expect((await eventTypesFor(e, subscription.id)).at(-1)).toBe("customer.subscription.deleted");
    expect(await caught(e.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]!.id, quantity: 2 }] }))).toMatchObject({
      statusCode: 400,
    });
    expect(await e.stripe.subscriptions.update(subscription.id, { metadata: { reason: "moved" } })).toMatchObject({ metadata: { reason: "moved" } });
    expect(await caught(e.stripe.subscriptions.cancel(subscription.id))).toMatchObject({ statusCode: 400 });
  });

  it("without invoice_now or prorate: pending prorations are removed, nothing is invoiced", async () => {
    const setup = await setUpBilling(e);
    const subscription = await subscribe(setup, [{ price: setup.base.id }]);
    await advanceTo(e, setup, JAN_16);
    await e.stripe.subscriptions.update(subscription.id, { items: [{ id: subscription.items.data[0]!.id, price: setup.pro.id }] });
    const prorations = await pendingItems(setup);
    expect(prorations).toHaveLength(2);
    await e.stripe.subscriptions.cancel(subscription.id);
    expect(await pendingItems(setup)).toEqual([]);
    expect(await eventTypesFor(e, prorations[0]!.id)).toEqual(["invoiceitem.created", "invoiceitem.deleted"]);
    expect((await e.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    expect((await e.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(1);
  });
});
