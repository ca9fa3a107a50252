// The rules a meter event must pass (SEMANTICS.md §2.3–§2.5, §3.4), shared by v1, v2 and the v2
// stream. Each API reports a broken rule its own way: v1 answers 400 at once, v2 answers some at
// once and reports the rest later, the stream reports everything later (meter-event-async.ts).
import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import type { TMeterEventRecord } from "../core/store";
import { findMeterByEventName } from "./meter-lookup";

/** Identifiers are unique, and events cancellable, for 24 hours after Stripe receives them. */
export const IDENTIFIER_WINDOW_SECONDS = 24 * 3_600;
/** Timestamps: at most 35 calendar days in the past, 5 minutes in the future (clock drift). */
export const MAX_AGE_SECONDS = 35 * 86_400;
export const MAX_FUTURE_SECONDS = 5 * 60;

/** Whole numbers only (docs: "only accepts whole number values"); negatives correct earlier usage. */
const NUMBER = /^-?\d+(\.\d+)?$/;

export type TMeterEventRule =
  | "no_meter"
  | "archived_meter"
  | "no_customer_defined"
  | "no_value_defined"
  | "invalid_value"
  | "duplicate"
  | "customer_not_found"
  | "timestamp_too_far_in_past"
  | "timestamp_in_future";

export type TMeterEventInput = {
  event_name: string;
  payload: Record<string, string>;
  identifier?: string;
  /** Unix seconds; the customer's "now" when omitted. */
  timestamp?: number;
};

export type TMeterEventProblem = {
  rule: TMeterEventRule;
  message: string;
  /** The v1 parameter at fault, in bracket notation. */
  param: string;
  identifier: string;
  meter: Stripe.Billing.Meter | undefined;
};

export type TMeterEventCheck = { ok: true; record: TMeterEventRecord } | { ok: false; problem: TMeterEventProblem };

/**
 * The record to store, or the first rule the event breaks. Rules v2 checks at once come before
 * those it checks later (an unknown customer, the timestamp), so one event gets one answer.
 */
export function checkMeterEvent(emulator: TEmulator, input: TMeterEventInput): TMeterEventCheck {
  const { store } = emulator;
  const identifier = input.identifier ?? randomUUID();
  const meter = findMeterByEventName(store, input.event_name);
  const fail = (rule: TMeterEventRule, message: string, param: string): TMeterEventCheck => ({
    ok: false,
    problem: { rule, message, param, identifier, meter },
  });

  if (!meter) return fail("no_meter", `No active meter found for event_name '${input.event_name}'.`, "event_name");
  if (meter.status !== "active") {
    return fail("archived_meter", `No active meter found for event_name '${input.event_name}': meter '${meter.id}' is inactive.`, "event_name");
  }

  const customerKey = meter.customer_mapping.event_payload_key;
  const customerId = input.payload[customerKey];
  if (!customerId) return fail("no_customer_defined", `Customer mapping key ${customerKey} not found in payload.`, `payload[${customerKey}]`);

  const valueKey = meter.value_settings.event_payload_key;
  const counting = meter.default_aggregation.formula === "count";
  const value = input.payload[valueKey];
  if (!counting) {
    const param = `payload[${valueKey}]`;
    if (!value) return fail("no_value_defined", `Value key ${valueKey} not found in payload.`, param);
    if (!NUMBER.test(value)) return fail("invalid_value", `The value '${value}' of payload key ${valueKey} is not a number.`, param);
    if (!new Decimal(value).isInteger()) {
      return fail("invalid_value", `The value '${value}' of payload key ${valueKey} must be a whole number.`, param);
    }
  }

  const previous = store.meterEventByIdentifier(identifier);
  if (previous && emulator.now(previous.customer) - previous.created < IDENTIFIER_WINDOW_SECONDS) {
    return fail("duplicate", `An event already exists with identifier ${identifier}.`, "identifier");
  }

  if (!store.get("customers", customerId)) return fail("customer_not_found", `No such customer: '${customerId}'`, `payload[${customerKey}]`);

  const now = emulator.now(customerId);
  const timestamp = input.timestamp ?? now;
  if (timestamp < now - MAX_AGE_SECONDS) {
    return fail("timestamp_too_far_in_past", `Timestamp ${timestamp} is too far in the past: meter events must be within the past 35 calendar days.`, "timestamp");
  }
  if (timestamp > now + MAX_FUTURE_SECONDS) {
    return fail("timestamp_in_future", `Timestamp ${timestamp} is too far in the future: meter events may be at most 5 minutes ahead.`, "timestamp");
  }

  return {
    ok: true,
    record: {
      identifier,
      event_name: input.event_name,
      meter: meter.id,
      customer: customerId,
      // A count meter counts each event once, whatever the payload says.
      value: counting ? "1" : (value ?? "0"),
      timestamp,
      created: now,
      cancelled_at: null,
      payload: { ...input.payload },
    },
  };
}

export type TCancelCheck = { ok: true; record: TMeterEventRecord } | { ok: false; message: string; param: string };

/** A cancellation names an event of this event name received within the last 24 hours. */
export function checkMeterEventCancel(emulator: TEmulator, eventName: string, identifier: string): TCancelCheck {
  if (!findMeterByEventName(emulator.store, eventName)) {
    return { ok: false, message: `No active meter found for event_name '${eventName}'.`, param: "event_name" };
  }
  const record = emulator.store.meterEventByIdentifier(identifier);
  if (!record || record.event_name !== eventName) {
    return { ok: false, message: `No meter event with identifier ${identifier} was found for event_name '${eventName}'.`, param: "cancel[identifier]" };
  }
  if (emulator.now(record.customer) - record.created > IDENTIFIER_WINDOW_SECONDS) {
    return {
      ok: false,
      message: `The meter event with identifier ${identifier} was received more than 24 hours ago; only events received within the last 24 hours can be cancelled.`,
      param: "cancel[identifier]",
    };
  }
  return { ok: true, record };
}
