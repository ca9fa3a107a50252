// Billing meters (SEMANTICS.md §1) and their event summaries (§4):
//   POST /v1/billing/meters                        create (event_name unique among meters)
//   GET  /v1/billing/meters                        list (status filter)
//   GET  /v1/billing/meters/:id                    retrieve
//   POST /v1/billing/meters/:id                    update (display_name only)
//   POST /v1/billing/meters/:id/deactivate         stop accepting events
//   POST /v1/billing/meters/:id/reactivate         accept events again
//   GET  /v1/billing/meters/:id/event_summaries    a customer's aggregate, whole range or per hour/day
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import { z } from "zod";
import { findMeterByEventName, getMeter } from "../billing/meter-lookup";
import { applyFormula, countedEvents } from "../billing/usage";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest, previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { zExpand, zListParams, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import type { TMeterEventRecord } from "../core/store";

const ZCreate = z.strictObject({
  display_name: zStr(250).min(1, "must not be empty"),
  event_name: zStr(100).min(1, "must not be empty"),
  default_aggregation: z.strictObject({ formula: z.enum(["count", "last", "sum"]) }),
  customer_mapping: z.strictObject({ event_payload_key: zStr(100).min(1, "must not be empty"), type: z.literal("by_id") }).optional(),
  value_settings: z.strictObject({ event_payload_key: zStr(100).min(1, "must not be empty") }).optional(),
  event_time_window: z.enum(["day", "hour"]).optional(),
  expand: zExpand,
});
const ZUpdate = z.strictObject({ display_name: zStr(250).min(1, "must not be empty").optional(), expand: zExpand });
const ZList = z.strictObject({ ...zListParams, status: z.enum(["active", "inactive"]).optional() });
const ZRetrieve = z.strictObject({ expand: zExpand });
const ZSummaries = z.strictObject({
  ...zListParams,
  customer: z.string(),
  start_time: zTimestamp,
  end_time: zTimestamp,
  value_grouping_window: z.enum(["day", "hour"]).optional(),
});

const WINDOW_SECONDS = { minute: 60, hour: 3_600, day: 86_400 } as const;
const ALIGNMENT = { minute: "minute boundaries", hour: "hour boundaries", day: "UTC day boundaries (00:00 UTC)" } as const;

export function registerMeters(router: Router, emulator: TEmulator): void {
  const { store } = emulator;

  router.add("POST", "/v1/billing/meters", (context) => {
    const params = context.parse(ZCreate);
    const existing = findMeterByEventName(store, params.event_name);
    if (existing) {
      throw invalidRequest(`A meter with event_name '${params.event_name}' already exists (${existing.id}). An event name can belong to only one meter.`, {
        param: "event_name",
      });
    }
    const now = emulator.now();
    const meter: Stripe.Billing.Meter = {
      id: newId("mtr_test"),
      object: "billing.meter",
      created: now,
      customer_mapping: { event_payload_key: params.customer_mapping?.event_payload_key ?? "stripe_customer_id", type: "by_id" },
      default_aggregation: { formula: params.default_aggregation.formula },
      display_name: params.display_name,
      event_name: params.event_name,
      event_time_window: params.event_time_window ?? null,
      livemode: false,
      status: "active",
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: { event_payload_key: params.value_settings?.event_payload_key ?? "value" },
    };
    store.put("meters", meter);
    emitFromRequest(context, "billing.meter.created", meter);
    return meter;
  });

  router.add("GET", "/v1/billing/meters", (context) => {
    const params = context.parse(ZList);
    const meters = store.list("meters").filter((meter) => !params.status || meter.status === params.status);
    return paginate(meters, params, context.listUrl);
  });

  router.add("GET", "/v1/billing/meters/:id", (context) => {
    context.parse(ZRetrieve);
    return getMeter(store, context.params.id ?? "");
  });

  router.add("POST", "/v1/billing/meters/:id", (context) => {
    const params = context.parse(ZUpdate);
    const before = getMeter(store, context.params.id ?? "");
    if (params.display_name === undefined || params.display_name === before.display_name) return before;
    return changeMeter(context, before, "billing.meter.updated", { display_name: params.display_name });
  });

  router.add("POST", "/v1/billing/meters/:id/deactivate", (context) => {
    context.parse(ZRetrieve);
    const meter = getMeter(store, context.params.id ?? "");
    if (meter.status === "inactive") throw invalidRequest(`The meter ${meter.id} is already inactive.`);
    return changeMeter(context, meter, "billing.meter.deactivated", { status: "inactive", status_transitions: { deactivated_at: emulator.now() } });
  });

  router.add("POST", "/v1/billing/meters/:id/reactivate", (context) => {
    context.parse(ZRetrieve);
    const meter = getMeter(store, context.params.id ?? "");
    if (meter.status === "active") throw invalidRequest(`The meter ${meter.id} is already active.`);
    return changeMeter(context, meter, "billing.meter.reactivated", { status: "active", status_transitions: { deactivated_at: null } });
  });

  router.add("GET", "/v1/billing/meters/:id/event_summaries", (context) => {
    const params = context.parse(ZSummaries);
    const meter = getMeter(store, context.params.id ?? "");
    if (!store.get("customers", params.customer)) throw resourceMissing("customer", params.customer, "customer");
    const grouping = params.value_grouping_window ?? "minute";
    for (const param of ["start_time", "end_time"] as const) {
      if (params[param] % WINDOW_SECONDS[grouping] !== 0) {
        throw invalidRequest(`${param} must be aligned with ${ALIGNMENT[grouping]}${params.value_grouping_window ? ` when value_grouping_window is ${params.value_grouping_window}` : ""}.`, { param });
      }
    }
    if (params.start_time >= params.end_time) throw invalidRequest("start_time must be earlier than end_time.", { param: "start_time" });
    const step = params.value_grouping_window ? WINDOW_SECONDS[params.value_grouping_window] : params.end_time - params.start_time;
    return paginate(summarize(meter, params.customer, params.start_time, params.end_time, step).reverse(), params, context.listUrl);
  });

  /** Applies `changes`, bumps `updated` and emits the event with what changed. */
  function changeMeter(context: TRequestContext, before: Stripe.Billing.Meter, type: string, changes: Partial<Stripe.Billing.Meter>) {
    const after: Stripe.Billing.Meter = { ...before, ...changes, updated: emulator.now() };
    store.put("meters", after);
    emitFromRequest(context, type, after, { previousAttributes: previousAttributes(before, after) });
    return after;
  }

  /** One summary per `step` seconds from start to end, oldest first; events cancelled never count. */
  function summarize(meter: Stripe.Billing.Meter, customer: string, start: number, end: number, step: number): Stripe.Billing.MeterEventSummary[] {
    const buckets = new Map<number, TMeterEventRecord[]>();
    for (const event of countedEvents(store, meter, customer, start, end)) {
      const index = Math.floor((event.timestamp - start) / step);
      const bucket = buckets.get(index);
      if (bucket) bucket.push(event);
      else buckets.set(index, [event]);
    }
    const summaries: Stripe.Billing.MeterEventSummary[] = [];
    for (let bucketStart = start, index = 0; bucketStart < end; bucketStart += step, index += 1) {
      const bucketEnd = Math.min(bucketStart + step, end);
      const inBucket = buckets.get(index) ?? [];
      summaries.push({
        id: summaryId(meter.id, customer, bucketStart, bucketEnd),
        object: "billing.meter_event_summary",
        aggregated_value: applyFormula(meter.default_aggregation.formula, inBucket).toNumber(),
        end_time: bucketEnd,
        livemode: false,
        meter: meter.id,
        start_time: bucketStart,
      });
    }
    return summaries;
  }
}

/** Stable per bucket, so `starting_after` finds it again on the next page. */
function summaryId(meterId: string, customer: string, start: number, end: number): string {
  const digest = createHash("sha256").update(`${meterId}|${customer}|${start}|${end}`).digest("base64url").replace(/[-_]/g, "");
  return `mtrusg_test_${digest.slice(0, 24)}`;
}
