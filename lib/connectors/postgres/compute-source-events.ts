// Turns a product database's rows into usage event inputs for the recording path (pure).
//
// RAW rows (one per event) become one event each, keyed `<key prefix>:<event_id>`: re-reading a row
// is a duplicate, never a second event. AGGREGATE rows (one total per customer, meter and period,
// recomputed by the query on every run) become the change since what Tally recorded for that
// total, keyed `<key prefix>:agg:<hash of customer, meter, occurred_at>:r<revision>`: a late row
// that raises a total is recorded as the difference, and a run that sees no change records nothing.
import { createHash } from "node:crypto";
import type { SqlSourceMode } from "@/lib/db";
import { MAX_IDEMPOTENCY_KEY_LENGTH } from "@/lib/metering/compute-usage-event";
import type { TUsageEventInput } from "@/lib/metering/schemas";
import { ExactDecimal } from "@/lib/money/currency";
import { ConnectorError, type TConnectorRowError } from "../types";

export const SOURCE_COLUMNS: Record<SqlSourceMode, readonly string[]> = {
  RAW: ["event_id", "customer", "meter", "quantity", "occurred_at"],
  AGGREGATE: ["customer", "meter", "quantity", "occurred_at"],
};

/** One event to record, with the source row (1-based) it came from. */
export type TSourceEvent = {
  row: number;
  ref: string;
  input: TUsageEventInput;
  /** AGGREGATE: the total the row gave, and the state to keep once the change is recorded. */
  aggregate?: TAggregateKey & { total: string; previous: string; revision: number };
};

export type TAggregateKey = { customer: string; meter: string; occurredAt: Date };
export type TAggregateState = { recordedQuantity: string; revision: number };

export const aggregateStateKey = (key: TAggregateKey) => `${key.customer}\u0000${key.meter}\u0000${key.occurredAt.getTime()}`;

export type TComputedSourceEvents = { events: TSourceEvent[]; unchanged: number; errors: TConnectorRowError[] };

/**
 * The query must return the mode's columns; a missing one fails the run (every row would). A total
 * must cover its whole period, so `$3` (rows since the last run) is for raw events only.
 */
export function requireSourceColumns(mode: SqlSourceMode, columns: readonly string[], query = ""): void {
  if (mode === "AGGREGATE" && /\$3(?!\d)/.test(query)) {
    throw new ConnectorError("query_parameters", "Per-period totals must add up whole periods on every run: use $1 (now − 35 days), not $3 (since the last run), which is for raw events.");
  }
  const missing = SOURCE_COLUMNS[mode].filter((column) => !columns.includes(column));
  if (missing.length === 0) return;
  throw new ConnectorError(
    "query_columns",
    `The query must return the columns ${SOURCE_COLUMNS[mode].join(", ")}; ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} missing (it returned ${columns.join(", ") || "no columns"}).`,
  );
}

/** `firstRow`: the number of rows[0] in the whole result (a run reads it a page at a time). */
export function computeRawSourceEvents(rows: readonly Record<string, unknown>[], keyPrefix: string, firstRow = 1): TComputedSourceEvents {
  const events: TSourceEvent[] = [];
  const errors: TConnectorRowError[] = [];
  rows.forEach((row, index) => {
    const number = firstRow + index;
    const eventId = toText(row.event_id);
    const ref = eventId ? `row ${number} (event ${eventId})` : `row ${number}`;
    const fields = parseCommonFields(row, { quantityRequired: false });
    const problems = [...fields.problems];
    if (!eventId) problems.push("event_id is empty.");
    else if (`${keyPrefix}:${eventId}`.length > MAX_IDEMPOTENCY_KEY_LENGTH) problems.push(`event_id is longer than ${MAX_IDEMPOTENCY_KEY_LENGTH - keyPrefix.length - 1} characters.`);
    if (problems.length > 0 || !fields.value) {
      errors.push({ ref, code: "invalid_row", detail: problems.join(" ") });
      return;
    }
    const { customer, meter, quantity, occurredAt } = fields.value;
    events.push({
      row: number,
      ref,
      input: {
        idempotency_key: `${keyPrefix}:${eventId}`,
        customer,
        meter,
        ...(quantity === null ? {} : { value: quantity }),
        timestamp: occurredAt.toISOString(),
        properties: { source: keyPrefix, source_event_id: eventId },
      },
    });
  });
  return { events, unchanged: 0, errors };
}

/**
 * `firstRow` as for raw rows; `seen` (the row number of each total read so far in this run) spans
 * the run's pages, so a total returned twice is caught across them.
 */
