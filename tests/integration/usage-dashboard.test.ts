// The customer's usage page data (lib/billing/get-usage-dashboard.ts): usage against the quota, the
// run-rate projection and its cost from the pricing engine, the daily series, and an invoice preview
// that equals Stripe's own preview to the cent once the usage is reported; a past period with the
// plan in force then and its invoice.
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { findCustomerInvoices } from "@/lib/billing/find-customer-invoices";
import { getStripeInvoicePreview } from "@/lib/billing/get-stripe-invoice-preview";
import { getUsageDashboard } from "@/lib/billing/get-usage-dashboard";
import { rateUsage } from "@/lib/billing/rate-usage";
import { getPlanVersion } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, publishedPlan } from "./catalog-helpers";
import { at, cycleInvoice, DAY, drain, HOUR, recordEvents, reporterOptions, testSender } from "./reporter-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const TEN_DAYS_IN = JAN_1 + 10 * DAY;

async function customerWithUsage() {
  const context = await adminContext();
  const calls = await meter(context);
  const version = await publishedPlan(context, [calls.id]); // $49 + 1,000 included, then graduated
  const { clock, customer } = await clockCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
  await recordEvents(
    customer.externalId,
    [
      { meter: calls.eventName, value: 4_000, at: at(JAN_1 + DAY + HOUR / 2) },
      { meter: calls.eventName, value: 8_000, at: at(JAN_1 + 5 * DAY + 3 * HOUR) },
      { meter: calls.eventName, value: 500, at: at(JAN_1 + 5 * DAY + 20 * HOUR) },
    ],
    at(TEN_DAYS_IN),
  );
  return { context, calls, version, clock, customer, subscription };
}

describe("usage dashboard", () => {
  it("shows usage against the quota, the projection and the engine's prices, day by day", async () => {
    const { calls, version, customer } = await customerWithUsage();
    const dashboard = await getUsageDashboard(customer.id, { now: at(TEN_DAYS_IN) });
    expect(dashboard.period).toMatchObject({ periodStart: at(JAN_1), periodEnd: at(FEB_1), current: true });
    expect(dashboard.plan).toMatchObject({ name: "Team", currency: "usd", alertThresholds: [75, 90, 100] });
    const [usage] = dashboard.meters;
    expect(usage).toMatchObject({
      meterId: calls.id,
      usage: "12500",
      included: "1000",
      percentUsed: 1250,
      projectedUsage: "38750", // 12,500 in 10 of 31 days
      remaining: "0",
      overQuota: true,
      thresholdReached: 100,
      eventCount: 3,
    });
    // 1,000 free; 10,000 at 0.5¢; 1,500 at 0.2¢ + $1 flat: $54.00.
    expect(usage?.amountMinor).toBe(5_400n);
    const pricing = toPlanPricing(await getPlanVersion(version.id));
    expect(usage?.projectedAmountMinor).toBe(rateUsage(pricing, new Map([[calls.id, new Decimal(38_750)]])).lines.find((line) => line.kind === "USAGE")?.amountMinor);
    expect(usage?.daily.map((day) => [day.day.toISOString().slice(0, 10), day.quantity, day.total])).toEqual([
      ["2024-01-02", "4000", "4000"],
      ["2024-01-06", "8500", "12500"],
    ]);
    expect(dashboard.preview?.soFar.totalMinor).toBe(4_900n + 5_400n);
    expect(dashboard.preview?.soFar.lines.map((line) => line.kind)).toEqual(["BASE_FEE", "USAGE"]);
    expect(dashboard.preview?.projected.totalMinor).toBe(rateUsage(pricing, new Map([[calls.id, new Decimal(38_750)]])).totalMinor);
    expect(dashboard.freshness.usageUpdatedAt).not.toBeNull();
    expect(dashboard.freshness.reportedAt).toBeNull();
  });

  it("previews the same invoice as Stripe to the cent once the usage is reported, and shows the past period with its invoice", async () => {
    const { customer, subscription, clock, calls } = await customerWithUsage();
    await clockAdvance(clock.id, TEN_DAYS_IN);
    const now = () => at(TEN_DAYS_IN);
    await drain(testSender(), reporterOptions([customer.id], now));
    const dashboard = await getUsageDashboard(customer.id, { now: now() });
    expect(dashboard.freshness.reportedAt).not.toBeNull();
    const stripe = await getStripeInvoicePreview(subscription.stripeSubscriptionId ?? "");
    expect(dashboard.preview?.soFar.totalMinor).toBe(10_300n);
    expect(stripe).toMatchObject({ available: true, totalMinor: 10_300n });

    // The period ends: its invoice is issued, a new period begins.
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    const invoice = await cycleInvoice(customer.stripeCustomerId ?? "", FEB_1);
    await syncInvoice(invoice?.id ?? "");
    const current = await getUsageDashboard(customer.id, { now: at(FEB_1 + 2 * HOUR) });
    expect(current.period).toMatchObject({ periodStart: at(FEB_1), current: true });
    expect(current.meters[0]).toMatchObject({ usage: "0", percentUsed: 0 });
    expect(current.periods.map((period) => period.periodStart)).toEqual([at(FEB_1), at(JAN_1)]);

    const past = await getUsageDashboard(customer.id, { now: at(FEB_1 + 2 * HOUR), periodStart: at(JAN_1) });
    expect(past.period).toMatchObject({ periodStart: at(JAN_1), periodEnd: at(FEB_1), current: false });
    expect(past.meters[0]).toMatchObject({ meterId: calls.id, usage: "12500", amountMinor: 5_400n, projectedAmountMinor: null });
    expect(past.preview).toBeNull();
    const [issued] = (await findCustomerInvoices(customer.id)).filter((candidate) => candidate.periodStart.getTime() === at(JAN_1).getTime());
    expect(issued?.lines.reduce((sum, line) => sum + line.amountMinor, 0n)).toBe(issued?.subtotalMinor);
    expect(issued?.lines.some((line) => line.amountMinor === 5_400n)).toBe(true);

    await expect(getUsageDashboard(customer.id, { periodStart: at(JAN_1 + DAY) })).rejects.toMatchObject({ code: "not_found" });
  });
});
