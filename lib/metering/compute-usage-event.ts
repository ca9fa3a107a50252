// The rules one usage event must pass before it is recorded, and the event as it is stored: its
// exact quantity, its instant, and the hash of its canonical payload (what makes a replay a
// duplicate and another payload a conflict). Pure: the catalog rows and `now` are passed in.
import { createHash } from "node:crypto";
import Decimal from "decimal.js";
import type { MeterAggregation, MeterStatus } from "@/lib/db";
import type { TFieldError } from "@/lib/errors";
import { ExactDecimal } from "@/lib/money/currency";
import { isStorableText, type TUsageEventInput } from "./schemas";

/** Stripe accepts meter events up to 35 days old and 5 minutes ahead; so does Tally. */
export const MAX_EVENT_AGE_MS = 35 * 24 * 60 * 60 * 1000;
export const MAX_EVENT_LEAD_MS = 5 * 60 * 1000;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;
/** usage_events.quantity is numeric(38, 12): 26 digits before the point, 12 after. */
export const MAX_QUANTITY_PLACES = 12;
const MAX_QUANTITY = new Decimal("1e26");

const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const RFC_3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export type TEventMeter = { id: string; eventName: string; aggregation: MeterAggregation; allowNegative: boolean; status: MeterStatus };
export type TEventCustomer = { id: string; externalId: string; archived: boolean; currentPeriodStart: Date | null };

export type TUsageEvent = {
  customerId: string;
  meterId: string;
  idempotencyKey: string;
  /** Canonical decimal text, e.g. "0.1", "12", "-3.5". */
  quantity: string;
  occurredAt: Date;
  properties: Record<string, string | number | boolean | null> | null;
  /** SHA-256 (hex) of the canonical payload. */
  payloadHash: string;
  /** Before the customer's current billing period: recorded, and billed by the late-event policy. */
  late: boolean;
};

export type TComputedUsageEvent = { ok: true; event: TUsageEvent } | { ok: false; errors: TFieldError[] };

type TContext = { pointer: string; customer: TEventCustomer | undefined; meter: TEventMeter | undefined; now: Date };

export function computeUsageEvent(input: TUsageEventInput, context: TContext): TComputedUsageEvent {
  const errors: TFieldError[] = [];
  const fail = (field: string, code: string, detail: string) => errors.push({ pointer: `${context.pointer}/${field}`, code, detail });

  const keyProblem = checkIdempotencyKey(input.idempotency_key);
  if (keyProblem) fail("idempotency_key", keyProblem.code, keyProblem.detail);

  const { customer, meter } = context;
  if (!customer) fail("customer", "unknown_customer", `No customer has the external id "${input.customer}".`);
  else if (customer.archived) fail("customer", "archived_customer", `The customer "${input.customer}" is archived.`);
  if (!meter) fail("meter", "unknown_meter", `No meter has the event name "${input.meter}".`);
  else if (meter.status === "ARCHIVED") fail("meter", "archived_meter", `The meter "${input.meter}" is archived and takes no more events.`);

  const quantity = meter ? parseQuantity(input.value, meter) : undefined;
  if (quantity && "code" in quantity) fail("value", quantity.code, quantity.detail);

  const occurredAt = parseTimestamp(input.timestamp, context.now);
  if ("code" in occurredAt) fail("timestamp", occurredAt.code, occurredAt.detail);

  if (errors.length > 0 || !customer || !meter || !quantity || "code" in quantity || "code" in occurredAt) return { ok: false, errors };

  const properties = input.properties ?? null;
  const text = quantity.value.toFixed();
  return {
    ok: true,
    event: {
      customerId: customer.id,
      meterId: meter.id,
      idempotencyKey: input.idempotency_key,
      quantity: text,
      occurredAt: occurredAt.value,
      properties,
      payloadHash: hashPayload({
        customer: customer.externalId,
        meter: meter.eventName,
        value: text,
        // A defaulted timestamp is not part of the payload: a retry without one is the same event.
        timestamp: input.timestamp === undefined ? null : occurredAt.value.toISOString(),
        properties,
      }),
      late: customer.currentPeriodStart !== null && occurredAt.value < customer.currentPeriodStart,
    },
  };
}

