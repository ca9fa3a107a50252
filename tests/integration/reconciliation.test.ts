// Reconciliation (issue #8) against real Postgres and the Stripe emulator: drift planted in each of
// the ways usage goes wrong — a line Stripe lost, a line Stripe counts twice, an event that reached
// Stripe after its invoice was finalized — is found with its cause, units, money and percent, and
// repaired; afterwards raw = expected = Tally's reported = Stripe's summary = the invoiced quantity.
import { describe, expect, it } from "vitest";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { runReconciliation } from "@/lib/reconciliation/run-reconciliation";
import { repairReconciliationLine } from "@/lib/reconciliation/repair-reconciliation-line";
import { nightlyRunKey, runNightlyReconciliation } from "@/lib/reconciliation/run-nightly-reconciliation";
import { claimUsage } from "@/lib/stripe/reporter/claim-usage";
import { releaseReportLines } from "@/lib/stripe/reporter/release-report-lines";
import { getStripe } from "@/lib/stripe/client";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { syncSubscription } from "@/lib/stripe/sync-subscription";
import { adminContext, clockAdvance, JAN_1 } from "./catalog-helpers";
import { at, cycleInvoice, DAY, drain, HOUR, meteredQuantity, recordEvents, reporterOptions, stripeTotal, subscribedCustomer, testSender } from "./reporter-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const MAR_1 = FEB_1 + 29 * DAY;

async function reconcile(customerId: string, now: Date) {
  const run = await runReconciliation({ trigger: "MANUAL", customerId, audit: await adminContext(), now: () => now });
  if (!run) throw new Error("The run did not start");
  return db.reconciliationLine.findMany({ where: { runId: run.runId }, orderBy: { periodStart: "asc" } });
}

const figures = (line: { rawQuantity: unknown; expectedQuantity: unknown; reportedQuantity: unknown; stripeQuantity: unknown; invoicedQuantity: unknown; driftQuantity: unknown }) => ({
  raw: String(line.rawQuantity),
  expected: String(line.expectedQuantity),
  reported: String(line.reportedQuantity),
  stripe: line.stripeQuantity === null ? null : String(line.stripeQuantity),
  invoiced: line.invoicedQuantity === null ? null : String(line.invoicedQuantity),
  drift: String(line.driftQuantity),
});

