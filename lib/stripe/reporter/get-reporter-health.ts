// The reporter's figures for the sync health page: the queue of unclaimed events, the lines on their
// way to Stripe, what reached it lately, what is held or dead-lettered and why, and the workers
// running. Every figure is one statement along an index (see reporter-health-query.ts); only the
// flagged count reads report_lines whole (flagged lines are rare and have no index of their own).
import { db as defaultDb, type TDb } from "@/lib/db";
import { selectBacklog, selectHoldReasons, selectPendingLines, selectSentLines } from "./reporter-health-query";

/** A worker counts as alive while its heartbeat (every few seconds) is this recent. */
export const WORKER_ALIVE_MS = 2 * 60_000;
const RECENT_HELD_LINES = 50;
const RECENT_FAILURES = 20;

export type TReporterLineCustomer = { id: string; name: string; externalId: string };

export type TReporterHoldReason = {
  status: "HELD" | "DEAD";
  /** e.g. "no_subscription", "stripe_rejected"; null on a line held without one. */
  code: string | null;
  /** The human reason of the newest line of the group. */
  reason: string | null;
  lines: number;
  oldestCreatedAt: Date;
};

export type TReporterHeldLine = {
  id: string;
  status: "HELD" | "DEAD";
  customer: TReporterLineCustomer;
  eventName: string;
  windowStart: Date;
  windowEnd: Date;
  /** Exact decimal sum of the line's events. */
  quantity: string;
  stripeValue: string;
  eventCount: number;
  heldCode: string | null;
  heldReason: string | null;
  lastError: string | null;
  createdAt: Date;
};

export type TReporterFailure = {
  id: string;
  customer: TReporterLineCustomer;
  eventName: string;
  attempts: number;
  lastError: string;
  nextAttemptAt: Date;
  createdAt: Date;
};

export type TReporterWorker = { id: string; hostname: string; pid: number; mode: string; startedAt: Date; lastSeenAt: Date };

export type TReporterHealth = {
  now: Date;
  backlog: { events: number; oldestReceivedAt: Date | null; oldestOccurredAt: Date | null };
  pending: { lines: number; retrying: number; oldestCreatedAt: Date | null };
  sent: { lastMinute: number; lastHour: number; eventsLastHour: number };
  /** Pending lines whose last attempt failed (they are retried with backoff), newest first. */
  failures: { lines: number; recent: TReporterFailure[] };
  held: { lines: number; dead: number; reasons: TReporterHoldReason[]; recent: TReporterHeldLine[] };
  flagged: number;
  workers: { alive: TReporterWorker[]; stoppedOrStale: number };
};

const customerSelect = { select: { id: true, name: true, externalId: true } } as const;

export async function getReporterHealth(options: { now?: Date } = {}, db: TDb = defaultDb): Promise<TReporterHealth> {
  const now = options.now ?? new Date();
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const aliveSince = ago(WORKER_ALIVE_MS);

  const [backlog, pending, sent, reasons, recentHeld, recentFailures, flagged, aliveWorkers, stoppedOrStale] = await Promise.all([
    selectBacklog(db),
    selectPendingLines(db),
    selectSentLines(db, ago(60_000), ago(3_600_000)),
    selectHoldReasons(db),
    db.reportLine.findMany({
      where: { status: { in: ["HELD", "DEAD"] } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: RECENT_HELD_LINES,
      select: {
        id: true,
        status: true,
        eventName: true,
        windowStart: true,
        windowEnd: true,
        quantity: true,
        stripeValue: true,
        eventCount: true,
        heldCode: true,
        heldReason: true,
        lastError: true,
        createdAt: true,
        customer: customerSelect,
      },
    }),
    db.reportLine.findMany({
      where: { status: "PENDING", lastError: { not: null } },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: RECENT_FAILURES,
      select: { id: true, eventName: true, attempts: true, lastError: true, nextAttemptAt: true, createdAt: true, customer: customerSelect },
    }),
    db.reportLine.count({ where: { flaggedAt: { not: null } } }),
    db.reporterWorker.findMany({ where: { stoppedAt: null, lastSeenAt: { gte: aliveSince } }, orderBy: [{ startedAt: "asc" }, { id: "asc" }] }),
    db.reporterWorker.count({ where: { OR: [{ stoppedAt: { not: null } }, { lastSeenAt: { lt: aliveSince } }] } }),
  ]);

  const holdReasons = reasons.map((row) => ({
    status: row.status,
    code: row.held_code,
    reason: row.held_reason,
    lines: Number(row.lines),
    oldestCreatedAt: row.oldest_created_at,
  }));
  const linesOf = (status: "HELD" | "DEAD") => holdReasons.filter((reason) => reason.status === status).reduce((sum, reason) => sum + reason.lines, 0);

  return {
    now,
    backlog: { events: Number(backlog.events), oldestReceivedAt: backlog.oldest_received_at, oldestOccurredAt: backlog.oldest_occurred_at },
    pending: { lines: Number(pending.lines), retrying: Number(pending.retrying), oldestCreatedAt: pending.oldest_created_at },
    sent: { lastMinute: Number(sent.last_minute), lastHour: Number(sent.last_hour), eventsLastHour: Number(sent.events_last_hour) },
    failures: {
      lines: Number(pending.failing),
      recent: recentFailures.map((line) => ({ ...line, id: line.id.toString(), lastError: line.lastError ?? "" })),
    },
    held: {
      lines: linesOf("HELD"),
      dead: linesOf("DEAD"),
      reasons: holdReasons,
      recent: recentHeld.map((line) => ({
        ...line,
        id: line.id.toString(),
        status: line.status as "HELD" | "DEAD",
        quantity: line.quantity.toFixed(),
        stripeValue: line.stripeValue.toString(),
      })),
    },
    flagged,
    workers: {
      alive: aliveWorkers.map(({ stoppedAt: _stoppedAt, ...worker }) => worker),
      stoppedOrStale,
    },
  };
}
