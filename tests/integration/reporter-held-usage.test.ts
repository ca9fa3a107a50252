// Held usage end to end: a customer without a subscription sends usage, the reporter holds it
// (nothing reaches Stripe), the customer subscribes, an admin retries the held line, and the usage
// is billed once, as a late adjustment of the new period.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { releaseReportLines } from "@/lib/stripe/reporter/release-report-lines";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, perUnitPlan } from "./catalog-helpers";
import { at, DAY, drain, HOUR, recordEvents, reporterOptions, stripeTotal, testSender } from "./reporter-helpers";

describe("held usage", () => {
  it("is held while the customer has no subscription, and billed once after they subscribe and an admin retries it", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await perUnitPlan(context, [calls.id], 0, "1");
    const { clock, customer } = await clockCustomer(context);
    let now = at(JAN_1 + DAY);
    await clockAdvance(clock.id, JAN_1 + DAY);
    const options = reporterOptions([customer.id], () => now);
    const sender = testSender();

    await recordEvents(customer.externalId, [
      { meter: calls.eventName, value: 4, at: at(JAN_1 + HOUR) },
      { meter: calls.eventName, value: 6, at: at(JAN_1 + HOUR + 60) },
    ], now);
    expect((await drain(sender, options))[0]).toMatchObject({ claimedEvents: 2, held: 1, sent: 0 });
    const held = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id } });
    expect(held).toMatchObject({ status: "HELD", heldCode: "no_subscription" });
    // Held lines are not retried on their own: a second pass sends nothing.
    expect(await drain(sender, options)).toEqual([expect.objectContaining({ claimedEvents: 0, leased: 0, sent: 0 })]);

    const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
    const released = await releaseReportLines({ lineIds: [held.id.toString()] }, context);
    expect(released).toEqual({ released: 1, events: 2 });
    expect(await db.auditLog.count({ where: { entityType: "report_line", entityId: held.id.toString(), action: "report_line.released" } })).toBe(1);

    now = at(JAN_1 + DAY + 60);
    expect((await drain(sender, options))[0]).toMatchObject({ claimedEvents: 2, linesClaimed: 1, held: 0, sent: 1 });
    const billed = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, status: "SENT" } });
    expect(billed).toMatchObject({ late: true, periodStart: subscription.currentPeriodStart, stripeValue: 10n });
    expect(await db.reportLine.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: "RELEASED" });
    expect(await stripeTotal(calls.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(JAN_1 + 2 * DAY))).toBe(10);

    // Releasing it again changes nothing.
    expect(await releaseReportLines({ lineIds: [held.id.toString()] }, context)).toEqual({ released: 0, events: 0 });
  });
});
