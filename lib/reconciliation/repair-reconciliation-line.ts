// Repairs the drift a reconciliation row found, audit-logged. The figures are taken again first and
// the repair runs only if they still call for it (so a repair made twice, from two tabs or after the
// drift went away, does nothing and says so). Every Stripe call carries an identifier or
// idempotency key derived from the row, so a retry after a timeout never acts twice.
//
// - resend: Stripe lacks what Tally sent (the period's invoice is not final): one meter event for
//   the missing value, inside the period.
// - cancel_duplicate: Stripe counts a released or dead-lettered line Tally sent again under a new
//   identifier: the old identifier is cancelled (Stripe allows it for 24 hours).
// - adjust_next_invoice: the period's invoice is final and billed the wrong quantity: an invoice
//   item on the customer's next invoice for the pricing engine's difference (positive or negative),
//   recorded as an InvoiceAdjustment that counts with the period's invoiced quantity.
// - release: held or dead-lettered lines go back to the reporter (the admin fixed the cause).
// - send_now: usage in flight is sent at once (a flush of the customer).
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db as defaultDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { formatUnits } from "@/lib/money/currency";
import { getStripe } from "@/lib/stripe/client";
import { METER_CUSTOMER_PAYLOAD_KEY, METER_VALUE_PAYLOAD_KEY } from "@/lib/stripe/meter-payload";
import { STRIPE_MAX_EVENT_AGE_MS } from "@/lib/stripe/reporter/compute-report-lines";
import { flushCustomerUsage } from "@/lib/stripe/reporter/flush-customer-usage";
import { releaseReportLines } from "@/lib/stripe/reporter/release-report-lines";
import { formatDate } from "@/lib/time/format";
import { REPAIR_LABELS, type TRepairAction } from "./compute-reconciliation";
import { findReconciliationPairs } from "./reconciliation-query";
import { priceMeter, reconcilePair } from "./run-reconciliation";
import { findPlanInForce } from "@/lib/billing/find-plan-in-force";

export type TRepairResult = { action: TRepairAction; summary: string; stripeIds: string[] };

const compactId = (id: string) => id.replaceAll("-", "");

export async function repairReconciliationLine(
  lineId: string,
  context: TAuditContext,
  options: { now?: () => Date } = {},
  db: typeof defaultDb = defaultDb,
): Promise<TRepairResult> {
  const now = options.now ?? (() => new Date());
  const line = await db.reconciliationLine.findUnique({ where: { id: lineId }, include: { meter: { select: { eventName: true, unitLabel: true } } } });
  if (!line) throw new AppError("not_found", `No reconciliation row "${lineId}".`);
  if (line.repairedAt) throw new AppError("conflict", `This row was already repaired on ${formatDate(line.repairedAt)}; run the reconciliation again to see the figures now.`);
  if (!line.repairAction) throw new AppError("conflict", "This row has nothing to repair.");

  // The figures now, not as the run saw them.
  const [pair] = (await findReconciliationPairs(db, { customerId: line.customerId, endedSince: new Date(0) })).filter(
    (candidate) => candidate.meter_id === line.meterId && candidate.period_start.getTime() === line.periodStart.getTime(),
  );
  if (!pair) throw new AppError("conflict", "This period is no longer one Tally reconciles (the subscription moved on); run the reconciliation again.");
  const fresh = await reconcilePair(db, pair, now(), { get: (customerId, periodEnd) => findPlanInForce(db, customerId, periodEnd) });
  if (fresh.data.error) throw new AppError("service_unavailable", fresh.data.error);
  if (fresh.result.repairAction !== line.repairAction) {
    throw new AppError("conflict", `The figures changed since this run (${fresh.result.cause ? `now: ${fresh.result.cause}` : "they agree now"}); run the reconciliation again.`);
  }

  // Claimed first, so two finance users cannot repair the same row at once.
  const claimed = await db.reconciliationLine.updateMany({ where: { id: line.id, repairedAt: null }, data: { repairedAt: now(), repairedById: context.actor.kind === "USER" ? context.actor.userId : null } });
  if (claimed.count === 0) throw new AppError("conflict", "Someone else is repairing this row.");

  let result: TRepairResult;
  try {
    result = await performRepair(db, line.repairAction as TRepairAction, { line, pair, fresh, context, now: now() });
  } catch (error) {
    await db.reconciliationLine.update({ where: { id: line.id }, data: { repairedAt: null, repairedById: null } });
    if (error instanceof AppError) throw error;
    throw new AppError("service_unavailable", `Stripe did not take the repair (${error instanceof Error ? error.message : String(error)}); nothing was recorded, try again.`);
  }

  await db.$transaction(async (tx) => {
    await tx.reconciliationLine.update({ where: { id: line.id }, data: { repairResult: result } });
    await recordAudit(tx, {
      ...context,
      action: "reconciliation.repaired",
      entityType: "reconciliation_line",
      entityId: line.id,
      customerId: line.customerId,
      before: {
        meter: line.meter.eventName,
        periodStart: line.periodStart,
        periodEnd: line.periodEnd,
        cause: line.cause,
        expected: fresh.data.expectedQuantity,
        reported: fresh.data.reportedQuantity,
        stripe: fresh.data.stripeQuantity,
        invoiced: fresh.data.invoicedQuantity,
        drift: fresh.data.driftQuantity,
      },
      after: result,
    });
  });
  return result;
}

