// The billing cycle (billing/cycle.ts, SEMANTICS.md §7, §8.3) through the official SDK: a
// subscription with a licensed base price and a metered price on a test-clock customer; the clock
// advances past the period end and the `subscription_cycle` invoice bills the usage of the period
// that ended (graduated vs volume tiers) and the licensed price for the next one; the draft
// finalizes after the grace period (late usage still counts until then) and is paid; cancel at
// period end; and the real-time path for customers without a clock. Amounts in cents, by hand.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceTo, DAY, eventsFor, eventTypesFor, FEB_1, HOUR, JAN_1, MAR_1, sendUsage, setUpBilling } from "./billing-setup";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

async function cycleInvoiceOf(subscriptionId: string) {
  const invoices = await e.stripe.invoices.list({ subscription: subscriptionId });
  const cycle = invoices.data.filter((invoice) => invoice.billing_reason === "subscription_cycle");
  expect(cycle).toHaveLength(1);
  return cycle[0]!;
}

describe("the period end", () => {
  it("bills the period's graduated usage and the next period's base price; draft → open → paid after the grace period", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({
      customer: setup.customer.id,
      items: [{ price: setup.base.id }, { price: setup.graduated.id }],
    });
    const [baseItem, meteredItem] = subscription.items.data;
    expect(baseItem).toMatchObject({ current_period_start: JAN_1, current_period_end: FEB_1, quantity: 1 });
    expect(meteredItem).toMatchObject({ current_period_start: JAN_1, current_period_end: FEB_1 });
    expect(meteredItem).not.toHaveProperty("quantity");

    await sendUsage(e, setup, 5000, JAN_1 + DAY);
    await sendUsage(e, setup, 10_000, JAN_1 + 10 * DAY);
    await advanceTo(e, setup, FEB_1 + 60);
    await sendUsage(e, setup, 700, FEB_1 + 10); // next period: not on this invoice

    const draft = await cycleInvoiceOf(subscription.id);
    expect(draft).toMatchObject({
      status: "draft",
      auto_advance: true,
      created: FEB_1,
      period_start: JAN_1,
      period_end: FEB_1,
      automatically_finalizes_at: FEB_1 + HOUR,
      customer: setup.customer.id,
      parent: { type: "subscription_details", subscription_details: { subscription: subscription.id } },
    });
    // Usage 15000 on graduated tiers: 1000×0 + 9000×2 + 5000×1 = 23000; base 2000 for February.
    expect(draft.lines.data.map((line) => [line.pricing?.price_details?.price, line.quantity, line.amount, line.period.start, line.period.end])).toEqual([
      [setup.graduated.id, 15_000, 23_000, JAN_1, FEB_1],
      [setup.base.id, 1, 2000, FEB_1, MAR_1],
    ]);
    expect(draft.total).toBe(25_000); // 23000 + 2000
    expect(draft.amount_due).toBe(25_000);

    // Items moved to the new period.
    const renewed = await e.stripe.subscriptions.retrieve(subscription.id);
    expect(renewed.items.data.map((item) => [item.current_period_start, item.current_period_end])).toEqual([
      [FEB_1, MAR_1],
      [FEB_1, MAR_1],
    ]);
    expect(renewed.latest_invoice).toBe(draft.id);

    // Late usage for January, sent during the grace period, still counts.
    await sendUsage(e, setup, 1000, FEB_1 - 60);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const paid = await e.stripe.invoices.retrieve(draft.id);
    // 16000 units: 1000×0 + 9000×2 + 6000×1 = 24000; + 2000 base.
    expect(paid.lines.data.map((line) => [line.quantity, line.amount])).toEqual([
      [16_000, 24_000],
      [1, 2000],
    ]);
    expect(paid).toMatchObject({
      status: "paid",
      total: 26_000,
      amount_due: 26_000,
      amount_paid: 26_000,
      amount_remaining: 0,
      attempted: true,
      status_transitions: { finalized_at: FEB_1 + HOUR, paid_at: FEB_1 + HOUR },
    });
    expect(paid.number).toMatch(/^[A-Z0-9]+-\d{4}$/);

    // After finalization nothing changes.
    await sendUsage(e, setup, 5000, FEB_1 - 30);
    await advanceTo(e, setup, FEB_1 + 3 * HOUR);
    expect((await e.stripe.invoices.retrieve(draft.id)).total).toBe(26_000);

    // The events, in order, dated by the clock: created as draft, finalized as open, then paid.
    const events = await eventsFor(e, draft.id);
    expect(events.map((event) => [event.type, (event.data.object as { status: string }).status, event.created])).toEqual([
      ["invoice.created", "draft", FEB_1],
      ["invoice.finalized", "open", FEB_1 + HOUR],
      ["invoice.paid", "paid", FEB_1 + HOUR],
      ["invoice.payment_succeeded", "paid", FEB_1 + HOUR],
    ]);
    expect(events.every((event) => event.request?.id === null)).toBe(true);
    const updated = (await eventsFor(e, subscription.id)).filter((event) => event.type === "customer.subscription.updated");
    expect(updated).toHaveLength(1);
    expect(updated[0]?.created).toBe(FEB_1);
    expect(updated[0]?.data.previous_attributes).toHaveProperty("items");
  });

  it("bills volume tiers on the whole quantity", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.volume.id }] });
    await sendUsage(e, setup, 15_000, JAN_1 + 5 * DAY);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoiceOf(subscription.id);
    // 15000 units all in the third tier: 15000×1 = 15000; + 2000 base.
    expect(invoice.lines.data.map((line) => [line.quantity, line.amount])).toEqual([
      [15_000, 15_000],
      [1, 2000],
    ]);
    expect(invoice).toMatchObject({ status: "paid", total: 17_000, amount_paid: 17_000 });
  });

  it("bills a metered item with no usage as a zero line, and steps through two periods in one advance", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.perUnit.id }] });
    await sendUsage(e, setup, 100, FEB_1 + DAY); // February: 100 × 2¢ = 200
    await advanceTo(e, setup, MAR_1 + 2 * HOUR);
    const invoices = (await e.stripe.invoices.list({ subscription: subscription.id })).data;
    expect(invoices.map((invoice) => [invoice.billing_reason, invoice.created, invoice.status, invoice.total])).toEqual([
      ["subscription_cycle", MAR_1, "paid", 2200], // 100×2 + 2000
      ["subscription_cycle", FEB_1, "paid", 2000], // 0×2 + 2000
      ["subscription_create", JAN_1, "paid", 2000],
    ]);
    const february = invoices[1]!;
    expect(february.lines.data[0]).toMatchObject({ quantity: 0, amount: 0, period: { start: JAN_1, end: FEB_1 } });
  });
});

