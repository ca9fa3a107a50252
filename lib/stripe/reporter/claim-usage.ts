// The claim (DESIGN.md rule 3): in one transaction, lock unclaimed events of closed windows, make
// their report lines with identifiers fixed before any network call, tag the events with their
// line, commit. Any number of workers may claim at once: pairs are taken under advisory locks and
// rows with SKIP LOCKED, so no two claims share an event or split a window.
//
// Before committing, what the tagging touched is checked against every line (count and exact sum):
// a difference rolls the claim back, and nothing is billed from it.
import Decimal from "decimal.js";
import { db as defaultDb, Prisma, type InvoiceStatus, type SubscriptionStatus } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import {
  claimUsageGroups,
  findCarries,
  findPreviousInvoiceStatuses,
  insertReportLines,
  tagClaimedEvents,
  type TClaimedGroupRow,
} from "./claim-usage-query";
import { carryKey, computeReportLines, type TClaimedGroup, type TLineDraft, type TMeterForReport } from "./compute-report-lines";

export type TClaimOptions = {
  now: Date;
  workerId: string;
  windowSeconds: number;
  /** Events one claim takes at most. */
  maxEvents: number;
  invoiceGraceSeconds: number;
  leaseSeconds: number;
  /** Only these customers' usage (a flush before a plan change; tests); all when absent. */
  customerIds?: string[];
  /** Take the open windows' usage too, up to `now` (a flush before a plan change). */
  closeOpenWindows?: boolean;
};

export type TClaimedLine = TLineDraft & { id: bigint };
export type TClaim = { batchId: bigint | null; events: number; lines: TClaimedLine[] };

const toGroup = (row: TClaimedGroupRow): TClaimedGroup => ({
  customerId: row.customer_id,
  meterId: row.meter_id,
  bucketStart: row.bucket_start,
  segmentStart: row.segment_start,
  subscriptionId: row.subscription_id,
  stripeSubscriptionId: row.stripe_subscription_id,
  subscriptionStatus: row.subscription_status as SubscriptionStatus | null,
  currentPeriodStart: row.current_period_start,
  currentPeriodEnd: row.current_period_end,
  previousPeriodStart: row.previous_period_start,
  previousPeriodEnd: row.previous_period_end,
  attachedAt: row.attached_at,
  eventCount: row.event_count,
  quantity: new ExactDecimal(row.quantity),
  lastQuantity: new ExactDecimal(row.last_quantity),
  firstAt: row.first_at,
  lastAt: row.last_at,
  maxId: BigInt(row.max_id),
});

/**
 * When the claim stopped at its size, the last group may continue past it: it is left for the next
 * claim (which starts with it), so a window is not split — unless it is the only group.
 */
export function dropCutGroup(groups: TClaimedGroup[], claimedEvents: number, maxEvents: number): TClaimedGroup[] {
  if (claimedEvents < maxEvents || groups.length < 2) return groups;
  return groups.slice(0, -1);
}

export async function claimUsage(options: TClaimOptions, db: typeof defaultDb = defaultDb): Promise<TClaim> {
  const { now } = options;
  return db.$transaction(
    async (tx) => {
      const rows = await claimUsageGroups(tx, {
        now,
        windowSeconds: options.windowSeconds,
        maxPairs: Math.max(1, Math.ceil(options.maxEvents / 10)),
        maxEvents: options.maxEvents,
        customerIds: options.customerIds ?? null,
        closeOpenWindows: options.closeOpenWindows,
      });
      if (rows.length === 0) return { batchId: null, events: 0, lines: [] };
      const claimedEvents = rows.reduce((sum, row) => sum + row.event_count, 0);
      const groups = dropCutGroup(rows.map(toGroup), claimedEvents, options.maxEvents);

      const customerIds = [...new Set(groups.map((group) => group.customerId))];
      const meterIds = [...new Set(groups.map((group) => group.meterId))];
      const previous = new Map<string, Date>();
      for (const group of groups) if (group.subscriptionId && group.previousPeriodEnd) previous.set(group.subscriptionId, group.previousPeriodEnd);
      // One query at a time: a transaction is one connection.
      const customers = await tx.customer.findMany({ where: { id: { in: customerIds } }, select: { id: true, stripeCustomerId: true } });
      const meters = await tx.meter.findMany({
        where: { id: { in: meterIds } },
        select: { id: true, eventName: true, aggregation: true, valueScale: true, rounding: true, stripeMeterId: true },
      });
      const invoices = await findPreviousInvoiceStatuses(tx, [...previous].map(([id, previousPeriodEnd]) => ({ id, previousPeriodEnd })));

      // Lines of the current (or previous) period continue their period's carried remainder.
      const periodKeys = new Map<string, { customerId: string; meterId: string; periodStart: Date }>();
      for (const group of groups) {
        for (const periodStart of [group.currentPeriodStart, group.previousPeriodStart]) {
          if (periodStart) periodKeys.set(carryKey(group.customerId, group.meterId, periodStart), { customerId: group.customerId, meterId: group.meterId, periodStart });
        }
      }
      const carries = await findCarries(tx, [...periodKeys.values()]);

      const drafts = computeReportLines(groups, {
        now,
        windowMs: options.windowSeconds * 1000,
        invoiceGraceMs: options.invoiceGraceSeconds * 1000,
        stripeCustomerIds: new Map(customers.map((customer) => [customer.id, customer.stripeCustomerId])),
        meters: new Map<string, TMeterForReport>(
          meters.map((meter) => [meter.id, { ...meter, valueScale: new Decimal(meter.valueScale.toString()) }]),
        ),
        previousInvoiceStatus: new Map(invoices.map((invoice) => [invoice.subscription_id, invoice.status as InvoiceStatus])),
        carries: new Map(carries.map((carry) => [carryKey(carry.customer_id, carry.meter_id, carry.period_start), new ExactDecimal(carry.carry_out)])),
      });

      const events = drafts.reduce((sum, line) => sum + line.eventCount, 0);
      const batch = await tx.reportBatch.create({
        data: { workerId: options.workerId, eventCount: events, lineCount: drafts.length, claimedAt: now },
        select: { id: true },
      });
      const inserted = await insertReportLines(tx, batch.id, drafts, { now, leaseUntil: new Date(now.getTime() + options.leaseSeconds * 1000) });
      const idOf = new Map(inserted.map((row) => [row.identifier, BigInt(row.id)]));
      const lines: TClaimedLine[] = drafts.map((draft) => {
        const id = idOf.get(draft.identifier);
        if (id === undefined) throw new Error(`Report line ${draft.identifier} was not written.`);
        return { ...draft, id };
      });

      const tagged = await tagClaimedEvents(tx, lines);
      const taggedByLine = new Map(tagged.map((row) => [BigInt(row.line_id), row]));
      for (const line of lines) {
        const got = taggedByLine.get(line.id);
        if (!got || got.events !== line.eventCount || !new ExactDecimal(got.quantity).equals(line.quantity.toString())) {
          throw new Error(
            `Claim check failed for line ${line.id}: ${line.eventCount} events (${line.quantity.toString()}) claimed, ${got?.events ?? 0} tagged (${got?.quantity ?? "0"}).`,
          );
        }
      }
      return { batchId: batch.id, events, lines };
    },
    { maxWait: 15_000, timeout: 120_000, isolationLevel: Prisma.TransactionIsolationLevel.ReadCommitted },
  );
}
