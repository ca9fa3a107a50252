// Records usage events: every event of a request is checked against the catalog and Stripe's rules
// (any problem: nothing is written, and every bad event is named), then inserted with its hourly
// rollup in one statement. The database alone decides what is a duplicate: a key already stored
// with the same payload answers the original event; with another payload, the whole request is a
// 409 and nothing of it is kept.
import { db as defaultDb, type TDb } from "@/lib/db";
import { isDeadlock } from "@/lib/db/errors";
import { inTransaction } from "@/lib/db/transaction";
import { AppError, type TFieldError } from "@/lib/errors";
import { computeUsageEvent, type TEventCustomer, type TEventMeter, type TUsageEvent } from "./compute-usage-event";
import { findEventCatalog, findEventsByKey, insertUsageEvents, type TInsertedEventRow } from "./record-usage-events-query";
import type { TUsageEventInput } from "./schemas";

export type TRecordedEvent = {
  id: string;
  idempotencyKey: string;
  customer: string;
  meter: string;
  quantity: string;
  occurredAt: Date;
  receivedAt: Date;
  duplicate: boolean;
  late: boolean;
};

const DEADLOCK_RETRIES = 3;
/** A batch waits for a connection under load rather than failing after Prisma's default 2 s. */
const BATCH_TRANSACTION = { maxWait: 15_000, timeout: 30_000 };

/**
 * Records the events (one request: a single event, or a batch) and returns one result per event,
 * in order. `pointer` locates event i in the request for error messages (`/events/3`).
 */
export async function recordUsageEvents(
  inputs: readonly TUsageEventInput[],
  options: { pointer: (index: number) => string; now?: Date; db?: TDb },
): Promise<TRecordedEvent[]> {
  const client = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const events = await checkEvents(client, inputs, options.pointer, now);
  const firstIndexOf = findFirstOccurrences(events, options.pointer);
  const unique = [...new Set(firstIndexOf)].map((index) => events[index] as TUsageEvent);

  // One event needs no transaction (the statement is atomic); a batch must be all-or-nothing.
  const write = (db: TDb) => writeEvents(db, unique, (event) => options.pointer(events.indexOf(event)));
  const stored = await withDeadlockRetry(() => (unique.length === 1 ? write(client) : inTransaction(client, write, BATCH_TRANSACTION)));

  return events.map((event, index) => {
    const first = events[firstIndexOf[index] as number] as TUsageEvent;
    const row = stored.get(first) as TStoredEvent;
    const input = inputs[index] as TUsageEventInput;
    return {
      id: row.id,
      idempotencyKey: event.idempotencyKey,
      customer: input.customer,
      meter: input.meter,
      quantity: row.quantity,
      occurredAt: row.occurredAt,
      receivedAt: row.receivedAt,
      duplicate: row.duplicate || firstIndexOf[index] !== index,
      late: event.late,
    };
  });
}

async function checkEvents(client: TDb, inputs: readonly TUsageEventInput[], pointer: (index: number) => string, now: Date): Promise<TUsageEvent[]> {
  const catalog = await findEventCatalog(client, [...new Set(inputs.map((input) => input.customer))], [...new Set(inputs.map((input) => input.meter))]);
  const customers = new Map<string, TEventCustomer>();
  const meters = new Map<string, TEventMeter>();
  for (const row of catalog) {
    if (row.kind === "customer") {
      customers.set(row.key, { id: row.id, externalId: row.key, archived: row.archived, currentPeriodStart: row.current_period_start });
    } else {
      meters.set(row.key, {
        id: row.id,
        eventName: row.key,
        aggregation: row.aggregation as TEventMeter["aggregation"],
        allowNegative: row.allow_negative ?? false,
        status: row.status as TEventMeter["status"],
      });
    }
  }
  const events: TUsageEvent[] = [];
  const errors: TFieldError[] = [];
  inputs.forEach((input, index) => {
    const result = computeUsageEvent(input, { pointer: pointer(index), customer: customers.get(input.customer), meter: meters.get(input.meter), now });
    if (result.ok) events.push(result.event);
    else errors.push(...result.errors);
  });
  if (errors.length > 0) {
    const bad = new Set(errors.map((error) => error.pointer.replace(/\/[^/]+$/, ""))).size;
    const detail = errors.length === 1 ? `${errors[0]?.pointer}: ${errors[0]?.detail}` : `${bad} event(s) cannot be recorded; nothing was written.`;
    throw new AppError("unprocessable", detail, { errors });
  }
  return events;
}