export function computeAggregateSourceEvents(
  rows: readonly Record<string, unknown>[],
  keyPrefix: string,
  state: ReadonlyMap<string, TAggregateState>,
  options: { firstRow?: number; seen?: Map<string, number> } = {},
): TComputedSourceEvents {
  const events: TSourceEvent[] = [];
  const errors: TConnectorRowError[] = [];
  const seen = options.seen ?? new Map<string, number>();
  let unchanged = 0;
  rows.forEach((row, index) => {
    const number = (options.firstRow ?? 1) + index;
    const fields = parseCommonFields(row, { quantityRequired: true });
    const ref = fields.value ? `row ${number} (${fields.value.customer} · ${fields.value.meter} · ${fields.value.occurredAt.toISOString()})` : `row ${number}`;
    if (!fields.value || fields.problems.length > 0) {
      errors.push({ ref, code: "invalid_row", detail: fields.problems.join(" ") });
      return;
    }
    const { customer, meter, occurredAt } = fields.value;
    const key = aggregateStateKey({ customer, meter, occurredAt });
    const first = seen.get(key);
    if (first !== undefined) {
      errors.push({ ref, code: "duplicate_row", detail: `Row ${first} has the same customer, meter and occurred_at: return one total per customer, meter and period.` });
      return;
    }
    seen.set(key, number);
    const total = new ExactDecimal(fields.value.quantity as string);
    const known = state.get(key);
    const previous = new ExactDecimal(known?.recordedQuantity ?? 0);
    const change = total.minus(previous);
    if (change.isZero()) {
      unchanged += 1;
      return;
    }
    const revision = (known?.revision ?? 0) + 1;
    const hash = createHash("sha256").update(key).digest("base64url").slice(0, 22);
    events.push({
      row: number,
      ref,
      input: {
        idempotency_key: `${keyPrefix}:agg:${hash}:r${revision}`,
        customer,
        meter,
        value: change.toString(),
        timestamp: occurredAt.toISOString(),
        properties: { source: keyPrefix, source_total: total.toString(), source_revision: revision },
      },
      aggregate: { customer, meter, occurredAt, total: total.toString(), previous: previous.toString(), revision },
    });
  });
  return { events, unchanged, errors };
}

/** The (customer, meter, occurred_at) of every readable row: whose state a run needs. */
export function aggregateKeysOf(rows: readonly Record<string, unknown>[]): TAggregateKey[] {
  return rows.flatMap((row) => {
    const { value } = parseCommonFields(row, { quantityRequired: true });
    return value ? [{ customer: value.customer, meter: value.meter, occurredAt: value.occurredAt }] : [];
  });
}

type TCommonFields = { customer: string; meter: string; quantity: string | null; occurredAt: Date };

function parseCommonFields(row: Record<string, unknown>, options: { quantityRequired: boolean }): { value: TCommonFields | null; problems: string[] } {
  const problems: string[] = [];
  const customer = toText(row.customer);
  const meter = toText(row.meter);
  if (!customer) problems.push("customer is empty.");
  if (!meter) problems.push("meter is empty.");
  const quantity = toDecimalText(row.quantity);
  if (quantity === undefined) problems.push(`quantity ${JSON.stringify(String(row.quantity))} is not a number.`);
  else if (quantity === null && options.quantityRequired) problems.push("quantity is empty.");
  const occurredAt = toInstant(row.occurred_at);
  if (!occurredAt) problems.push(`occurred_at ${row.occurred_at === null || row.occurred_at === undefined ? "is empty" : `${JSON.stringify(String(row.occurred_at))} is not a time`} (return a timestamptz).`);
  if (!customer || !meter || quantity === undefined || !occurredAt) return { value: null, problems };
  return { value: { customer, meter, quantity, occurredAt }, problems };
}

function toText(value: unknown): string | null {
  if (typeof value === "string") return value.trim() || null;
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return null;
}

/** Canonical decimal text; null when empty; undefined when not a finite number. */
function toDecimalText(value: unknown): string | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "bigint") return undefined;
  try {
    const decimal = new ExactDecimal(String(value).trim());
    return decimal.isFinite() ? decimal.toString() : undefined;
  } catch (error) {
    if (error instanceof Error && error.message.includes("DecimalError")) return undefined;
    throw error;
  }
}

function toInstant(value: unknown): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  // Text must say its offset: "2026-11-01 10:00" alone would be read in this server's time zone.
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([Zz]|[+-]\d{2}(:?\d{2})?)$/.test(value.trim())) {
    const iso = value
      .trim()
      .replace(" ", "T")
      .replace(/\s+/, "")
      .replace(/([+-]\d{2})$/, "$1:00") // Postgres writes "+00"; JavaScript wants "+00:00"
      .replace(/([+-]\d{2})(\d{2})$/, "$1:$2");
    const parsed = new Date(iso);
    return Number.isNaN(parsed.getTime()) ? null : parsed;
  }
  return null;
}

