// One run of a SQL source: read the product database a page at a time, turn each page's rows into
// usage events, record them through the API's recording path. Events are recorded in chunks, each
// in a transaction with the aggregate state it moves, so a crash mid-run leaves every chunk either
// whole or absent (and the next run, with the same deterministic keys, records what is missing and
// nothing twice).
//
// A dry run does all of it inside one transaction that is rolled back: it reports exactly what the
// run would record (the same validation, the same duplicates), and writes nothing. It stops after
// DRY_RUN_MAX_ROWS rows (and says so).
import { db as defaultDb, type Prisma, type SqlSourceMode } from "@/lib/db";
import { openSecret } from "../secret-box";
import { ConnectorError, type TConnectorRowError, type TConnectorRunResult } from "../types";
import { aggregateKeysOf, computeAggregateSourceEvents, computeRawSourceEvents, requireSourceColumns, type TSourceEvent } from "./compute-source-events";
import { findAggregateStates, updateAggregateStates } from "./connector-aggregates-query";
import { readSourceRows, SINCE_OVERLAP_MS, type TReadSourceOptions } from "./read-source-rows";
import { recordSourceEvents } from "./record-source-events";

export type TSqlSource = { id: string; query: string; mode: SqlSourceMode; keyPrefix: string; secretCiphertext: string };

/** An event a run records (or, dry, would record). */
export type TPlannedEvent = {
  ref: string;
  idempotencyKey: string;
  customer: string;
  meter: string;
  /** The event's quantity: for an aggregate row, the change of its total. */
  quantity: string | null;
  occurredAt: string;
  /** AGGREGATE: the total before and after. */
  previousTotal: string | null;
  total: string | null;
};

/** `truncated`: a dry run that stopped at DRY_RUN_MAX_ROWS rows (its counts cover those rows). */
export type TSqlSourceRun = TConnectorRunResult & { events: TPlannedEvent[]; truncated: boolean };

const CHUNK_EVENTS = 1_000;
const CHUNK_TRANSACTION = { maxWait: 15_000, timeout: 60_000 };
const DRY_RUN_TRANSACTION = { maxWait: 15_000, timeout: 300_000 };
/** A dry run lists at most this many events (its counts cover them all). */
export const MAX_PLANNED_EVENTS = 500;
/** A dry run reads at most this many rows: it holds one transaction open for all of them. */
export const DRY_RUN_MAX_ROWS = 100_000;

class DryRunRollback extends Error {}

