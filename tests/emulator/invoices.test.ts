// Invoices, their lines, invoice items and create_preview through the official SDK (SEMANTICS.md
// §7): list filters, retrieve, line pagination, invoice items (create / list / retrieve / delete,
// joining a draft), and previews that match what the billing cycle later invoices. Amounts in
// cents, by hand. The clock starts on 2024-01-01; January has 31 days.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceTo, caught, DAY, FEB_1, HOUR, JAN_1, lineContent, MAR_1, sendUsage, setUpBilling } from "./billing-setup";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

const JAN_16 = JAN_1 + 15 * DAY;

describe("listing and reading invoices", () => {
  it("filters by customer, subscription, status and created; retrieves one; refuses unknown ids", async () => {
    const setup = await setUpBilling(e);
    const other = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.perUnit.id }] });
    const elsewhere = await e.stripe.subscriptions.create({ customer: other.customer.id, items: [{ price: other.base.id }] });
    await advanceTo(e, setup, FEB_1 + 60); // the February invoice is a draft for an hour
    const ids = async (params: Stripe.InvoiceListParams) => (await e.stripe.invoices.list(params)).data.map((invoice) => invoice.billing_reason);

    expect(await ids({ customer: setup.customer.id })).toEqual(["subscription_cycle", "subscription_create"]);
    expect(await ids({ subscription: subscription.id, status: "draft" })).toEqual(["subscription_cycle"]);
    expect(await ids({ subscription: subscription.id, status: "paid" })).toEqual(["subscription_create"]);
    expect(await ids({ customer: setup.customer.id, created: { gte: FEB_1 } })).toEqual(["subscription_cycle"]);
    expect(await ids({ subscription: elsewhere.id })).toEqual(["subscription_create"]);

    const first = await e.stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(first).toMatchObject({ object: "invoice", customer: setup.customer.id, currency: "usd", test_clock: setup.clock.id, customer_email: setup.customer.email });
    expect(first.id).toMatch(/^in_/);
    expect(await caught(e.stripe.invoices.retrieve("in_missing"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(await caught(e.stripe.invoices.list({ status: "nope" as Stripe.InvoiceListParams.Status }))).toMatchObject({ statusCode: 400, param: "status" });
  });
});

describe("invoice lines", () => {
  it("embeds the first ten lines and pages through the rest in invoice order", async () => {
    const setup = await setUpBilling(e);
    const created: string[] = [];
    for (let index = 1; index <= 12; index += 1) {
      const item = await e.stripe.invoiceItems.create({ customer: setup.customer.id, amount: index * 100, currency: "usd", description: `Setup fee ${index}` });
      created.push(item.id);
    }
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }] });
    const invoice = await e.stripe.invoices.retrieve(String(subscription.latest_invoice));
    // 12 pending items (100 + 200 + … + 1200 = 7800) and the base price (2000).
    expect(invoice.total).toBe(9800);
    expect(invoice.lines.data).toHaveLength(10);
    expect(invoice.lines.has_more).toBe(true);
    expect(invoice.lines.url).toBe(`/v1/invoices/${invoice.id}/lines`);

    const page = await e.stripe.invoices.listLineItems(invoice.id, { limit: 5 });
    expect(page.data.map((line) => line.amount)).toEqual([100, 200, 300, 400, 500]);
    expect(page.has_more).toBe(true);
    const next = await e.stripe.invoices.listLineItems(invoice.id, { limit: 5, starting_after: page.data[4]!.id });
    expect(next.data.map((line) => line.amount)).toEqual([600, 700, 800, 900, 1000]);
    const all = await e.stripe.invoices.listLineItems(invoice.id, { limit: 4 }).autoPagingToArray({ limit: 100 });
    expect(all.map((line) => line.amount)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 2000]);
    expect(all.slice(0, 12).map((line) => line.parent?.invoice_item_details?.invoice_item)).toEqual(created);
    expect(all[0]).toMatchObject({ object: "line_item", invoice: invoice.id, description: "Setup fee 1", parent: { type: "invoice_item_details" } });
    expect(await caught(e.stripe.invoices.listLineItems("in_missing"))).toMatchObject({ statusCode: 404 });
  });
});

