// v2 meter events (SEMANTICS.md §2.2, §3.2), JSON in and out, RFC 3339 times:
//   POST /v2/billing/meter_event_session      a token for the stream, valid 15 minutes
//   POST /v2/billing/meter_event_stream       up to 100 events, authenticated by that token;
//                                             accepted at once, validated afterwards; at most
//                                             `meterEventStreamEventsPerSecond` events a second
//                                             (billing/rate-limit.ts)
//   POST /v2/billing/meter_events             one event; its shape rules answer at once, the
//                                             customer and timestamp are checked afterwards
//   POST /v2/billing/meter_event_adjustments  cancel an event received within the last 24 hours
// What fails afterwards is reported as `v1.billing.meter.error_report_triggered` /
// `v1.billing.meter.no_meter_found` (billing/meter-event-async.ts).
import type Stripe from "stripe";
import { z } from "zod";
import { checkMeterEvent, checkMeterEventCancel, type TMeterEventInput, type TMeterEventProblem, type TMeterEventRule } from "../billing/meter-event-checks";
import { processLater, reportMeterEventProblems } from "../billing/meter-event-async";
import { requireMeterEventCapacity, requireMeterEventStreamCapacity } from "../billing/rate-limit";
import type { TEmulator, TRequestContext } from "../core/context";
import { StripeError } from "../core/errors";
import { newId } from "../core/ids";
import type { Router } from "../core/router";

const SESSION_SECONDS = 15 * 60;
const MAX_STREAM_EVENTS = 100;

const ZEvent = z.strictObject({
  event_name: z.string().min(1).max(100),
  payload: z.record(z.string(), z.string()),
  identifier: z.string().min(1).max(100).optional(),
  timestamp: z.iso.datetime({ offset: true }).optional(),
});
const ZStream = z.strictObject({ events: z.array(ZEvent).min(1).max(MAX_STREAM_EVENTS) });
const ZSession = z.strictObject({});
const ZAdjust = z.strictObject({
  event_name: z.string().min(1).max(100),
  type: z.literal("cancel"),
  cancel: z.strictObject({ identifier: z.string().min(1).max(100) }).optional(),
});

/** The v2 error code of each rule checked at once; the others are reported afterwards. */
const SYNC_CODES: Partial<Record<TMeterEventRule, string>> = {
  no_meter: "no_meter",
  archived_meter: "archived_meter",
  no_customer_defined: "payload_no_customer_defined",
  no_value_defined: "payload_no_value_defined",
  invalid_value: "payload_invalid_value",
  duplicate: "duplicate_meter_event",
};

type TSessions = Record<string, Stripe.V2.Billing.MeterEventSession>;