export async function runSqlSource(
  source: TSqlSource,
  options: { now: Date; dryRun?: boolean; db?: typeof defaultDb; read?: Pick<TReadSourceOptions, "pageRows" | "maxRows"> },
): Promise<TSqlSourceRun> {
  const db = options.db ?? defaultDb;
  const url = openSecret(source.secretCiphertext);
  const since = await findSince(db, source.id);
  /** The count, and only the first events themselves: a run's memory must not grow with its rows. */
  let recordedCount = 0;
  const planned: TPlannedEvent[] = [];
  const errors: TConnectorRowError[] = [];
  let unchanged = 0;
  const seen = new Map<string, number>();

  const recordPage = async (tx: Prisma.TransactionClient | null, rows: Record<string, unknown>[], firstRow: number) => {
    const computed =
      source.mode === "RAW"
        ? computeRawSourceEvents(rows, source.keyPrefix, firstRow)
        : computeAggregateSourceEvents(rows, source.keyPrefix, await findAggregateStates(tx ?? db, source.id, aggregateKeysOf(rows)), { firstRow, seen });
    errors.push(...computed.errors);
    unchanged += computed.unchanged;
    const events = source.mode === "AGGREGATE" ? await keepSummableMeters(tx ?? db, computed.events, errors) : computed.events;
    for (const part of chunk(events, CHUNK_EVENTS)) {
      if (tx) await recordChunk(tx, part);
      else await db.$transaction((chunkTx) => recordChunk(chunkTx, part), CHUNK_TRANSACTION);
    }
  };
  const recordChunk = async (tx: Prisma.TransactionClient, events: TSourceEvent[]) => {
    const result = await recordSourceEvents(tx, events, options.now);
    if (source.mode === "AGGREGATE") {
      const moved = [...result.recorded, ...result.duplicates].flatMap((event) => (event.aggregate ? [event.aggregate] : []));
      if ((await updateAggregateStates(tx, source.id, moved)) !== moved.length) {
        throw new ConnectorError("concurrent_run", "Another run changed this source's totals at the same time; this chunk was rolled back and the next run records it.");
      }
    }
    recordedCount += result.recorded.length;
    for (const event of result.recorded.slice(0, MAX_PLANNED_EVENTS - planned.length)) planned.push(toPlannedEvent(event));
    unchanged += result.duplicates.length;
    errors.push(...result.errors);
  };

  const read = (tx: Prisma.TransactionClient | null, maxRows?: number) =>
    readSourceRows(
      { url, query: source.query },
      {
        now: options.now,
        since,
        ...options.read,
        onColumns: (columns) => requireSourceColumns(source.mode, columns, source.query),
        onPage: async (rows, firstRow) => {
          await recordPage(tx, rows, firstRow);
          return maxRows === undefined || firstRow - 1 + rows.length < maxRows;
        },
      },
    );

  let outcome: { rowsRead: number; stopped: boolean } = { rowsRead: 0, stopped: false };
  if (options.dryRun) {
    await db
      .$transaction(async (tx) => {
        outcome = await read(tx, DRY_RUN_MAX_ROWS);
        throw new DryRunRollback();
      }, DRY_RUN_TRANSACTION)
      .catch((error: unknown) => {
        if (!(error instanceof DryRunRollback)) throw error;
      });
  } else {
    outcome = await read(null);
  }

  return {
    rowsRead: outcome.rowsRead,
    recorded: recordedCount,
    unchanged,
    errors,
    events: planned,
    truncated: outcome.stopped,
  };
}

/** $3: the start of the last run that went through, less the overlap; null before any. */
async function findSince(db: typeof defaultDb, connectorId: string): Promise<Date | null> {
  const last = await db.connectorRun.findFirst({
    where: { connectorId, status: { in: ["SUCCEEDED", "PARTIAL"] } },
    orderBy: { startedAt: "desc" },
    select: { startedAt: true },
  });
  return last ? new Date(last.startedAt.getTime() - SINCE_OVERLAP_MS) : null;
}

/**
 * A change of a total is only a usage event for a SUM meter: a COUNT meter would count each change
 * as one, a MAX or LAST meter would take the change for the value. Other meters' rows are errors
 * (unknown meters are left to the recording path, which names them).
 */
async function keepSummableMeters(db: Prisma.TransactionClient | typeof defaultDb, events: TSourceEvent[], errors: TConnectorRowError[]): Promise<TSourceEvent[]> {
  const meters = await db.meter.findMany({ where: { eventName: { in: [...new Set(events.map((event) => event.input.meter))] } }, select: { eventName: true, aggregation: true } });
  const aggregationOf = new Map(meters.map((meter) => [meter.eventName, meter.aggregation]));
  return events.filter((event) => {
    const aggregation = aggregationOf.get(event.input.meter);
    if (aggregation === undefined || aggregation === "SUM") return true;
    errors.push({
      ref: event.ref,
      code: "meter_not_summable",
      detail: `meter: ${event.input.meter} is a ${aggregation} meter; per-period totals need a SUM meter (send its rows as raw events instead).`,
    });
    return false;
  });
}

function toPlannedEvent(event: TSourceEvent): TPlannedEvent {
  return {
    ref: event.ref,
    idempotencyKey: event.input.idempotency_key,
    customer: event.input.customer,
    meter: event.input.meter,
    quantity: event.input.value === undefined ? null : String(event.input.value),
    occurredAt: String(event.input.timestamp),
    previousTotal: event.aggregate?.previous ?? null,
    total: event.aggregate?.total ?? null,
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}
