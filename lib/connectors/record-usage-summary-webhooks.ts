// `usage.period_summary` webhooks (lib/webhooks): every TALLY_USAGE_SUMMARY_MINUTES, each customer's
// usage so far in its current period and the invoice it is heading to (`final: false`); and once
// per period that ended, its final figures (`final: true`), after Stripe's finalization grace
// (TALLY_STRIPE_INVOICE_GRACE_SECONDS: usage for the period may arrive until then).
//
// The worker runs it every minute; it costs next to nothing when nothing is due:
// - no enabled endpoint subscribes to the type: one small query, nothing computed;
// - the schedule slot (now floored to the interval on the UTC epoch grid) was taken already: the
//   first worker to move the `usage_summaries` cursor (worker_cursors) forward to a new slot
//   computes it, the others skip.
//   Taken before the work: a worker that dies mid-slot leaves its customers to the next slot.
// Event ids are deterministic — customer, period start and slot; customer, period start and
// "final" — so a slot, or a period's final summary, is queued once per endpoint however many
// workers or retries record it. Final summaries look only at periods that ended in the last 35
// days, and skip those already recorded (a look-up by endpoint and event id, the outbox's key).
import type { TUsageSummary } from "@/lib/connectors/types";
import { db as defaultDb, type TDb } from "@/lib/db";
import { env } from "@/lib/env";
import { recordWebhookEvent } from "@/lib/webhooks/record-webhook-event";
import { endedPeriodsOf, findUsageSummaries } from "./find-usage-summaries";

export type TRecordUsageSummaryWebhooksResult = {
  /** Current-period summaries computed (0: nothing subscribed, or the slot was taken). */
  customers: number;
  /** Final summaries of ended periods computed. */
  finals: number;
  /** Deliveries queued (one per event and endpoint). */
  queued: number;
};

const EVENT_TYPE = "usage.period_summary";
const CURSOR = "usage_summaries";
/** Final summaries are looked for among the periods that ended this recently. */
const FINAL_LOOKBACK_MS = 35 * 24 * 60 * 60 * 1000;
/** Event ids checked per query. */
const ID_CHUNK = 1_000;

export async function recordUsageSummaryWebhooks(options: {
  now: Date;
  db?: TDb;
  intervalMinutes?: number;
  /** Only these customers (tests, a flush): the schedule's cursor is left to the full runs. */
  customerIds?: string[];
}): Promise<TRecordUsageSummaryWebhooksResult> {
  const db = options.db ?? defaultDb;
  const { now, customerIds } = options;
  const endpoints = await db.webhookEndpoint.findMany({ select: { id: true, eventTypes: true, disabledAt: true } });
  if (!endpoints.some((endpoint) => endpoint.disabledAt === null && endpoint.eventTypes.includes(EVENT_TYPE))) return { customers: 0, finals: 0, queued: 0 };

  const slot = computeUsageSummarySlot(now, options.intervalMinutes ?? env.TALLY_USAGE_SUMMARY_MINUTES);
  if (!customerIds && !(await claimSlot(db, slot))) return { customers: 0, finals: 0, queued: 0 };

  let queued = 0;
  const summaries = await findUsageSummaries({ now, db, ...(customerIds ? { customerIds } : {}) });
  for (const summary of summaries) {
    queued += await recordWebhookEvent(db, {
      type: EVENT_TYPE,
      eventId: usageSummaryEventId(summary, slot),
      customerId: summary.customerId,
      createdAt: now,
      data: toUsageSummaryData(summary, { final: false, asOf: now }),
    });
  }

  const finals = await recordFinalSummaries(db, { now, customerIds: customerIds ?? null, endpointIds: endpoints.map((endpoint) => endpoint.id) });
  return { customers: summaries.length, finals: finals.summaries, queued: queued + finals.queued };
}

/** The schedule slot `now` falls in: now floored to whole `intervalMinutes` since the epoch (UTC). */
export function computeUsageSummarySlot(now: Date, intervalMinutes: number): Date {
  const intervalMs = intervalMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / intervalMs) * intervalMs);
}

