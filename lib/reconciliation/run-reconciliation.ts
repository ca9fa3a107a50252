// A reconciliation run (issue #8, DESIGN.md rule 9): for every customer, meter and billing period
// that can still change (each live subscription's current and previous period), Tally's raw total,
// what it reported, Stripe's meter event summary and the finalized invoice lines; the drift in
// units, money and percent, its causes and the repair it calls for (compute-reconciliation.ts).
// Each row is written as it is checked; a row Stripe would not give figures for is recorded with
// its error and the run goes on.
//
// The worker runs it nightly (`runKey` "nightly:<date>": the unique key lets one worker of many run
// it); finance runs it on demand, for every customer or one.
import Decimal from "decimal.js";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { findPlanInForce, type TPlanInForce } from "@/lib/billing/find-plan-in-force";
import { rateUsage } from "@/lib/billing/rate-usage";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db as defaultDb, type TDb } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { findMeteredInvoiceLines } from "@/lib/finance/find-metered-invoice-lines";
import { findMeterUsage, usageOfRow } from "@/lib/metering/customer-usage-query";
import { ExactDecimal } from "@/lib/money/currency";
import { computeReconciliation, type TReconciliation, type TReconciliationFigures } from "./compute-reconciliation";
import { fetchStripePeriodValue, findStripeDuplicates } from "./fetch-stripe-figures";
import { findDuplicateCandidates, findLineFigures, findReconciliationPairs, sumUnclaimedEvents, type TReconciliationPair } from "./reconciliation-query";

export type TReconciliationRunOptions = {
  trigger: "SCHEDULED" | "MANUAL";
  /** Scheduled runs: one run per key, however many workers try. */
  runKey?: string;
  /** One customer (an on-demand run); every customer when absent. */
  customerId?: string | null;
  /** Who asked (on-demand runs; audit-logged). */
  audit?: TAuditContext;
  now?: () => Date;
};

export type TReconciliationRunResult = { runId: string; checked: number; drift: number; failed: number };

/** Subscriptions that ended within Stripe's 35-day meter event window are still checked. */
const ENDED_WITHIN_MS = 35 * 24 * 3_600_000;
const FINAL_STATUSES = new Set(["OPEN", "PAID", "UNCOLLECTIBLE"]);

/** Null when another worker already ran (or runs) this scheduled run. */
export async function runReconciliation(options: TReconciliationRunOptions, db: typeof defaultDb = defaultDb): Promise<TReconciliationRunResult | null> {
  const now = options.now ?? (() => new Date());
  const triggeredById = options.audit?.actor.kind === "USER" ? options.audit.actor.userId : null;
  let runId: string;
  try {
    const run = await db.reconciliationRun.create({
      data: { trigger: options.trigger, runKey: options.runKey ?? null, customerId: options.customerId ?? null, triggeredById },
      select: { id: true },
    });
    runId = run.id;
  } catch (error) {
    if (options.runKey && isUniqueViolation(error, "ReconciliationRun")) return null;
    throw error;
  }
  if (options.audit) {
    await recordAudit(db, {
      ...options.audit,
      action: "reconciliation.run",
      entityType: "reconciliation_run",
      entityId: runId,
      customerId: options.customerId ?? null,
      after: { trigger: options.trigger, customerId: options.customerId ?? null },
    });
  }

  const counts = { checked: 0, drift: 0, failed: 0 };
  try {
    const pairs = await findReconciliationPairs(db, { customerId: options.customerId ?? null, endedSince: new Date(now().getTime() - ENDED_WITHIN_MS) });
    const plans = new PlanCache(db);
    for (const pair of pairs) {
      const row = await reconcilePair(db, pair, now(), plans);
      await db.reconciliationLine.create({ data: { runId, ...row.data } });
      counts.checked += 1;
      if (row.needsAttention) counts.drift += 1;
      if (row.data.error) counts.failed += 1;
    }
    await db.reconciliationRun.update({
      where: { id: runId },
      data: { status: "SUCCEEDED", finishedAt: new Date(), checkedCount: counts.checked, driftCount: counts.drift, failedCount: counts.failed },
    });
  } catch (error) {
    await db.reconciliationRun.update({
      where: { id: runId },
      data: { status: "FAILED", finishedAt: new Date(), checkedCount: counts.checked, driftCount: counts.drift, failedCount: counts.failed, error: error instanceof Error ? error.message : String(error) },
    });
    throw error;
  }
  return { runId, ...counts };
}

