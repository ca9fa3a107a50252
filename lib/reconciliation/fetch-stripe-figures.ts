// Stripe's side of a reconciliation row: the meter event summary over a billing period, and which
// released or dead-lettered lines Stripe counted after all (duplicates), from its per-minute
// summaries. Stripe's summaries take whole minutes; billing periods start at a subscription's
// creation second. The summary is taken over the whole minutes around the period, less what Tally
// sent for neighbouring periods inside those edge minutes.
import { getStripe } from "@/lib/stripe/client";
import { sumSentValues } from "@/lib/stripe/reporter/report-lines-query";
import type { TDb } from "@/lib/db";
import type { TDuplicateCandidate } from "./compute-reconciliation";
import type { TDuplicateCandidateRow } from "./reconciliation-query";

const MINUTE_MS = 60_000;
/** Stripe lets an event be cancelled for 24 hours after it received it; an hour is kept clear of that. */
export const CANCEL_WINDOW_MS = 23 * 3_600_000;

const floorMinute = (at: Date) => new Date(Math.floor(at.getTime() / MINUTE_MS) * MINUTE_MS);
const ceilMinute = (at: Date) => new Date(Math.ceil(at.getTime() / MINUTE_MS) * MINUTE_MS);

type TStripePair = { customerId: string; meterId: string; stripeMeterId: string; stripeCustomerId: string };

async function summaryValue(pair: TStripePair, from: Date, until: Date): Promise<bigint> {
  if (from >= until) return 0n;
  const summaries = await getStripe().billing.meters.listEventSummaries(pair.stripeMeterId, {
    customer: pair.stripeCustomerId,
    start_time: from.getTime() / 1000,
    end_time: until.getTime() / 1000,
  });
  return summaries.data.reduce((sum, summary) => sum + BigInt(Math.round(summary.aggregated_value)), 0n);
}

/** Stripe's total for [periodStart, periodEnd). `additive`: a sum meter (a latest value is not corrected at the edges). */
export async function fetchStripePeriodValue(db: TDb, pair: TStripePair, period: { periodStart: Date; periodEnd: Date }, additive: boolean): Promise<bigint> {
  const from = floorMinute(period.periodStart);
  const until = ceilMinute(period.periodEnd);
  const total = await summaryValue(pair, from, until);
  if (!additive) return total;
  const [before, after] = await Promise.all([
    from < period.periodStart ? sumSentValues(db, { customerId: pair.customerId, meterId: pair.meterId, from, until: period.periodStart }) : 0n,
    period.periodEnd < until ? sumSentValues(db, { customerId: pair.customerId, meterId: pair.meterId, from: period.periodEnd, until }) : 0n,
  ]);
  return total - before - after;
}

/**
 * Which candidates Stripe counted: in each candidate's minute, what Stripe has beyond the lines Tally
 * marked sent there (given to candidates in order). Cancellable when every attempt to send it was
 * within Stripe's cancellation window.
 */
export async function findStripeDuplicates(db: TDb, pair: TStripePair, candidates: TDuplicateCandidateRow[], now: Date): Promise<TDuplicateCandidate[]> {
  const found: TDuplicateCandidate[] = [];
  const unexplained = new Map<number, bigint>();
  for (const candidate of candidates) {
    const minute = floorMinute(candidate.event_at);
    const key = minute.getTime();
    if (!unexplained.has(key)) {
      const until = new Date(key + MINUTE_MS);
      const [inStripe, sent] = await Promise.all([summaryValue(pair, minute, until), sumSentValues(db, { customerId: pair.customerId, meterId: pair.meterId, from: minute, until })]);
      unexplained.set(key, inStripe - sent);
    }
    const left = unexplained.get(key) ?? 0n;
    const value = BigInt(candidate.stripe_value);
    if (left < value) continue;
    unexplained.set(key, left - value);
    found.push({ id: candidate.id, identifier: candidate.identifier, stripeValue: value, cancellable: now.getTime() - candidate.first_attempt_at.getTime() < CANCEL_WINDOW_MS });
  }
  return found;
}
