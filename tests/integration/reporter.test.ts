// The reporter (DESIGN.md rules 3–6) against real Postgres and the Stripe emulator: every event
// reaches Stripe once, one meter event per customer, meter and closed window, with totals equal to
// the raw events and invoices billing them in the right period; concurrent workers; held usage.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { runReporterPass } from "@/lib/stripe/reporter/run-reporter-pass";
import { adminContext, clockAdvance, clockCustomer, JAN_1 } from "./catalog-helpers";
import { at, cycleInvoice, DAY, drain, HOUR, meteredQuantity, rawTotal, recordEvents, reporterOptions, stripeTotal, subscribedCustomer, testSender } from "./reporter-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const MAR_1 = FEB_1 + 29 * DAY;

describe("reporter", () => {
  it("sends each closed window of a customer and meter as one meter event, and Stripe's totals and invoice equal the raw events", async () => {
    const { meters, clock, customer, priceOf } = await subscribedCustomer();
    const [calls, logins] = meters;
    if (!calls || !logins) throw new Error("meters");
    const now = at(JAN_1 + 2 * DAY + 1800);
    await clockAdvance(clock.id, JAN_1 + 2 * DAY + 1800);
    // 5 hours × (4 calls events + 3 logins) on January 1st, and 2 more calls in an hour still open.
    const events = [];
    for (let hour = 0; hour < 5; hour++) {
      for (let i = 0; i < 4; i++) events.push({ meter: calls.eventName, value: 10 + hour * 4 + i, at: at(JAN_1 + hour * HOUR + i * 60) });
      for (let i = 0; i < 3; i++) events.push({ meter: logins.eventName, value: 1, at: at(JAN_1 + hour * HOUR + 600 + i) });
    }
    const open = [{ meter: calls.eventName, value: 1000, at: at(JAN_1 + 2 * DAY + 600) }];
    await recordEvents(customer.externalId, [...events, ...open], now);

    const sender = testSender();
    const results = await drain(sender, reporterOptions([customer.id], () => now));
    expect(results[0]).toMatchObject({ claimedEvents: 35, linesClaimed: 10, held: 0, sent: 10, duplicates: 0, retried: 0, dead: 0 });

    const lines = await db.reportLine.findMany({ where: { customerId: customer.id }, orderBy: { id: "asc" } });
    expect(lines).toHaveLength(10);
    expect(lines.every((line) => line.status === "SENT" && line.sentAt !== null && !line.late)).toBe(true);
    // The count meter's lines carry the count of their window; timestamps lie inside their window.
    expect(lines.filter((line) => line.meterId === logins.id).map((line) => Number(line.stripeValue))).toEqual([3, 3, 3, 3, 3]);
    for (const line of lines) {
      expect(line.eventAt >= line.windowStart && line.eventAt < line.windowEnd).toBe(true);
      expect(line.windowEnd.getTime() - line.windowStart.getTime()).toBe(HOUR * 1000);
    }
    const unreported = await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } });
    expect(unreported).toBe(1); // the event of the open window waits for it to close
    const identifiers = new Set(lines.map((line) => line.identifier));
    expect(identifiers.size).toBe(10);

    const stripeCustomerId = customer.stripeCustomerId ?? "";
    expect(await stripeTotal(calls.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(JAN_1 + 2 * DAY))).toBe(Number(await rawTotal(customer.id, calls.id)) - 1000);
    expect(await stripeTotal(logins.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(JAN_1 + 2 * DAY))).toBe(15);

    // The open window closes: its event goes, alone.
    const later = at(JAN_1 + 2 * DAY + HOUR);
    await clockAdvance(clock.id, JAN_1 + 2 * DAY + HOUR);
    await drain(sender, reporterOptions([customer.id], () => later));
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
    expect(await db.reportLine.count({ where: { customerId: customer.id } })).toBe(11);

    // The period ends: the invoice bills exactly the raw totals.
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const invoice = await cycleInvoice(stripeCustomerId, FEB_1);
    expect(invoice?.status).toBe("paid");
    expect(meteredQuantity(invoice!, priceOf(calls.id))).toBe(Number(await rawTotal(customer.id, calls.id)));
    expect(meteredQuantity(invoice!, priceOf(logins.id))).toBe(15);
  });

  it("bills events 1 ms before and at the period end in their own periods, and late usage once, as a labelled adjustment of the current period", async () => {
    const { meters, clock, customer, subscription, priceOf } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const stripeCustomerId = customer.stripeCustomerId ?? "";
    const sender = testSender();
    let now = at(FEB_1 - 30 * 60);
    const options = reporterOptions([customer.id], () => now);
    await clockAdvance(clock.id, FEB_1 - 30 * 60);

    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 7, at: at(JAN_1 + 19 * DAY) }], now);
    now = at(FEB_1 - 2 * 60);
    await recordEvents(
      customer.externalId,
      [
        { meter: calls.eventName, value: 3, at: new Date(FEB_1 * 1000 - 1) },
        { meter: calls.eventName, value: 5, at: at(FEB_1) },
      ],
      now,
    );
    now = at(FEB_1 - 60);
    expect((await drain(sender, options))[0]).toMatchObject({ claimedEvents: 1, sent: 1 }); // the last hour is still open

    // The period rolls over (the webhook's sync): the event 1 ms before the end goes to January's draft invoice.
    await clockAdvance(clock.id, FEB_1 + 120);
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    now = at(FEB_1 + 120);
    expect((await drain(sender, options))[0]).toMatchObject({ claimedEvents: 1, sent: 1 });
    const january = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 3 } });
    expect(january).toMatchObject({ late: false, periodStart: at(JAN_1), periodEnd: at(FEB_1), eventAt: at(FEB_1 - 1) });

    // January's invoice is final after the grace period; usage for January arriving now is late.
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    now = at(FEB_1 + 2 * HOUR);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 11, at: at(JAN_1 + 24 * DAY) }], now);
    expect((await drain(sender, options))[0]).toMatchObject({ claimedEvents: 2, sent: 2 });
    const late = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 11 } });
    expect(late).toMatchObject({ late: true, periodStart: at(FEB_1), periodEnd: at(MAR_1), eventAt: now });
    const atEnd = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 5 } });
    expect(atEnd).toMatchObject({ late: false, periodStart: at(FEB_1), eventAt: at(FEB_1) });

    expect(meteredQuantity((await cycleInvoice(stripeCustomerId, FEB_1))!, priceOf(calls.id))).toBe(10);
    await clockAdvance(clock.id, MAR_1 + 2 * HOUR);
    expect(meteredQuantity((await cycleInvoice(stripeCustomerId, MAR_1))!, priceOf(calls.id))).toBe(16);
  });

  it("holds the usage of a customer without a subscription, visibly, without calling Stripe or blocking others", async () => {
    const { meters, customer, clock } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const context = await adminContext();
    const { customer: unsubscribed } = await clockCustomer(context);
    const now = at(JAN_1 + DAY);
    await clockAdvance(clock.id, JAN_1 + DAY);
    await recordEvents(unsubscribed.externalId, [{ meter: calls.eventName, value: 4, at: at(JAN_1 + HOUR) }], now);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 6, at: at(JAN_1 + HOUR) }], now);

    const results = await drain(testSender(), reporterOptions([unsubscribed.id, customer.id], () => now));
    expect(results[0]).toMatchObject({ claimedEvents: 2, linesClaimed: 2, held: 1, sent: 1 });
    const held = await db.reportLine.findFirstOrThrow({ where: { customerId: unsubscribed.id } });
    expect(held).toMatchObject({ status: "HELD", heldCode: "no_subscription", sentAt: null, attempts: 0 });
    expect(held.heldReason).toMatch(/no live subscription/);
    expect(await db.usageEvent.count({ where: { customerId: unsubscribed.id, reportLineId: held.id, reportedAt: null } })).toBe(1);
    expect(await stripeTotal(calls.stripeMeterId ?? "", unsubscribed.stripeCustomerId ?? "", at(JAN_1), at(JAN_1 + DAY))).toBe(0);
  });

  it("lets several workers drain one backlog at once: every event in exactly one line, one line per window, totals exact", async () => {
    const customers = [];
    for (let index = 0; index < 4; index++) customers.push(await subscribedCustomer(1));
    const now = at(JAN_1 + 3 * DAY);
    for (const { clock } of customers) await clockAdvance(clock.id, JAN_1 + 3 * DAY);
    let expectedGroups = 0;
    for (const { customer, meters } of customers) {
      const events = [];
      for (let i = 0; i < 1_500; i++) events.push({ meter: meters[0]?.eventName ?? "", value: (i % 7) + 1, at: at(JAN_1 + Math.floor(i / 30) * 600 + (i % 30)) });
      expectedGroups += new Set(events.map((event) => Math.floor(event.at.getTime() / 3_600_000))).size;
      await recordEvents(customer.externalId, events, now);
    }
    const ids = customers.map(({ customer }) => customer.id);
    // Small claims so that the workers interleave.
    const options = reporterOptions(ids, () => now, { maxEvents: 400 });
    const workers = Array.from({ length: 3 }, () => drain(testSender(), { ...options, workerId: `worker-${Math.random()}` }));
    await Promise.all(workers);

    const lines = await db.reportLine.findMany({ where: { customerId: { in: ids } } });
    expect(lines.length).toBe(expectedGroups);
    expect(lines.every((line) => line.status === "SENT")).toBe(true);
    expect(new Set(lines.map((line) => `${line.customerId}|${line.windowStart.toISOString()}`)).size).toBe(expectedGroups);
    expect(await db.usageEvent.count({ where: { customerId: { in: ids }, OR: [{ reportLineId: null }, { reportedAt: null }] } })).toBe(0);
    for (const { customer, meters } of customers) {
      const [calls] = meters;
      expect(await stripeTotal(calls?.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(JAN_1 + 3 * DAY))).toBe(
        Number(await rawTotal(customer.id, calls?.id ?? "")),
      );
    }
    // A pass afterwards finds nothing to do.
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 0, leased: 0 });
    expect(getStripe()).toBeDefined();
  });

  it("runs with any claim size (TALLY_REPORT_BATCH_EVENTS need not be a multiple of ten)", async () => {
    const { meters, clock, customer } = await subscribedCustomer(1);
    const now = at(JAN_1 + DAY);
    await clockAdvance(clock.id, JAN_1 + DAY);
    await recordEvents(customer.externalId, [{ meter: meters[0]?.eventName ?? "", value: 5, at: at(JAN_1 + HOUR) }], now);
    const results = await drain(testSender(), reporterOptions([customer.id], () => now, { maxEvents: 1_234 }));
    expect(results[0]).toMatchObject({ claimedEvents: 1, sent: 1 });
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
  });
});