/** evt_usum_<customer>_<period start>_<slot>, or …_final: the same for every worker and retry. */
export function usageSummaryEventId(summary: { customerId: string; periodStart: Date }, slot: Date | "final"): string {
  const slotPart = slot === "final" ? "final" : String(unixSeconds(slot));
  return `evt_usum_${summary.customerId.replaceAll("-", "")}_${unixSeconds(summary.periodStart)}_${slotPart}`;
}

/** The event's `data`: ids, instants as ISO strings, quantities and amounts as exact decimal strings. */
export function toUsageSummaryData(summary: TUsageSummary, options: { final: boolean; asOf: Date }): Record<string, unknown> {
  return {
    customer: { id: summary.customerId, external_id: summary.externalId, name: summary.name },
    period: { start: summary.periodStart.toISOString(), end: summary.periodEnd.toISOString() },
    final: options.final,
    meters: summary.meters.map((meter) => ({ meter: meter.eventName, display_name: meter.displayName, unit: meter.unitLabel, quantity: meter.quantity })),
    projected_invoice:
      summary.projectedInvoiceMinor === null || summary.currency === null ? null : { amount_minor: summary.projectedInvoiceMinor.toString(), currency: summary.currency },
    as_of: options.asOf.toISOString(),
  };
}

/**
 * Moves the cursor forward to `slot`; true for the one caller that moved it (the others wait on its
 * row lock, then see it moved). Only forward: a worker whose clock lags a slot behind skips it.
 */
async function claimSlot(db: TDb, slot: Date): Promise<boolean> {
  const moved = await db.workerCursor.updateMany({ where: { name: CURSOR, position: { lt: slot } }, data: { position: slot } });
  if (moved.count === 1) return true;
  const created = await db.workerCursor.createMany({ data: [{ name: CURSOR, position: slot }], skipDuplicates: true });
  return created.count === 1;
}

/** The final summary of every period that ended between 35 days and the grace period ago, not recorded yet. */
async function recordFinalSummaries(
  db: TDb,
  input: { now: Date; customerIds: string[] | null; endpointIds: string[] },
): Promise<{ summaries: number; queued: number }> {
  const { now } = input;
  const from = new Date(now.getTime() - FINAL_LOOKBACK_MS);
  const dueBefore = new Date(now.getTime() - env.TALLY_STRIPE_INVOICE_GRACE_SECONDS * 1000);
  const subscriptions = await db.subscription.findMany({
    where: {
      customer: { archivedAt: null },
      ...(input.customerIds ? { customerId: { in: input.customerIds } } : {}),
      OR: [{ previousPeriodEnd: { gte: from, lte: dueBefore } }, { endedAt: { gte: from } }],
    },
    select: { customerId: true, previousPeriodStart: true, previousPeriodEnd: true, currentPeriodStart: true, currentPeriodEnd: true, endedAt: true },
  });
  const due = new Map<string, { customerId: string; periodStart: Date }>();
  for (const subscription of subscriptions) {
    for (const period of endedPeriodsOf(subscription)) {
      if (period.periodEnd < from || period.periodEnd > dueBefore) continue;
      const candidate = { customerId: subscription.customerId, periodStart: period.periodStart };
      due.set(usageSummaryEventId(candidate, "final"), candidate);
    }
  }
  // Recorded already, for any endpoint (one since disabled or unsubscribed too): once per period.
  const ids = [...due.keys()];
  for (let start = 0; start < ids.length; start += ID_CHUNK) {
    const recorded = await db.webhookDelivery.findMany({
      where: { endpointId: { in: input.endpointIds }, eventId: { in: ids.slice(start, start + ID_CHUNK) } },
      distinct: ["eventId"],
      select: { eventId: true },
    });
    for (const row of recorded) due.delete(row.eventId);
  }

  let summaries = 0;
  let queued = 0;
  for (const [eventId, candidate] of due) {
    const [summary] = await findUsageSummaries({ now, db, customerIds: [candidate.customerId], periodStart: candidate.periodStart });
    if (!summary) continue;
    summaries += 1;
    queued += await recordWebhookEvent(db, {
      type: EVENT_TYPE,
      eventId,
      customerId: summary.customerId,
      createdAt: now,
      data: toUsageSummaryData(summary, { final: true, asOf: now }),
    });
  }
  return { summaries, queued };
}

function unixSeconds(instant: Date): number {
  return Math.floor(instant.getTime() / 1000);
}
