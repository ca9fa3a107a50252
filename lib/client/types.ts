// The wire contract of Tally's public API as TypeScript types: what the client sends
// (`TUsageEventInput` → `TUsageEventWire`) and what the server answers. Field names are the wire's
// own (snake_case), so the API reference and these types read the same. Decimals travel as strings
// and instants as RFC 3339 strings. Types only: this file has no runtime code.

/** A flat bag of event attributes; nested objects are not accepted by the server. */
export type TEventProperties = Record<string, string | number | boolean | null>;

/** One usage event as the caller gives it to `recordEvent`, `recordEvents` or a batcher. */
export type TUsageEventInput = {
  /**
   * 1..100 characters, no control characters. Omit it and the client generates one
   * (`crypto.randomUUID()`) before the first attempt, so every retry resends the same key.
   */
  idempotency_key?: string;
  /** The customer's external id. */
  customer: string;
  /** The meter's event name, e.g. `api_requests`. */
  meter: string;
  /** A number or an exact decimal string; the server defaults count meters to 1. */
  value?: number | string;
  /** A `Date`, an RFC 3339 string or unix seconds; the server defaults to its own now. */
  timestamp?: Date | string | number;
  properties?: TEventProperties;
};

/** One usage event exactly as sent: the key is always present and a `Date` became an ISO string. */
export type TUsageEventWire = Omit<TUsageEventInput, "idempotency_key" | "timestamp"> & {
  idempotency_key: string;
  timestamp?: string | number;
};

/** The answer to a single-event POST (201 created, 200 duplicate of an earlier identical event). */
export type TRecordedEvent = {
  object: "usage_event";
  id: string;
  idempotency_key: string;
  customer: string;
  meter: string;
  /** Exact decimal. */
  value: string;
  timestamp: string;
  received_at: string;
  /** True when the server already had this key with the same payload (nothing new was recorded). */
  duplicate: boolean;
  /** True when the event arrived after its period was already reported. */
  late: boolean;
};

/** One event's outcome inside a batch answer. */
export type TBatchEventResult = {
  /**
   * Position of the event in the caller's list for `recordEvents`; position in its flushed batch
   * for a batcher's `add`.
   */
  index: number;
  id: string;
  idempotency_key: string;
  customer: string;
  status: "created" | "duplicate";
  late: boolean;
};

/** The answer to a batch POST, and what `recordEvents` returns (merged over all its batches). */
export type TBatchResult = {
  object: "list";
  /** One entry per event, in request order (`data[i].index === i`). */
  data: TBatchEventResult[];
  created: number;
  duplicates: number;
};

/** One meter's usage in the customer's current billing period. */
export type TMeterUsage = {
  meter: string;
  display_name: string;
  unit_label: string;
  aggregation: "SUM" | "COUNT" | "MAX" | "LAST";
  usage: string;
  event_count: number;
  /** Null when the customer has no quota for this meter (same for `percent_used`, `remaining`). */
  included: string | null;
  percent_used: number | null;
  projected_usage: string;
  remaining: string | null;
  over_quota: boolean;
};

export type TCustomerUsage = {
  object: "customer_usage";
  /** The customer's external id. */
  customer: string;
  /** Tally's id of the customer. */
  customer_id: string;
  as_of: string;
  /** Half-open: `start` ≤ t < `end`. */
  period: { start: string; end: string };
  /** The live subscription's plan; null without one (the period is then the UTC month). */
  plan: { name: string; version: number } | null;
  meters: TMeterUsage[];
};

/** One invalid input field, located by a JSON pointer such as `/events/3/value`. */
export type TFieldError = { pointer: string; detail: string; code?: string };

/** An RFC 9457 problem document, the body of every error response. */
export type TProblem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: TFieldError[];
};
