// Quota alerts (lib/billing/evaluate-usage-alerts.ts): evaluated from the rollups as usage arrives,
// each threshold once per customer, meter and period even with evaluations racing, re-armed by the
// next period, per-plan thresholds, and notifications queued with the alert: one email per member
// (the highest threshold reached at once) and one signed webhook per threshold.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPlan } from "@/lib/catalog/create-plan";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import { ZPlanInput } from "@/lib/catalog/schemas";
import { evaluateUsageAlerts } from "@/lib/billing/evaluate-usage-alerts";
import { db } from "@/lib/db";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, slug } from "./catalog-helpers";
import { createUser } from "./factories";
import { at, DAY, recordEvents } from "./reporter-helpers";

/** A plan with 1,000 calls included (thresholds as given), and a customer on it with a member. */
async function customerWithQuota(alertThresholds?: number[]) {
  const context = await adminContext();
  const calls = await meter(context);
  const plan = await createPlan(
    ZPlanInput.parse({
      key: slug("quota"),
      name: "Quota plan",
      version: {
        currency: "usd",
        baseFeeMinor: 1000,
        ...(alertThresholds ? { alertThresholds } : {}),
        charges: [{ meterId: calls.id, pricingModel: "PER_UNIT", unitPriceMinor: "1", includedQuantity: "1000" }],
      },
    }),
    context,
  );
  const version = await publishPlanVersion(plan.versions[0]?.id ?? "", context);
  const { clock, customer } = await clockCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
  const member = await createUser({ customerId: customer.id });
  const record = (value: number, day: number) => recordEvents(customer.externalId, [{ meter: calls.eventName, value, at: at(JAN_1 + day * DAY) }], at(JAN_1 + day * DAY + 60));
  const alerts = () => db.usageAlert.findMany({ where: { customerId: customer.id }, orderBy: [{ periodStart: "asc" }, { threshold: "asc" }] });
  const emails = () => db.emailMessage.findMany({ where: { usageAlert: { customerId: customer.id } }, orderBy: { createdAt: "asc" } });
  return { context, calls, version, clock, customer, subscription, member, record, alerts, emails };
}

let endpointId = "";
beforeAll(async () => {
  // A webhook endpoint subscribed to the alerts (it is never called here: deliveries stay queued).
  const endpoint = await db.webhookEndpoint.create({ data: { url: "http://127.0.0.1:9/alerts", secret: "whsec_test", eventTypes: ["usage.threshold_crossed"] } });
  endpointId = endpoint.id;
});
afterAll(async () => {
  await db.webhookEndpoint.update({ where: { id: endpointId }, data: { disabledAt: new Date() } });
});

const deliveriesFor = (customerId: string) => db.webhookDelivery.findMany({ where: { endpointId, customerId }, orderBy: { createdAt: "asc" } });