describe("invoice items", () => {
  it("prices from amount, pricing[price] or unit_amount_decimal; lists, retrieves and deletes pending ones", async () => {
    const setup = await setUpBilling(e);
    const customer = setup.customer.id;
    const flat = await e.stripe.invoiceItems.create({ customer, amount: 1500, currency: "usd", description: "Onboarding", metadata: { ticket: "42" } });
    expect(flat).toMatchObject({
      object: "invoiceitem",
      amount: 1500,
      currency: "usd",
      customer,
      invoice: null,
      proration: false,
      quantity: 1,
      date: JAN_1,
      period: { start: JAN_1, end: JAN_1 },
      metadata: { ticket: "42" },
      test_clock: setup.clock.id,
      parent: null,
    });
    const priced = await e.stripe.invoiceItems.create({ customer, pricing: { price: setup.base.id }, quantity: 3 });
    expect(priced).toMatchObject({ amount: 6000, quantity: 3, pricing: { price_details: { price: setup.base.id, product: setup.product.id } } }); // 3 × 2000
    const decimal = await e.stripe.invoiceItems.create({ customer, unit_amount_decimal: Stripe.Decimal.from("12.5"), quantity: 3, currency: "usd" });
    expect(decimal.amount).toBe(38); // 3 × 12.5 = 37.5 → 38 (half away from zero)
    expect(String(decimal.pricing?.unit_amount_decimal)).toBe("12.5");

    expect(await caught(e.stripe.invoiceItems.create({ customer, amount: 100 }))).toMatchObject({ statusCode: 400, param: "currency" });
    expect(await caught(e.stripe.invoiceItems.create({ customer: "cus_missing", amount: 100, currency: "usd" }))).toMatchObject({ statusCode: 400, param: "customer" });
    expect(await caught(e.stripe.invoiceItems.create({ customer, amount: 100, pricing: { price: setup.base.id } }))).toMatchObject({ statusCode: 400 });
    expect(await caught(e.stripe.invoiceItems.create({ customer, pricing: { price: "price_missing" } }))).toMatchObject({ statusCode: 400, param: "pricing[price]" });

    expect((await e.stripe.invoiceItems.list({ customer, pending: true })).data.map((item) => item.id)).toEqual([decimal.id, priced.id, flat.id]);
    expect(await e.stripe.invoiceItems.retrieve(flat.id)).toEqual(expect.objectContaining({ id: flat.id, amount: 1500 }));
    expect(await e.stripe.invoiceItems.del(decimal.id)).toEqual(expect.objectContaining({ id: decimal.id, object: "invoiceitem", deleted: true }));
    expect(await caught(e.stripe.invoiceItems.retrieve(decimal.id))).toMatchObject({ statusCode: 404 });

    // The subscription's first invoice takes the pending items; once it is final they stay.
    const subscription = await e.stripe.subscriptions.create({ customer, items: [{ price: setup.pro.id }] });
    const invoice = await e.stripe.invoices.retrieve(String(subscription.latest_invoice));
    expect(invoice.lines.data.map((line) => line.amount)).toEqual([1500, 6000, 4000]);
    expect((await e.stripe.invoiceItems.list({ invoice: invoice.id })).data).toHaveLength(2);
    expect(await caught(e.stripe.invoiceItems.del(flat.id))).toMatchObject({ statusCode: 400 });
  });

  it("joins a draft invoice when created with `invoice`, and leaves it when deleted", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }] });
    await advanceTo(e, setup, FEB_1 + 60);
    const draft = (await e.stripe.invoices.list({ subscription: subscription.id, status: "draft" })).data[0]!;
    expect(draft.total).toBe(2000);
    const extra = await e.stripe.invoiceItems.create({ customer: setup.customer.id, amount: 300, currency: "usd", invoice: draft.id });
    expect(extra.invoice).toBe(draft.id);
    expect((await e.stripe.invoices.retrieve(draft.id)).total).toBe(2300);
    const removed = await e.stripe.invoiceItems.create({ customer: setup.customer.id, amount: 50, currency: "usd", invoice: draft.id });
    await e.stripe.invoiceItems.del(removed.id);
    const updates = (await e.stripe.events.list({ type: "invoice.updated" })).data.filter((event) => (event.data.object as Stripe.Invoice).id === draft.id);
    expect(updates.map((event) => (event.data.object as Stripe.Invoice).total)).toEqual([2300, 2350, 2300]); // newest first
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const paid = await e.stripe.invoices.retrieve(draft.id);
    expect(paid).toMatchObject({ status: "paid", total: 2300, amount_paid: 2300 });
    expect(paid.lines.data.map((line) => line.amount)).toEqual([2000, 300]);
    expect(await caught(e.stripe.invoiceItems.create({ customer: setup.customer.id, amount: 1, currency: "usd", invoice: draft.id }))).toMatchObject({
      statusCode: 400,
      param: "invoice",
    });
  });
});

