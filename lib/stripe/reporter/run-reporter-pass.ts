// One pass of the reporter: claim what is ready (claim-usage.ts), send the claim's lines, then
// lease and send the lines that are due again (retries after backoff, and lines a crashed or
// stopped worker left behind once their lease ran out). Outcomes are written in buffered chunks.
//
// Stripe remembers identifiers for about 24 hours: a line first tried longer ago than
// `identifierMemoryMs` is checked against Stripe's meter event summaries before any resend. A line
// that went stale while pending (a plan change, or its invoice finalized, since its claim) is moved
// into the current billing segment as a late adjustment before it is sent (retimeStaleLine).
import { db as defaultDb } from "@/lib/db";
import { env } from "@/lib/env";
import { getStripe } from "@/lib/stripe/client";
import type { InvoiceStatus, MeterAggregation } from "@/lib/db";
import { classifySendError, type TSendOutcome } from "./classify-stripe-error";
import { claimUsage } from "./claim-usage";
import { retimeStaleLine } from "./compute-report-lines";
import { leaseDueLines, markLinesDead, markLinesForRetry, markLinesSent, retimeLines, sumSentValues, type TLeasedLineRow } from "./report-lines-query";
import type { MeterEventSender, TLineOutcome, TSendableLine } from "./send-report-lines";

export type TReporterOptions = {
  workerId: string;
  windowSeconds: number;
  maxEvents: number;
  invoiceGraceSeconds: number;
  leaseSeconds: number;
  /** How long Stripe is trusted to remember an identifier (23 h: an hour clear of Stripe's 24 h). */
  identifierMemoryMs: number;
  /** The clock (tests freeze it). */
  now: () => Date;
  /** Only these customers' usage and lines (a flush of one customer; tests); all when absent. */
  customerIds?: string[];
  /** Claim the usage of windows still open too (a flush before a plan change). */
  closeOpenWindows?: boolean;
};

export function reporterOptionsFromEnv(workerId: string): TReporterOptions {
  return {
    workerId,
    windowSeconds: env.TALLY_REPORT_WINDOW_SECONDS,
    maxEvents: env.TALLY_REPORT_BATCH_EVENTS,
    invoiceGraceSeconds: env.TALLY_STRIPE_INVOICE_GRACE_SECONDS,
    leaseSeconds: env.TALLY_REPORT_LEASE_SECONDS,
    identifierMemoryMs: 23 * 3_600_000,
    now: () => new Date(),
  };
}

export type TPassResult = {
  claimedEvents: number;
  linesClaimed: number;
  held: number;
  leased: number;
  sent: number;
  duplicates: number;
  retried: number;
  dead: number;
};

const DEAD_REASONS: Record<string, string> = {
  stripe_rejected: "Stripe refused this meter event; see the error. Fix the cause (customer or meter in Stripe), then retry.",
  timestamp_out_of_range: "Stripe refused the timestamp (older than 35 days or in the future). Retrying releases the events; they are billed as a late adjustment.",
  needs_reconciliation: "Not confirmed by Stripe within its 24 h identifier memory, and its meter event summary does not tell whether it arrived: reconcile before resending.",
};

const FLUSH_EVERY = 500;

/** Buffers outcomes and writes them in chunks (and at the end). */
class OutcomeRecorder {
  private buffer: TLineOutcome[] = [];
  private writing: Promise<void> = Promise.resolve();
  readonly counts = { sent: 0, duplicates: 0, retried: 0, dead: 0 };

  constructor(
    private readonly db: typeof defaultDb,
    private readonly now: () => Date,
  ) {}

  record = async (outcomes: TLineOutcome[]): Promise<void> => {
    this.buffer.push(...outcomes);
    if (this.buffer.length >= FLUSH_EVERY) await this.flush();
  };

  async flush(): Promise<void> {
    const outcomes = this.buffer;
    this.buffer = [];
    // Writes one after another: a transaction per chunk, in arrival order.
    this.writing = this.writing.then(() => this.write(outcomes));
    await this.writing;
  }

  private async write(outcomes: TLineOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const now = this.now();
    const delivered = outcomes.filter((o) => o.outcome.kind === "delivered");
    const retries = outcomes.flatMap(({ line, outcome }) =>
      outcome.kind === "retry" ? [{ id: line.id, nextAttemptAt: new Date(now.getTime() + outcome.delayMs), error: outcome.error }] : [],
    );
    const dead = outcomes.flatMap(({ line, outcome }) =>
      outcome.kind === "dead" ? [{ id: line.id, code: outcome.code, reason: DEAD_REASONS[outcome.code] ?? outcome.code, error: outcome.error }] : [],
    );
    await this.db.$transaction(async (tx) => {
      await markLinesSent(tx, delivered.map((o) => o.line.id), now);
      await markLinesForRetry(tx, retries);
      await markLinesDead(tx, dead);
    });
    this.counts.sent += delivered.length;
    this.counts.duplicates += delivered.filter((o) => o.outcome.kind === "delivered" && o.outcome.duplicate).length;
    this.counts.retried += retries.length;
    this.counts.dead += dead.length;
  }
}