export function registerV2MeterEvents(router: Router, emulator: TEmulator): void {
  const sessions = (): TSessions => emulator.store.internal<TSessions>("v2MeterEventSessions", () => ({}));

  router.add("POST", "/v2/billing/meter_event_session", (context) => {
    context.parse(ZSession);
    const now = Date.now();
    const byToken = sessions();
    for (const [token, old] of Object.entries(byToken)) if (Date.parse(old.expires_at) <= now) delete byToken[token];
    const session: Stripe.V2.Billing.MeterEventSession = {
      id: newId("mtres_test"),
      object: "v2.billing.meter_event_session",
      authentication_token: newId("ek_test", 48),
      created: new Date(now).toISOString(),
      expires_at: new Date(now + SESSION_SECONDS * 1_000).toISOString(),
      livemode: false,
    };
    byToken[session.authentication_token] = session;
    return session;
  });

  router.add("POST", "/v2/billing/meter_event_stream", (context) => {
    requireSession(context, sessions());
    // Refused whole, before anything is parsed or queued, past the account's events per second.
    const admit = requireMeterEventStreamCapacity(context);
    const { events } = context.parse(ZStream);
    admit();
    const receivedAt = Date.now();
    processLater(emulator, () => {
      const problems: TMeterEventProblem[] = [];
      for (const event of events) {
        const checked = checkMeterEvent(emulator, toInput(event));
        if (checked.ok) emulator.store.addMeterEvent(checked.record);
        else problems.push(checked.problem);
      }
      reportMeterEventProblems(emulator, problems, receivedAt);
    });
    return {};
  });

  router.add("POST", "/v2/billing/meter_events", (context) => {
    requireMeterEventCapacity(context);
    const params = context.parse(ZEvent);
    const checked = checkMeterEvent(emulator, toInput(params));
    if (checked.ok) {
      emulator.store.addMeterEvent(checked.record);
      return toV2MeterEvent(checked.record);
    }
    const code = SYNC_CODES[checked.problem.rule];
    if (code) throw new StripeError(400, "invalid_request_error", checked.problem.message, { code });
    // Accepted, then found wrong: the event is not recorded and the problem is reported.
    const receivedAt = Date.now();
    const { problem } = checked;
    processLater(emulator, () => reportMeterEventProblems(emulator, [problem], receivedAt));
    const now = emulator.now(problem.meter ? params.payload[problem.meter.customer_mapping.event_payload_key] : null);
    return toV2MeterEvent({ ...params, identifier: problem.identifier, timestamp: params.timestamp ? toUnix(params.timestamp) : now, created: now });
  });

  router.add("POST", "/v2/billing/meter_event_adjustments", (context) => {
    const params = context.parse(ZAdjust);
    if (!params.cancel) {
      throw new StripeError(400, "invalid_request_error", "An adjustment of type cancel needs cancel.identifier.", { code: "invalid_cancel_configuration" });
    }
    const { identifier } = params.cancel;
    const checked = checkMeterEventCancel(emulator, params.event_name, identifier);
    if (!checked.ok) throw new StripeError(400, "invalid_request_error", checked.message);
    const now = emulator.now(checked.record.customer);
    emulator.store.cancelMeterEvent(identifier, now);
    const adjustment: Stripe.V2.Billing.MeterEventAdjustment = {
      id: newId("mtradj_test"),
      object: "v2.billing.meter_event_adjustment",
      cancel: { identifier },
      created: toIso(now),
      event_name: params.event_name,
      livemode: false,
      status: "pending",
      type: "cancel",
    };
    return adjustment;
  });
}

/** The stream takes the session's token, not the secret key (the core leaves this path to us). */
function requireSession(context: TRequestContext, sessions: TSessions): void {
  const header = context.headers.authorization;
  const token = (Array.isArray(header) ? header[0] : header)?.replace(/^Bearer\s+/i, "").trim() ?? "";
  if (!token) {
    throw new StripeError(401, "invalid_request_error", "You did not provide an authentication token. Create a meter event session and use its authentication_token.");
  }
  const session = sessions[token];
  if (!session) throw new StripeError(401, "invalid_request_error", "Invalid authentication token provided for the meter event stream.");
  if (Date.parse(session.expires_at) <= Date.now()) {
    throw new StripeError(401, "temporary_session_expired", "The meter event session has expired. Create a new meter event session.", {
      code: "billing_meter_event_session_expired",
    });
  }
}

function toInput(event: z.output<typeof ZEvent>): TMeterEventInput {
  return { ...event, timestamp: event.timestamp === undefined ? undefined : toUnix(event.timestamp) };
}

function toV2MeterEvent(event: { event_name: string; identifier: string; payload: Record<string, string>; timestamp: number; created: number }): Stripe.V2.Billing.MeterEvent {
  return {
    object: "v2.billing.meter_event",
    created: toIso(event.created),
    event_name: event.event_name,
    identifier: event.identifier,
    livemode: false,
    payload: event.payload,
    timestamp: toIso(event.timestamp),
  };
}

const toUnix = (iso: string): number => Math.floor(Date.parse(iso) / 1_000);
const toIso = (unix: number): string => new Date(unix * 1_000).toISOString();