describe("create_preview", () => {
  it("previews the period-end invoice with the usage so far, exactly as the cycle then invoices it", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.graduated.id }] });
    await sendUsage(e, setup, 5000, JAN_1 + 4 * DAY);
    await advanceTo(e, setup, JAN_1 + 19 * DAY);
    await e.stripe.invoiceItems.create({ customer: setup.customer.id, amount: 500, currency: "usd", description: "Support" });

    const preview = await e.stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview.id).toMatch(/^upcoming_in_/);
    expect(preview).toMatchObject({ billing_reason: "upcoming", status: "draft", created: FEB_1, period_start: JAN_1, period_end: FEB_1, customer: setup.customer.id });
    // 500 support; 5000 units graduated: 1000×0 + 4000×2 = 8000; base 2000 for February.
    expect(preview.lines.data.map((line) => [line.amount, line.quantity, line.period.start, line.period.end])).toEqual([
      [500, 1, JAN_1 + 19 * DAY, JAN_1 + 19 * DAY],
      [8000, 5000, JAN_1, FEB_1],
      [2000, 1, FEB_1, MAR_1],
    ]);
    expect(preview.total).toBe(10_500);
    expect((await e.stripe.invoices.listLineItems(preview.id, { limit: 2 })).data.map((line) => line.amount)).toEqual([500, 8000]);
    // A preview is not stored.
    expect(await caught(e.stripe.invoices.retrieve(preview.id))).toMatchObject({ statusCode: 404 });
    expect((await e.stripe.invoices.list({ customer: setup.customer.id })).data).toHaveLength(1);
    // With only the customer, the preview is of that customer's subscription.
    expect((await e.stripe.invoices.createPreview({ customer: setup.customer.id })).total).toBe(10_500);

    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0]!;
    expect(cycle.billing_reason).toBe("subscription_cycle");
    expect(cycle.lines.data.map(lineContent)).toEqual(preview.lines.data.map(lineContent));
    expect(cycle.total).toBe(preview.total);
  });

  it("previews a price change with its prorations (without making it); the change then invoices the same", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }] });
    const itemId = subscription.items.data[0]!.id;
    await advanceTo(e, setup, JAN_16);
    const details: Stripe.InvoiceCreatePreviewParams.SubscriptionDetails = { items: [{ id: itemId, price: setup.pro.id }], proration_date: JAN_16 };
    const preview = await e.stripe.invoices.createPreview({ customer: setup.customer.id, subscription: subscription.id, subscription_details: details });
    // −2000 × 16/31 → −1032; 4000 × 16/31 → 2065; then pro for February 4000.
    expect(preview.lines.data.map((line) => [line.amount, line.parent?.subscription_item_details?.proration, line.parent?.subscription_item_details?.invoice_item])).toEqual([
      [-1032, true, null],
      [2065, true, null],
      [4000, false, null],
    ]);
    expect(preview.parent?.subscription_details?.subscription_proration_date).toBe(JAN_16);
    expect((await e.stripe.subscriptions.retrieve(subscription.id)).items.data[0]?.price.id).toBe(setup.base.id);
    expect((await e.stripe.invoiceItems.list({ customer: setup.customer.id })).data).toEqual([]);

    const immediate = await e.stripe.invoices.createPreview({ subscription: subscription.id, subscription_details: { ...details, proration_behavior: "always_invoice" } });
    expect(immediate).toMatchObject({ billing_reason: "subscription_update", total: 1033 });

    await e.stripe.subscriptions.update(subscription.id, { items: [{ id: itemId, price: setup.pro.id }], proration_date: JAN_16 });
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id, limit: 1 })).data[0]!;
    expect(cycle.lines.data.map((line) => [line.amount, line.period])).toEqual(preview.lines.data.map((line) => [line.amount, line.period]));
    expect(cycle.total).toBe(5033);
  });

  it("previews a new subscription's first invoice; refuses what it cannot preview", async () => {
    const setup = await setUpBilling(e);
    const preview = await e.stripe.invoices.createPreview({
      customer: setup.customer.id,
      subscription_details: { items: [{ price: setup.base.id, quantity: 2 }, { price: setup.graduated.id }] },
    });
    expect(preview).toMatchObject({ billing_reason: "subscription_create", total: 4000 }); // 2 × 2000
    expect((await e.stripe.subscriptions.list({ customer: setup.customer.id })).data).toEqual([]);

    expect(await caught(e.stripe.invoices.createPreview({ customer: setup.customer.id }))).toMatchObject({ statusCode: 404, code: "invoice_upcoming_none" });
    expect(await caught(e.stripe.invoices.createPreview({}))).toMatchObject({ statusCode: 400, param: "customer" });
    expect(await caught(e.stripe.invoices.createPreview({ subscription: "sub_missing" }))).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect(
      await caught(e.stripe.invoices.createPreview({ customer: setup.customer.id, subscription_details: { items: [{ price: "price_missing" }] } })),
    ).toMatchObject({ statusCode: 400, param: "subscription_details[items][0][price]" });
  });
});