describe("negative usage", () => {
  it("corrects earlier usage, but a period's usage is never billed below zero", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.perUnit.id }] });
    await sendUsage(e, setup, 300, JAN_1 + DAY);
    await sendUsage(e, setup, -100, JAN_1 + 2 * DAY); // a correction: January nets 200
    await sendUsage(e, setup, 50, FEB_1 + DAY);
    await sendUsage(e, setup, -80, FEB_1 + 2 * DAY); // February nets -30: billed as 0
    await advanceTo(e, setup, MAR_1 + 2 * HOUR);
    const cycle = (await e.stripe.invoices.list({ subscription: subscription.id })).data.filter((invoice) => invoice.billing_reason === "subscription_cycle");
    expect(cycle.map((invoice) => [invoice.period_start, invoice.lines.data[0]?.quantity, invoice.total])).toEqual([
      [FEB_1, 0, 0],
      [JAN_1, 200, 400], // 200 × 2¢
    ]);
  });
});

describe("cancel at period end", () => {
  it("ends the subscription at the period end with a final invoice for its usage", async () => {
    const setup = await setUpBilling(e);
    const subscription = await e.stripe.subscriptions.create({ customer: setup.customer.id, items: [{ price: setup.base.id }, { price: setup.perUnit.id }] });
    await advanceTo(e, setup, JAN_1 + 10 * DAY);
    const scheduled = await e.stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    expect(scheduled).toMatchObject({ status: "active", cancel_at_period_end: true, cancel_at: FEB_1, canceled_at: JAN_1 + 10 * DAY });
    expect(scheduled.cancellation_details?.reason).toBe("cancellation_requested");
    const updated = (await eventsFor(e, subscription.id)).filter((event) => event.type === "customer.subscription.updated");
    expect(updated.at(-1)?.data.previous_attributes).toMatchObject({ cancel_at_period_end: false, cancel_at: null, canceled_at: null });

    await sendUsage(e, setup, 250, JAN_1 + 20 * DAY);
    await advanceTo(e, setup, FEB_1 + 2 * HOUR);
    const ended = await e.stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: FEB_1, canceled_at: JAN_1 + 10 * DAY, cancel_at: FEB_1 });
    const final = await cycleInvoiceOf(subscription.id);
    // Only the usage (250 × 2¢ = 500): no base price for a period that never starts.
    expect(final.lines.data.map((line) => [line.pricing?.price_details?.price, line.quantity, line.amount])).toEqual([[setup.perUnit.id, 250, 500]]);
    expect(final).toMatchObject({ status: "paid", total: 500 });
    expect(await eventTypesFor(e, subscription.id)).toEqual(["customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"]);
    const deleted = (await eventsFor(e, subscription.id)).at(-1);
    expect(deleted?.created).toBe(FEB_1);
    // Nothing more happens to it.
    await advanceTo(e, setup, MAR_1 + 2 * HOUR);
    expect((await e.stripe.invoices.list({ subscription: subscription.id })).data).toHaveLength(2);
  });
});

describe("customers without a test clock", () => {
  it("move with real time: the period ends at the anchor, the invoice finalizes after the grace period", async () => {
    await e.control("POST", "/_emulator/config", { invoiceGraceSeconds: 0 });
    try {
      const product = await e.stripe.products.create({ name: "Real time" });
      const price = await e.stripe.prices.create({ currency: "usd", product: product.id, unit_amount: 3100, recurring: { interval: "month" } });
      const customer = await e.stripe.customers.create({ name: "No clock" });
      const anchor = Math.floor(Date.now() / 1000) + 2;
      const subscription = await e.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], billing_cycle_anchor: anchor });
      expect(subscription.items.data[0]?.current_period_end).toBe(anchor);
      expect(subscription.billing_cycle_anchor).toBe(anchor);

      const deadline = Date.now() + 6_000;
      let cycle;
      for (;;) {
        cycle = (await e.stripe.invoices.list({ subscription: subscription.id })).data.find((invoice) => invoice.billing_reason === "subscription_cycle");
        if (cycle?.status === "paid" || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(cycle).toMatchObject({ status: "paid", created: anchor, total: 3100 });
      const renewed = await e.stripe.subscriptions.retrieve(subscription.id);
      expect(renewed.items.data[0]?.current_period_start).toBe(anchor);
    } finally {
      await e.control("POST", "/_emulator/config", { invoiceGraceSeconds: 3600 });
    }
  });
});