function checkIdempotencyKey(key: string): { code: string; detail: string } | undefined {
  if (key.trim().length === 0) return { code: "idempotency_key_empty", detail: "Must not be empty or blank." };
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    return { code: "idempotency_key_too_long", detail: `At most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters (this one has ${key.length}).` };
  }
  if (CONTROL_CHARACTERS.test(key) || !isStorableText(key)) {
    return { code: "idempotency_key_invalid", detail: "Must be valid Unicode text without control characters." };
  }
  return undefined;
}

type TProblemOr<T> = { value: T } | { code: string; detail: string };

function parseQuantity(value: number | string | undefined, meter: TEventMeter): TProblemOr<Decimal> {
  if (value === undefined) {
    if (meter.aggregation === "COUNT") return { value: new ExactDecimal(1) };
    return { code: "value_required", detail: `Required for the ${meter.aggregation.toLowerCase()} meter "${meter.eventName}".` };
  }
  if (typeof value === "number" && !Number.isFinite(value)) return { code: "value_not_finite", detail: "Must be a finite number." };
  // The common case, without decimal arithmetic: a whole JS number (|n| < 2^53, far below 10^26).
  if (typeof value === "number" && Number.isSafeInteger(value)) {
    if (value < 0 && !meter.allowNegative) return { code: "value_negative", detail: `The meter "${meter.eventName}" does not take negative values.` };
    return { value: new ExactDecimal(value === 0 ? 0 : value) };
  }
  const text = typeof value === "number" ? String(value) : value.trim();
  if (!DECIMAL_TEXT.test(text)) return { code: "value_not_a_number", detail: `"${value}" is not a decimal number.` };
  const quantity = new ExactDecimal(text);
  if (!quantity.isFinite()) return { code: "value_not_finite", detail: "Must be a finite number." };
  if (quantity.isNegative() && !quantity.isZero() && !meter.allowNegative) {
    return { code: "value_negative", detail: `The meter "${meter.eventName}" does not take negative values.` };
  }
  if (meter.aggregation === "COUNT" && !quantity.isInteger()) {
    return { code: "value_not_integer", detail: `The count meter "${meter.eventName}" takes whole numbers only.` };
  }
  if (quantity.decimalPlaces() > MAX_QUANTITY_PLACES) {
    return { code: "value_too_precise", detail: `At most ${MAX_QUANTITY_PLACES} decimal places; Tally never rounds a value.` };
  }
  if (quantity.abs().gte(MAX_QUANTITY)) return { code: "value_too_large", detail: "Must be less than 10^26 in absolute value." };
  // "-0" is zero.
  return { value: quantity.isZero() ? new ExactDecimal(0) : quantity };
}

function parseTimestamp(timestamp: string | number | undefined, now: Date): TProblemOr<Date> {
  if (timestamp === undefined) return { value: now };
  const instant = typeof timestamp === "number" ? fromUnixSeconds(timestamp) : fromRfc3339(timestamp);
  if (!instant) {
    return { code: "timestamp_invalid", detail: "An RFC 3339 time with a zone (2026-11-21T10:15:00Z) or unix seconds." };
  }
  if (instant.getTime() > now.getTime() + MAX_EVENT_LEAD_MS) {
    return { code: "timestamp_in_future", detail: `More than 5 minutes ahead of Tally's clock (${now.toISOString()}).` };
  }
  if (instant.getTime() < now.getTime() - MAX_EVENT_AGE_MS) {
    return { code: "timestamp_too_old", detail: "Older than 35 days: Stripe no longer accepts usage that old." };
  }
  return { value: instant };
}

function fromUnixSeconds(seconds: number): Date | undefined {
  if (!Number.isFinite(seconds)) return undefined;
  const instant = new Date(Math.round(seconds * 1000));
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

function fromRfc3339(text: string): Date | undefined {
  const match = RFC_3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  // Sub-millisecond digits are dropped: Tally (like Stripe, which keeps seconds) stores milliseconds.
  const instant = new Date(text.replace(/(\.\d{3})\d+/, "$1"));
  return Number.isNaN(instant.getTime()) ? undefined : instant;
}

/** Canonical JSON (sorted property keys) of what the caller sent, hashed. */
function hashPayload(payload: { customer: string; meter: string; value: string; timestamp: string | null; properties: Record<string, unknown> | null }): string {
  const properties = payload.properties ? Object.fromEntries(Object.entries(payload.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : null;
  const canonical = JSON.stringify([payload.customer, payload.meter, payload.value, payload.timestamp, properties]);
  return createHash("sha256").update(canonical).digest("hex");
}
