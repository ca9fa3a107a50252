// One page of a customer's raw usage events in a period, oldest first, for downloads: keyset
// pagination on (occurred_at, id), so every page costs the same wherever it lies in the period.
import { db as defaultDb, type TDb } from "@/lib/db";
import type { TPeriod } from "@/lib/time/period";
import { FIRST_EVENT_ID, findUsageEventPageRows, type TUsageEventPageRow } from "./usage-events-page-query";

/**
 * Where an event stands with Stripe: `pending` (waiting for the reporter, or being sent),
 * `reported` (Stripe accepted it), `held` (not sent: e.g. no Stripe subscription yet), `failed`
 * (Stripe refused it for a reason a retry cannot fix).
 */
export type TUsageEventStatus = "pending" | "reported" | "held" | "failed";

export type TUsageEventRecord = {
  id: string;
  occurredAt: Date;
  receivedAt: Date;
  meter: string;
  /** Exact decimal, without trailing zeros. */
  quantity: string;
  idempotencyKey: string;
  /** JSON text, or null when the event has none. */
  properties: string | null;
  status: TUsageEventStatus;
  reportedAt: Date | null;
  /** The report line that carries the event to Stripe, and its identifier there; null until the event is claimed. */
  reportLineId: string | null;
  reportIdentifier: string | null;
  /** The report line's window (the events it aggregates occurred in it) and its meter event's timestamp in Stripe. */
  reportWindowStart: Date | null;
  reportWindowEnd: Date | null;
  reportEventAt: Date | null;
};

/** The last event of a page: the next page starts after it. */
export type TUsageEventsCursor = { occurredAt: Date; id: string };

export type TUsageEventsPage = { events: TUsageEventRecord[]; next: TUsageEventsCursor | null };

export const USAGE_EVENTS_PAGE_SIZE = 5_000;

export async function findUsageEventsPage(
  input: { customerId: string; period: TPeriod; meterId?: string | null; after?: TUsageEventsCursor | null; limit?: number },
  db: TDb = defaultDb,
): Promise<TUsageEventsPage> {
  const limit = input.limit ?? USAGE_EVENTS_PAGE_SIZE;
  const rows = await findUsageEventPageRows(db, {
    customerId: input.customerId,
    meterId: input.meterId ?? null,
    periodEnd: input.period.periodEnd,
    after: input.after ?? { occurredAt: input.period.periodStart, id: FIRST_EVENT_ID },
    limit,
  });
  const events = rows.map(toRecord);
  const last = events.at(-1);
  return { events, next: events.length === limit && last ? { occurredAt: last.occurredAt, id: last.id } : null };
}

/**
 * Every event of the query, page after page: a page is read only when the consumer has taken the
 * one before it (downloads stream them at the pace of the client, in the memory of one page).
 */
export async function* findUsageEvents(
  input: { customerId: string; period: TPeriod; meterId: string | null; limit?: number },
  db: TDb = defaultDb,
): AsyncGenerator<TUsageEventRecord> {
  let after: TUsageEventsCursor | null = null;
  do {
    const page = await findUsageEventsPage({ ...input, after }, db);
    yield* page.events;
    after = page.next;
  } while (after);
}

function toRecord(row: TUsageEventPageRow): TUsageEventRecord {
  return {
    id: row.id,
    occurredAt: row.occurred_at,
    receivedAt: row.received_at,
    meter: row.event_name,
    quantity: row.quantity,
    idempotencyKey: row.idempotency_key,
    properties: row.properties,
    status: statusOf(row),
    reportedAt: row.reported_at,
    reportLineId: row.report_line_id,
    reportIdentifier: row.report_identifier,
    reportWindowStart: row.window_start,
    reportWindowEnd: row.window_end,
    reportEventAt: row.event_at,
  };
}

function statusOf(row: TUsageEventPageRow): TUsageEventStatus {
  if (row.reported_at) return "reported";
  if (row.line_status === "HELD") return "held";
  if (row.line_status === "DEAD") return "failed";
  return "pending";
}