/** For each event, the index of the first event in the request with its (customer, key); a key repeated with another payload is a conflict. */
function findFirstOccurrences(events: readonly TUsageEvent[], pointer: (index: number) => string): number[] {
  const firstByKey = new Map<string, number>();
  const conflicts: TFieldError[] = [];
  const firstIndexOf = events.map((event, index) => {
    const key = `${event.customerId}\u0000${event.idempotencyKey}`;
    const first = firstByKey.get(key);
    if (first === undefined) {
      firstByKey.set(key, index);
      return index;
    }
    if ((events[first] as TUsageEvent).payloadHash !== event.payloadHash) {
      conflicts.push({
        pointer: `${pointer(index)}/idempotency_key`,
        code: "idempotency_key_reused",
        detail: `Event ${first} of this request has the same key with a different payload.`,
      });
    }
    return first;
  });
  if (conflicts.length > 0) throw conflictError(conflicts);
  return firstIndexOf;
}

type TStoredEvent = { id: string; quantity: string; occurredAt: Date; receivedAt: Date; duplicate: boolean };

async function writeEvents(db: TDb, events: readonly TUsageEvent[], pointer: (event: TUsageEvent) => string): Promise<Map<TUsageEvent, TStoredEvent>> {
  const inserted = await insertUsageEvents(db, events);
  const insertedByKey = new Map<string, TInsertedEventRow>(inserted.map((row) => [`${row.customer_id}\u0000${row.idempotency_key}`, row]));
  const stored = new Map<TUsageEvent, TStoredEvent>();
  const missing: TUsageEvent[] = [];
  for (const event of events) {
    const row = insertedByKey.get(`${event.customerId}\u0000${event.idempotencyKey}`);
    if (row) stored.set(event, { id: row.id, quantity: event.quantity, occurredAt: event.occurredAt, receivedAt: row.received_at, duplicate: false });
    else missing.push(event);
  }
  if (missing.length === 0) return stored;

  // Keys already stored. ON CONFLICT waited for any concurrent inserter to commit, and this new
  // statement sees what it committed.
  const existing = await findEventsByKey(db, missing);
  const existingByKey = new Map(existing.map((row) => [`${row.customer_id}\u0000${row.idempotency_key}`, row]));
  const conflicts: TFieldError[] = [];
  for (const event of missing) {
    const row = existingByKey.get(`${event.customerId}\u0000${event.idempotencyKey}`);
    if (!row) throw new Error(`usage event ${event.idempotencyKey} neither inserted nor found`);
    if (row.payload_hash !== event.payloadHash) {
      conflicts.push({
        pointer: `${pointer(event)}/idempotency_key`,
        code: "idempotency_key_reused",
        detail: `Event ${row.id} was recorded with this key and a different payload.`,
      });
    }
    stored.set(event, { id: row.id, quantity: row.quantity, occurredAt: row.occurred_at, receivedAt: row.received_at, duplicate: true });
  }
  // Throwing rolls the batch's transaction back: nothing of the request is kept.
  if (conflicts.length > 0) throw conflictError(conflicts);
  return stored;
}

function conflictError(errors: TFieldError[]): AppError {
  const detail =
    errors.length === 1
      ? `This idempotency key was already used with a different payload (${errors[0]?.pointer}); nothing was written.`
      : `${errors.length} idempotency keys were already used with a different payload; nothing was written.`;
  return new AppError("conflict", detail, { errors });
}

/** Postgres' deadlock detector picked this transaction: run it again (it was rolled back whole). */
async function withDeadlockRetry<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt > DEADLOCK_RETRIES || !isDeadlock(error)) throw error;
    }
  }
}