describe("quota alerts", () => {
  it("fire at 75 %, then 90 % and 100 % together, each once, with one email per member for the highest and one webhook per threshold", async () => {
    const { customer, calls, member, record, alerts, emails } = await customerWithQuota();
    await record(700, 2);
    expect((await evaluateUsageAlerts({ customerIds: [customer.id] })).fired).toEqual([]);

    await record(60, 3); // 760 of 1,000
    const first = await evaluateUsageAlerts({ customerIds: [customer.id] });
    expect(first.fired.map((alert) => alert.threshold)).toEqual([75]);
    expect(await alerts()).toMatchObject([{ threshold: 75, meterId: calls.id, periodStart: at(JAN_1), periodEnd: at(JAN_1 + 31 * DAY) }]);
    expect((await alerts())[0]?.usageQuantity.toString()).toBe("760");
    const [email] = await emails();
    expect(email).toMatchObject({ toAddress: member.email, status: "PENDING" });
    expect(email?.subject).toMatch(/75% of your included API calls/);
    expect(email?.text).toMatch(/760 of the 1,000 call/);
    expect(email?.text).toContain(`/dashboard/${customer.id}`);

    await record(300, 4); // 1,060: past 90 % and 100 % at once
    const second = await evaluateUsageAlerts({ customerIds: [customer.id] });
    expect(second.fired.map((alert) => alert.threshold)).toEqual([90, 100]);
    expect((await alerts()).map((alert) => alert.threshold)).toEqual([75, 90, 100]);
    expect((await emails()).map((message) => message.subject)).toEqual([expect.stringMatching(/75%/), expect.stringMatching(/used all of your included/)]);

    const deliveries = await deliveriesFor(customer.id);
    expect(deliveries.map((delivery) => [delivery.eventType, (delivery.payload as { data: { threshold_percent: number } }).data.threshold_percent])).toEqual([
      ["usage.threshold_crossed", 75],
      ["usage.threshold_crossed", 90],
      ["usage.threshold_crossed", 100],
    ]);
    expect((deliveries[2]?.payload as { data: Record<string, unknown> }).data).toMatchObject({
      customer: { id: customer.id, external_id: customer.externalId },
      meter: { id: calls.id, event_name: calls.eventName },
      usage: "1060",
      included: "1000",
      percent_used: "106.0",
    });

    // Nothing new: nothing fires again.
    expect((await evaluateUsageAlerts({ customerIds: [customer.id] })).fired).toEqual([]);
    await record(10, 5);
    expect((await evaluateUsageAlerts({ customerIds: [customer.id] })).fired).toEqual([]);
    expect(await emails()).toHaveLength(2);
  });

  it("fire once when several evaluations race (several workers)", async () => {
    const { customer, record, alerts, emails } = await customerWithQuota();
    await record(950, 2);
    const results = await Promise.all(Array.from({ length: 5 }, () => evaluateUsageAlerts({ customerIds: [customer.id] })));
    expect(results.flatMap((result) => result.fired.map((alert) => alert.threshold)).sort()).toEqual([75, 90]);
    expect((await alerts()).map((alert) => alert.threshold)).toEqual([75, 90]);
    expect(await emails()).toHaveLength(1);
    expect(await deliveriesFor(customer.id)).toHaveLength(2);
  });

  it("use the plan's own thresholds", async () => {
    const { customer, record, alerts } = await customerWithQuota([50, 150]);
    await record(1_200, 2);
    await evaluateUsageAlerts({ customerIds: [customer.id] });
    expect((await alerts()).map((alert) => alert.threshold)).toEqual([50]);
    await record(400, 3);
    await evaluateUsageAlerts({ customerIds: [customer.id] });
    expect((await alerts()).map((alert) => alert.threshold)).toEqual([50, 150]);
  });

  it("re-arm in the next period", async () => {
    const { customer, clock, subscription, record, alerts } = await customerWithQuota();
    await record(800, 2);
    await evaluateUsageAlerts({ customerIds: [customer.id] });

    await clockAdvance(clock.id, JAN_1 + 32 * DAY);
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    // The next period starts on February 1st: usage there counts from zero.
    await record(500, 32);
    expect((await evaluateUsageAlerts({ customerIds: [customer.id] })).fired).toEqual([]);
    await record(300, 33);
    await evaluateUsageAlerts({ customerIds: [customer.id] });
    expect((await alerts()).map((alert) => [alert.periodStart.getTime(), alert.threshold])).toEqual([
      [at(JAN_1).getTime(), 75],
      [at(JAN_1 + 31 * DAY).getTime(), 75],
    ]);
  });

  it("follow the rollups from a cursor: a full evaluation finds new usage, and moves the cursor", async () => {
    const { record, alerts } = await customerWithQuota();
    await record(900, 2);
    expect((await evaluateUsageAlerts()).evaluated).toBe(true);
    expect((await alerts()).map((alert) => alert.threshold)).toEqual([75, 90]);
    const cursor = await db.workerCursor.findUniqueOrThrow({ where: { name: "usage_alerts" } });
    expect(Date.now() - cursor.position.getTime()).toBeLessThan(60_000);
  });
});
