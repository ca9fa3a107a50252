// v1 meter events (SEMANTICS.md §2) and their cancellation (§3):
//   POST /v1/billing/meter_events             record usage; every rule is checked at once (400)
//   POST /v1/billing/meter_event_adjustments  cancel an event received within the last 24 hours
// Stripe checks some rules of a v1 event later and reports them as `error_report_triggered` thin
// events; Tally wants to know at once, so this emulator answers every broken rule with a 400.
import type Stripe from "stripe";
import { z } from "zod";
import { checkMeterEvent, checkMeterEventCancel, type TMeterEventProblem, type TMeterEventRule } from "../billing/meter-event-checks";
import { requireMeterEventCapacity } from "../billing/rate-limit";
import type { TEmulator } from "../core/context";
import { invalidRequest, StripeError } from "../core/errors";
import { zExpand, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";

const ZCreate = z.strictObject({
  event_name: zStr(100),
  payload: z.record(z.string(), z.string()),
  identifier: zStr(100).min(1, "must not be empty").optional(),
  timestamp: zTimestamp.optional(),
  expand: zExpand,
});
const ZAdjust = z.strictObject({
  event_name: zStr(100),
  type: z.literal("cancel"),
  cancel: z.strictObject({ identifier: zStr(100).optional() }).optional(),
  expand: zExpand,
});

/** Stripe's standard codes for the rules that have one. */
const V1_CODES: Partial<Record<TMeterEventRule, string>> = {
  no_customer_defined: "parameter_missing",
  no_value_defined: "parameter_missing",
  invalid_value: "parameter_invalid_integer",
  customer_not_found: "resource_missing",
};

export function registerMeterEvents(router: Router, emulator: TEmulator): void {
  router.add("POST", "/v1/billing/meter_events", (context) => {
    requireMeterEventCapacity(context);
    const params = context.parse(ZCreate);
    const checked = checkMeterEvent(emulator, params);
    if (!checked.ok) throw toV1Error(checked.problem);
    emulator.store.addMeterEvent(checked.record);
    const { record } = checked;
    const event: Stripe.Billing.MeterEvent = {
      object: "billing.meter_event",
      created: record.created,
      event_name: record.event_name,
      identifier: record.identifier,
      livemode: false,
      payload: record.payload,
      timestamp: record.timestamp,
    };
    return event;
  });

  router.add("POST", "/v1/billing/meter_event_adjustments", (context) => {
    const params = context.parse(ZAdjust);
    const identifier = params.cancel?.identifier;
    if (!identifier) throw invalidRequest("Missing required param: cancel[identifier].", { param: "cancel[identifier]", code: "parameter_missing" });
    const checked = checkMeterEventCancel(emulator, params.event_name, identifier);
    if (!checked.ok) throw invalidRequest(checked.message, { param: checked.param });
    emulator.store.cancelMeterEvent(identifier, emulator.now(checked.record.customer));
    const adjustment: Stripe.Billing.MeterEventAdjustment = {
      object: "billing.meter_event_adjustment",
      cancel: { identifier },
      event_name: params.event_name,
      livemode: false,
      status: "pending",
      type: "cancel",
    };
    return adjustment;
  });
}

function toV1Error(problem: TMeterEventProblem): StripeError {
  // Sending the same identifier again will never succeed: say so, as Stripe does.
  const headers = problem.rule === "duplicate" ? { "stripe-should-retry": "false" } : undefined;
  return new StripeError(400, "invalid_request_error", problem.message, { param: problem.param, code: V1_CODES[problem.rule], headers });
}