type TRepairInput = {
  line: { id: string; customerId: string; meterId: string; periodStart: Date; periodEnd: Date; meter: { eventName: string; unitLabel: string } };
  pair: Awaited<ReturnType<typeof findReconciliationPairs>>[number];
  fresh: Awaited<ReturnType<typeof reconcilePair>>;
  context: TAuditContext;
  now: Date;
};

async function performRepair(db: typeof defaultDb, action: TRepairAction, input: TRepairInput): Promise<TRepairResult> {
  const { line, pair, fresh, now } = input;
  const stripe = getStripe();
  const label = REPAIR_LABELS[action];
  switch (action) {
    case "resend": {
      const missing = fresh.figures.stripeValue === null ? 0n : fresh.figures.sent.value - fresh.figures.stripeValue;
      if (missing <= 0n || !pair.stripe_customer_id) throw new AppError("conflict", "Stripe is no longer missing anything here.");
      // A whole second inside the period that Stripe still accepts (at most 35 days old, not in the future).
      const latest = Math.min(now.getTime(), line.periodEnd.getTime() - 1000);
      const earliest = Math.max(line.periodStart.getTime(), now.getTime() - STRIPE_MAX_EVENT_AGE_MS + 3_600_000);
      if (latest < earliest) throw new AppError("unprocessable", "Stripe no longer takes meter events for this period (older than 35 days): adjust the next invoice once it is invoiced.");
      const identifier = `tally_rcn_${compactId(line.id)}`;
      await stripe.billing.meterEvents.create({
        event_name: pair.event_name,
        identifier,
        timestamp: Math.floor(latest / 1000),
        payload: { [METER_CUSTOMER_PAYLOAD_KEY]: pair.stripe_customer_id, [METER_VALUE_PAYLOAD_KEY]: missing.toString() },
      }).catch((error: unknown) => {
        // Stripe already has this identifier: an earlier attempt of this repair arrived.
        if (error instanceof Error && /already exists/i.test(error.message)) return;
        throw error;
      });
      return { action, summary: `${label}: sent ${missing} (Stripe value) as meter event ${identifier}.`, stripeIds: [identifier] };
    }
    case "cancel_duplicate": {
      const duplicates = fresh.figures.duplicates.filter((duplicate) => duplicate.cancellable);
      for (const duplicate of duplicates) {
        await stripe.billing.meterEventAdjustments.create(
          { event_name: pair.event_name, type: "cancel", cancel: { identifier: duplicate.identifier } },
          { idempotencyKey: `tally_rcn_cancel_${duplicate.identifier}` },
        );
      }
      return { action, summary: `${label}: cancelled ${duplicates.map((duplicate) => duplicate.identifier).join(", ")} in Stripe.`, stripeIds: duplicates.map((duplicate) => duplicate.identifier) };
    }
    case "adjust_next_invoice": {
      const { result } = fresh;
      const billed = result.invoiced ?? result.stripe;
      const plan = await findPlanInForce(db, line.customerId, line.periodEnd);
      if (!billed || !plan || !pair.stripe_customer_id) throw new AppError("conflict", "There is no invoice or plan to adjust against.");
      const quantity = result.expected.minus(billed);
      const amountMinor = priceMeter(plan, line.meterId, result.expected) - priceMeter(plan, line.meterId, billed);
      const currency = plan.currency.toLowerCase();
      const sign = quantity.isNegative() ? "−" : "+";
      const description = `Usage correction for ${formatDate(line.periodStart)} – ${formatDate(line.periodEnd)}: ${sign}${formatUnits(quantity.abs(), line.meter.unitLabel)} of ${line.meter.eventName}`;
      const item = await stripe.invoiceItems.create(
        {
          customer: pair.stripe_customer_id,
          currency,
          amount: Number(amountMinor),
          description,
          ...(pair.stripe_subscription_id ? { subscription: pair.stripe_subscription_id } : {}),
          metadata: { tally_reconciliation_line_id: line.id, tally_meter: line.meter.eventName, tally_period_start: line.periodStart.toISOString(), tally_quantity: quantity.toFixed() },
        },
        { idempotencyKey: `tally_rcn_adjust_${line.id}` },
      );
      await db.invoiceAdjustment.upsert({
        where: { reconciliationLineId: line.id },
        update: {},
        create: {
          customerId: line.customerId,
          meterId: line.meterId,
          periodStart: line.periodStart,
          periodEnd: line.periodEnd,
          quantity: quantity.toFixed(),
          amountMinor,
          currency,
          stripeInvoiceItemId: item.id,
          reconciliationLineId: line.id,
          createdById: input.context.actor.kind === "USER" ? input.context.actor.userId : null,
        },
      });
      return { action, summary: `${label}: ${description}, ${amountMinor} ${currency} minor units (${item.id}).`, stripeIds: [item.id] };
    }
    case "release": {
      const lineIds = [...fresh.figures.held.lineIds, ...fresh.figures.dead.lineIds];
      const released = await releaseReportLines({ lineIds }, input.context, db);
      return { action, summary: `${label}: ${released.released} lines (${released.events} events) back to the reporter.`, stripeIds: [] };
    }
    case "send_now": {
      const flushed = await flushCustomerUsage(line.customerId, { now: () => now }, db);
      return { action, summary: `${label}: ${flushed.sent} report lines sent.`, stripeIds: [] };
    }
  }
}