/** The plan each period is priced with (the plan in force at its end), read once per customer and period. */
class PlanCache {
  private readonly plans = new Map<string, Promise<TPlanInForce | null>>();
  constructor(private readonly db: TDb) {}
  get(customerId: string, periodEnd: Date): Promise<TPlanInForce | null> {
    const key = `${customerId}|${periodEnd.toISOString()}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = findPlanInForce(this.db, customerId, periodEnd);
      this.plans.set(key, plan);
    }
    return plan;
  }
}

type TLineData = {
  customerId: string;
  meterId: string;
  periodStart: Date;
  periodEnd: Date;
  rawQuantity: string;
  expectedQuantity: string;
  reportedQuantity: string;
  stripeQuantity: string | null;
  invoicedQuantity: string | null;
  driftQuantity: string;
  driftMinor: bigint | null;
  currency: string | null;
  cause: string | null;
  details: object;
  repairAction: string | null;
  error: string | null;
};

/** Checks one customer, meter and period; the row to write. */
export async function reconcilePair(db: TDb, pair: TReconciliationPair, now: Date, plans: { get: PlanCache["get"] }): Promise<{ data: TLineData; figures: TReconciliationFigures; result: TReconciliation; needsAttention: boolean }> {
  const period = { periodStart: pair.period_start, periodEnd: pair.period_end };
  const key = { customerId: pair.customer_id, meterId: pair.meter_id, ...period };
  const additive = pair.aggregation === "SUM" || pair.aggregation === "COUNT";

  const [usage, lines, unclaimedTotal, invoiceLines, adjustments, candidates] = await Promise.all([
    findMeterUsage(db, { customerId: pair.customer_id, ...period }),
    findLineFigures(db, key),
    sumUnclaimedEvents(db, key),
    findMeteredInvoiceLines({ customerId: pair.customer_id, from: pair.period_start, until: pair.period_end, meterId: pair.meter_id }, db),
    db.invoiceAdjustment.aggregate({ where: { customerId: pair.customer_id, meterId: pair.meter_id, periodStart: pair.period_start }, _sum: { quantity: true } }),
    findDuplicateCandidates(db, key),
  ]);
  const usageRow = usage.find((row) => row.meter_id === pair.meter_id);
  const raw = new ExactDecimal(usageRow ? usageOfRow(usageRow) : "0");

  // The period's invoice is final once its line for the period's end is on a finalized invoice.
  const inPeriod = invoiceLines.filter((line) => line.periodStart >= pair.period_start && line.periodEnd <= pair.period_end && FINAL_STATUSES.has(line.invoiceStatus));
  const invoiceFinal = inPeriod.some((line) => line.periodEnd.getTime() === pair.period_end.getTime());
  const invoicedValue = invoiceFinal ? inPeriod.reduce((sum, line) => sum + BigInt(new Decimal(line.quantity ?? "0").toFixed(0)), 0n) : null;
  // Unclaimed events of an invoiced period will be billed late, in a later period.
  const unclaimed = new ExactDecimal(unclaimedTotal);

  let stripeValue: bigint | null = null;
  let duplicates: TReconciliationFigures["duplicates"] = [];
  let error: string | null = null;
  if (!pair.stripe_meter_id || !pair.stripe_customer_id) {
    error = !pair.stripe_meter_id ? `The meter "${pair.event_name}" is not in Stripe.` : "The customer is not in Stripe.";
  } else {
    const stripePair = { customerId: pair.customer_id, meterId: pair.meter_id, stripeMeterId: pair.stripe_meter_id, stripeCustomerId: pair.stripe_customer_id };
    try {
      stripeValue = await fetchStripePeriodValue(db, stripePair, period, additive);
      if (stripeValue > BigInt(lines.sent_value) && additive) duplicates = await findStripeDuplicates(db, stripePair, candidates, now);
    } catch (caught) {
      error = `Stripe would not give the meter event summary: ${caught instanceof Error ? caught.message : String(caught)}`;
    }
  }

  const figures: TReconciliationFigures = {
    aggregation: pair.aggregation,
    valueScale: new ExactDecimal(pair.value_scale),
    raw,
    lateOut: new ExactDecimal(lines.late_out).plus(invoiceFinal ? unclaimed : 0),
    lateIn: new ExactDecimal(lines.late_in),
    sent: { quantity: new ExactDecimal(lines.sent_quantity), value: BigInt(lines.sent_value) },
    pending: { quantity: new ExactDecimal(lines.pending_quantity), value: BigInt(lines.pending_value) },
    held: { quantity: new ExactDecimal(lines.held_quantity), value: BigInt(lines.held_value), lineIds: lines.held_ids },
    dead: { quantity: new ExactDecimal(lines.dead_quantity), value: BigInt(lines.dead_value), lineIds: lines.dead_ids },
    unclaimed: invoiceFinal ? new ExactDecimal(0) : unclaimed,
    stripeValue,
    invoiceFinal,
    invoicedValue,
    adjusted: new ExactDecimal(adjustments._sum.quantity?.toString() ?? "0"),
    duplicates,
  };
  const result = computeReconciliation(figures);

  // The drift in money: the engine's price of what should be billed less that of what is billed, with the period's plan.
  const plan = await plans.get(pair.customer_id, pair.period_end);
  const billed = result.invoiced ?? result.stripe;
  const driftMinor = plan && billed ? priceMeter(plan, pair.meter_id, result.expected) - priceMeter(plan, pair.meter_id, billed) : null;

  return {
    figures,
    result,
    needsAttention: error !== null || (result.cause !== null && result.cause !== "in_flight" && result.cause !== "rounding_carry"),
    data: {
      ...key,
      rawQuantity: raw.toFixed(),
      expectedQuantity: result.expected.toFixed(),
      reportedQuantity: result.reported.toFixed(),
      stripeQuantity: result.stripe?.toFixed() ?? null,
      invoicedQuantity: result.invoiced?.toFixed() ?? null,
      driftQuantity: result.drift.toFixed(),
      driftMinor,
      currency: plan?.currency.toLowerCase() ?? null,
      cause: result.cause,
      repairAction: error ? null : result.repairAction,
      error,
      details: {
        causes: result.causes,
        driftPercent: result.driftPercent?.toFixed() ?? null,
        lateIn: figures.lateIn.toFixed(),
        lateOut: figures.lateOut.toFixed(),
        inFlight: figures.pending.quantity.plus(figures.unclaimed).toFixed(),
        heldLineIds: figures.held.lineIds,
        deadLineIds: figures.dead.lineIds,
        sentValue: figures.sent.value.toString(),
        stripeValue: stripeValue?.toString() ?? null,
        invoicedValue: invoicedValue?.toString() ?? null,
        invoiceLines: inPeriod.map((line) => ({ stripeInvoiceId: line.stripeInvoiceId, stripeLineId: line.stripeLineId, quantity: line.quantity })),
        duplicates: duplicates.map((line) => ({ id: line.id, identifier: line.identifier, stripeValue: line.stripeValue.toString(), cancellable: line.cancellable })),
        invoiceFinal,
      },
    },
  };
}

/** The engine's amount for one meter's usage under a plan (0 when the plan does not charge it). */
export function priceMeter(plan: TPlanInForce, meterId: string, quantity: Decimal): bigint {
  if (!plan.charges.some((charge) => charge.meterId === meterId)) return 0n;
  const rated = rateUsage(toPlanPricing(plan), new Map([[meterId, ExactDecimal.max(quantity, 0)]]));
  return rated.lines.reduce((sum, line) => (line.kind === "USAGE" && line.meterId === meterId ? sum + line.amountMinor : sum), 0n);
}