describe("reconciliation", () => {
  it("finds a line Stripe lost (units, money, percent), resends it once, and then raw = reported = Stripe = the invoice", async () => {
    const { meters, clock, customer, subscription, priceOf } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const stripeCustomerId = customer.stripeCustomerId ?? "";
    let now = at(JAN_1 + 5 * DAY);
    await clockAdvance(clock.id, JAN_1 + 5 * DAY);
    await recordEvents(customer.externalId, [
      { meter: calls.eventName, value: 100, at: at(JAN_1 + DAY) },
      { meter: calls.eventName, value: 250, at: at(JAN_1 + 2 * DAY) },
      { meter: calls.eventName, value: 40, at: at(JAN_1 + 3 * DAY) },
    ], now);
    await drain(testSender(), reporterOptions([customer.id], () => now));

    // A clean period agrees: nothing to repair.
    const [clean] = await reconcile(customer.id, now);
    expect(figures(clean!)).toEqual({ raw: "390", expected: "390", reported: "390", stripe: "390", invoiced: null, drift: "0" });
    expect(clean).toMatchObject({ cause: null, repairAction: null, driftMinor: 0n, currency: "usd" });

    // Planted: 70 more, claimed and marked sent, but Stripe never got the call.
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 70, at: at(JAN_1 + 4 * DAY) }], now);
    const claim = await claimUsage({ now, workerId: "lost", windowSeconds: 3_600, maxEvents: 100, invoiceGraceSeconds: 3_600, leaseSeconds: 60, customerIds: [customer.id] });
    expect(claim.lines).toHaveLength(1);
    await db.reportLine.updateMany({ where: { id: claim.lines[0]!.id }, data: { status: "SENT", sentAt: now, firstAttemptAt: now, attempts: 1 } });
    await db.usageEvent.updateMany({ where: { customerId: customer.id, reportLineId: claim.lines[0]!.id }, data: { reportedAt: now } });

    const [lost] = await reconcile(customer.id, now);
    expect(figures(lost!)).toEqual({ raw: "460", expected: "460", reported: "460", stripe: "390", invoiced: null, drift: "70" });
    expect(lost).toMatchObject({ cause: "missing_in_stripe", repairAction: "resend", driftMinor: 70n, repairedAt: null });
    expect((lost!.details as { driftPercent: string }).driftPercent).toBe("15.2174");

    const context = await adminContext();
    const repair = await repairReconciliationLine(lost!.id, context, { now: () => now });
    expect(repair.action).toBe("resend");
    expect(await stripeTotal(calls.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(FEB_1))).toBe(460);
    // Twice (a second tab): refused, and Stripe still has it once.
    await expect(repairReconciliationLine(lost!.id, context, { now: () => now })).rejects.toMatchObject({ code: "conflict" });
    expect(await stripeTotal(calls.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(FEB_1))).toBe(460);
    const audit = await db.auditLog.findFirstOrThrow({ where: { action: "reconciliation.repaired", entityId: lost!.id } });
    expect(audit.before).toMatchObject({ cause: "missing_in_stripe", stripe: "390", reported: "460" });
    expect(audit.after).toMatchObject({ action: "resend" });

    const [repaired] = await reconcile(customer.id, now);
    expect(figures(repaired!)).toEqual({ raw: "460", expected: "460", reported: "460", stripe: "460", invoiced: null, drift: "0" });
    expect(repaired!.cause).toBeNull();

    // The invoice bills all of it: four figures agree.
    now = at(FEB_1 + 2 * HOUR);
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    const invoice = await cycleInvoice(stripeCustomerId, FEB_1);
    expect(meteredQuantity(invoice!, priceOf(calls.id))).toBe(460);
    await syncInvoice(invoice!.id ?? "");
    const january = (await reconcile(customer.id, now)).find((line) => line.periodStart.getTime() === JAN_1 * 1000);
    expect(figures(january!)).toEqual({ raw: "460", expected: "460", reported: "460", stripe: "460", invoiced: "460", drift: "0" });
  });

  it("finds a line Stripe counts twice (released, then sent again under a new identifier) and cancels the duplicate in Stripe", async () => {
    const { meters, clock, customer } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const now = at(JAN_1 + 5 * DAY);
    await clockAdvance(clock.id, JAN_1 + 5 * DAY);
    await recordEvents(customer.externalId, [
      { meter: calls.eventName, value: 30, at: at(JAN_1 + DAY) },
      { meter: calls.eventName, value: 250, at: at(JAN_1 + 2 * DAY) },
    ], now);
    const options = reporterOptions([customer.id], () => now);
    await drain(testSender(), options);

    // Planted: Stripe took the 250, but Tally dead-lettered the line (an inconclusive answer), and an admin released it.
    const line = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 250 } });
    await db.reportLine.update({ where: { id: line.id }, data: { status: "DEAD", heldCode: "needs_reconciliation", heldReason: "planted", sentAt: null } });
    await db.usageEvent.updateMany({ where: { customerId: customer.id, reportLineId: line.id }, data: { reportedAt: null } });
    await releaseReportLines({ lineIds: [line.id.toString()] }, await adminContext());
    await drain(testSender(), options);
    expect(await stripeTotal(calls.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(FEB_1))).toBe(530);

    const [duplicate] = await reconcile(customer.id, now);
    expect(figures(duplicate!)).toEqual({ raw: "280", expected: "280", reported: "280", stripe: "530", invoiced: null, drift: "-250" });
    expect(duplicate).toMatchObject({ cause: "duplicate_in_stripe", repairAction: "cancel_duplicate", driftMinor: -250n });
    expect((duplicate!.details as { duplicates: { identifier: string }[] }).duplicates.map((found) => found.identifier)).toEqual([line.identifier]);

    const repair = await repairReconciliationLine(duplicate!.id, await adminContext(), { now: () => now });
    expect(repair.stripeIds).toEqual([line.identifier]);
    const [repaired] = await reconcile(customer.id, now);
    expect(figures(repaired!)).toEqual({ raw: "280", expected: "280", reported: "280", stripe: "280", invoiced: null, drift: "0" });
  });

  it("finds usage that reached Stripe after its invoice was finalized, bills the difference on the next invoice, and explains late usage billed in the next period", async () => {
    const { meters, clock, customer, subscription, priceOf } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const stripeCustomerId = customer.stripeCustomerId ?? "";
    let now = at(JAN_1 + 20 * DAY);
    await clockAdvance(clock.id, JAN_1 + 20 * DAY);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 500, at: at(JAN_1 + 10 * DAY) }], now);
    await drain(testSender(), reporterOptions([customer.id], () => now));

    // January's invoice is finalized an hour after the period; Tally, configured with a longer grace
    // period and not told of the invoice yet, still sends a January event as January's.
    now = at(FEB_1 + 90 * 60);
    await clockAdvance(clock.id, FEB_1 + 90 * 60);
    await syncSubscription(subscription.stripeSubscriptionId ?? "");
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 30, at: at(JAN_1 + 25 * DAY) }], now);
    await drain(testSender(), reporterOptions([customer.id], () => now, { invoiceGraceSeconds: 2 * 3_600 }));
    const invoice = await cycleInvoice(stripeCustomerId, FEB_1);
    expect(invoice?.status).not.toBe("draft");
    expect(meteredQuantity(invoice!, priceOf(calls.id))).toBe(500);
    await syncInvoice(invoice!.id ?? "");

    // A second late event, now that Tally knows the invoice is final: billed in February, as the late-usage policy says.
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 8, at: at(JAN_1 + 26 * DAY) }], now);
    await drain(testSender(), reporterOptions([customer.id], () => now));

    const lines = await reconcile(customer.id, now);
    const january = lines.find((line) => line.periodStart.getTime() === JAN_1 * 1000);
    const february = lines.find((line) => line.periodStart.getTime() === FEB_1 * 1000);
    expect(figures(january!)).toEqual({ raw: "538", expected: "530", reported: "530", stripe: "530", invoiced: "500", drift: "30" });
    expect(january).toMatchObject({ cause: "late_after_invoice", repairAction: "adjust_next_invoice", driftMinor: 30n });
    expect(january!.details).toMatchObject({ lateOut: "8", lateIn: "0" });
    expect(figures(february!)).toEqual({ raw: "0", expected: "8", reported: "8", stripe: "8", invoiced: null, drift: "0" });
    expect(february!.details).toMatchObject({ lateIn: "8" });

    const repair = await repairReconciliationLine(january!.id, await adminContext(), { now: () => now });
    expect(repair.action).toBe("adjust_next_invoice");
    const item = await getStripe().invoiceItems.retrieve(repair.stripeIds[0] ?? "");
    expect(item).toMatchObject({ amount: 30, currency: "usd", customer: stripeCustomerId });
    expect(await db.invoiceAdjustment.findUniqueOrThrow({ where: { reconciliationLineId: january!.id } })).toMatchObject({ amountMinor: 30n, stripeInvoiceItemId: item.id });

    const after = (await reconcile(customer.id, now)).find((line) => line.periodStart.getTime() === JAN_1 * 1000);
    expect(figures(after!)).toEqual({ raw: "538", expected: "530", reported: "530", stripe: "530", invoiced: "530", drift: "0" });
    expect(after!.cause).toBeNull();

    // February's invoice carries the correction.
    await clockAdvance(clock.id, MAR_1 + 2 * HOUR);
    const march = await cycleInvoice(stripeCustomerId, MAR_1);
    expect(march?.lines.data.find((line) => line.description?.startsWith("Usage correction"))?.amount).toBe(30);
    expect(meteredQuantity(march!, priceOf(calls.id))).toBe(8);
  });

  it("finds dead-lettered usage and releases it to the reporter", async () => {
    const { meters, clock, customer } = await subscribedCustomer(1);
    const [calls] = meters;
    if (!calls) throw new Error("meter");
    const now = at(JAN_1 + 5 * DAY);
    await clockAdvance(clock.id, JAN_1 + 5 * DAY);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 12, at: at(JAN_1 + DAY) }], now);
    const options = reporterOptions([customer.id], () => now);
    await claimUsage({ now, workerId: "dead", windowSeconds: 3_600, maxEvents: 100, invoiceGraceSeconds: 3_600, leaseSeconds: 60, customerIds: [customer.id] });
    await db.reportLine.updateMany({ where: { customerId: customer.id }, data: { status: "DEAD", heldCode: "stripe_rejected", heldReason: "planted" } });

    const [dead] = await reconcile(customer.id, now);
    expect(figures(dead!)).toEqual({ raw: "12", expected: "12", reported: "0", stripe: "0", invoiced: null, drift: "12" });
    expect(dead).toMatchObject({ cause: "dead_lettered", repairAction: "release" });
    await repairReconciliationLine(dead!.id, await adminContext(), { now: () => now });
    await drain(testSender(), options);
    const [repaired] = await reconcile(customer.id, now);
    expect(figures(repaired!)).toEqual({ raw: "12", expected: "12", reported: "12", stripe: "12", invoiced: null, drift: "0" });
  });

  it("runs a scheduled run once however many workers start it, and refuses to repair another run's stale row", async () => {
    const { customer } = await subscribedCustomer(1);
    const runKey = `nightly:test-${customer.id}`;
    const results = await Promise.all([1, 2, 3].map(() => runReconciliation({ trigger: "SCHEDULED", runKey, customerId: customer.id })));
    expect(results.filter((result) => result !== null)).toHaveLength(1);
    expect(await db.reconciliationRun.count({ where: { runKey } })).toBe(1);
    await expect(repairReconciliationLine("00000000-0000-0000-0000-000000000000", await adminContext())).rejects.toBeInstanceOf(AppError);
  });

  it("runs nightly from the configured UTC hour, once per day, over every customer", async () => {
    const { customer } = await subscribedCustomer(1);
    const early = new Date("2031-03-04T01:59:00Z");
    expect(await runNightlyReconciliation(early, { hourUtc: 2 })).toBeNull();
    const due = new Date("2031-03-04T02:00:00Z");
    const run = await runNightlyReconciliation(due, { hourUtc: 2 });
    expect(run).not.toBeNull();
    expect(await db.reconciliationRun.findUniqueOrThrow({ where: { id: run!.runId } })).toMatchObject({ trigger: "SCHEDULED", runKey: nightlyRunKey(due), status: "SUCCEEDED", customerId: null });
    expect(await db.reconciliationLine.count({ where: { runId: run!.runId, customerId: customer.id } })).toBeGreaterThan(0);
    expect(await runNightlyReconciliation(new Date("2031-03-04T23:00:00Z"), { hourUtc: 2 })).toBeNull();
  });
});