const toSendable = (row: TLeasedLineRow): TSendableLine | null =>
  row.stripe_customer_id
    ? {
        id: BigInt(row.id),
        identifier: row.identifier,
        customerId: row.customer_id,
        meterId: row.meter_id,
        stripeCustomerId: row.stripe_customer_id,
        eventName: row.event_name,
        stripeValue: BigInt(row.stripe_value),
        eventAt: row.event_at,
        attempts: row.attempts,
      }
    : null;

/**
 * For a line Stripe may have forgotten: did it arrive? Compares Stripe's summary for the minute of
 * its timestamp with what Tally has marked sent there. "delivered", "missing" (send it), or
 * "unknown" (dead-lettered for reconciliation).
 */
async function findOldLineDelivery(row: TLeasedLineRow, db: typeof defaultDb): Promise<"delivered" | "missing" | "unknown"> {
  if (row.aggregation === "LAST" || !row.stripe_meter_id || !row.stripe_customer_id) return "missing"; // a latest value may be sent again
  const from = new Date(Math.floor(row.event_at.getTime() / 60_000) * 60_000);
  const until = new Date(from.getTime() + 60_000);
  const summaries = await getStripe().billing.meters.listEventSummaries(row.stripe_meter_id, {
    customer: row.stripe_customer_id,
    start_time: from.getTime() / 1000,
    end_time: until.getTime() / 1000,
  });
  const inStripe = summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
  const sent = Number(await sumSentValues(db, { customerId: row.customer_id, meterId: row.meter_id, from, until }));
  if (inStripe === sent + Number(row.stripe_value)) return "delivered";
  if (inStripe === sent) return "missing";
  return "unknown";
}

export async function runReporterPass(sender: MeterEventSender, options: TReporterOptions, db: typeof defaultDb = defaultDb): Promise<TPassResult> {
  const recorder = new OutcomeRecorder(db, options.now);

  const claim = await claimUsage(
    {
      now: options.now(),
      workerId: options.workerId,
      windowSeconds: options.windowSeconds,
      maxEvents: options.maxEvents,
      invoiceGraceSeconds: options.invoiceGraceSeconds,
      leaseSeconds: options.leaseSeconds,
      customerIds: options.customerIds,
      closeOpenWindows: options.closeOpenWindows,
    },
    db,
  );
  const pending = claim.lines.flatMap((line) =>
    line.status === "PENDING" && line.stripeCustomerId ? [{ ...line, stripeCustomerId: line.stripeCustomerId, attempts: 0 }] : [],
  );
  await sender.send(pending, recorder.record);

  const now = options.now();
  const leasedRows = await leaseDueLines(db, { now, leaseUntil: new Date(now.getTime() + options.leaseSeconds * 1000), limit: Math.max(100, Math.ceil(options.maxEvents / 10)),
    customerIds: options.customerIds ?? null,
  });
  const toSend: TSendableLine[] = [];
  const settled: TLineOutcome[] = [];
  const retimed: { id: bigint; eventAt: Date; periodStart: Date; periodEnd: Date }[] = [];
  /** Sends the line, moved first into the current billing segment when it went stale while pending. */
  const sendCurrent = (row: TLeasedLineRow, line: TSendableLine) => {
    const moved = retimeStaleLine(
      { eventAt: row.event_at, periodStart: row.period_start, periodEnd: row.period_end, aggregation: row.aggregation as MeterAggregation },
      {
        currentPeriodStart: row.current_period_start,
        currentPeriodEnd: row.current_period_end,
        attachedAt: row.attached_at,
        invoiceStatus: (row.invoice_status as InvoiceStatus | null) ?? null,
      },
      { now, invoiceGraceMs: options.invoiceGraceSeconds * 1000 },
    );
    if (moved) retimed.push({ id: line.id, ...moved });
    toSend.push(moved ? { ...line, eventAt: moved.eventAt } : line);
  };
  for (const row of leasedRows) {
    const line = toSendable(row);
    if (!line) continue;
    // A line may have reached Stripe even with no attempt recorded (a crash between the call and the mark).
    const old = row.first_attempt_at !== null && now.getTime() - row.first_attempt_at.getTime() > options.identifierMemoryMs;
    if (!old) {
      sendCurrent(row, line);
      continue;
    }
    let delivery: Awaited<ReturnType<typeof findOldLineDelivery>>;
    try {
      delivery = await findOldLineDelivery(row, db);
    } catch (error) {
      // Stripe would not tell (an outage: retried later; a refusal such as a customer deleted
      // there: dead-lettered for reconciliation, since it may have arrived), and the pass goes on.
      const outcome = classifySendError(error, line.attempts + 1);
      settled.push({ line, outcome: outcome.kind === "dead" ? { ...outcome, code: "needs_reconciliation" } : outcome });
      continue;
    }
    if (delivery === "missing") sendCurrent(row, line);
    else {
      const outcome: TSendOutcome =
        delivery === "delivered"
          ? { kind: "delivered", duplicate: true }
          : { kind: "dead", code: "needs_reconciliation", error: "Stripe's meter event summary for this minute matches neither with nor without this line." };
      settled.push({ line, outcome });
    }
  }
  await retimeLines(db, retimed);
  await recorder.record(settled);
  await sender.send(toSend, recorder.record);
  await recorder.flush();

  return {
    claimedEvents: claim.events,
    linesClaimed: claim.lines.length,
    held: claim.lines.filter((line) => line.status !== "PENDING").length,
    leased: leasedRows.length,
    ...recorder.counts,
  };
}
