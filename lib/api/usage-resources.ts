// The ingestion API's response bodies (POST /events, GET /customers/{id}/usage): one zod schema
// each, documented in the OpenAPI document, and the serializer that builds it from the service's
// result. Decimals are strings; instants RFC 3339 (UTC).
import { z } from "zod";
import type { TCustomerUsage } from "@/lib/metering/get-customer-usage";
import type { TRecordedEvent } from "@/lib/metering/record-usage-events";
import { wireTime } from "./wire";

const zTime = z.iso.datetime({ offset: true });
const zDecimalString = z.string().regex(/^-?\d+(\.\d+)?$/).meta({ description: "An exact decimal, as a string." });
const zEventId = z.string().regex(/^\d+$/).meta({ description: "Tally's id of the stored event." });

export const ZApiUsageEvent = z.strictObject({
  object: z.literal("usage_event"),
  id: zEventId,
  idempotency_key: z.string(),
  customer: z.string(),
  meter: z.string(),
  value: zDecimalString,
  timestamp: zTime,
  received_at: zTime,
  duplicate: z.boolean().meta({ description: "true: this key was recorded before (with this payload); nothing new was written." }),
  late: z.boolean().meta({ description: "The timestamp is before the customer's current billing period: billed by the late-event policy." }),
});

export function serializeUsageEvent(event: TRecordedEvent): z.input<typeof ZApiUsageEvent> {
  return {
    object: "usage_event",
    id: event.id,
    idempotency_key: event.idempotencyKey,
    customer: event.customer,
    meter: event.meter,
    value: event.quantity,
    timestamp: wireTime(event.occurredAt),
    received_at: wireTime(event.receivedAt),
    duplicate: event.duplicate,
    late: event.late,
  };
}

export const ZApiUsageEventBatch = z.strictObject({
  object: z.literal("list"),
  data: z.array(
    z.strictObject({
      index: z.int().min(0),
      id: zEventId,
      idempotency_key: z.string(),
      customer: z.string(),
      status: z.enum(["created", "duplicate"]),
      late: z.boolean(),
    }),
  ),
  created: z.int().min(0),
  duplicates: z.int().min(0),
});

export function serializeUsageEventBatch(events: readonly TRecordedEvent[]): z.input<typeof ZApiUsageEventBatch> {
  const duplicates = events.filter((event) => event.duplicate).length;
  return {
    object: "list",
    data: events.map((event, index) => ({
      index,
      id: event.id,
      idempotency_key: event.idempotencyKey,
      customer: event.customer,
      status: event.duplicate ? "duplicate" : "created",
      late: event.late,
    })),
    created: events.length - duplicates,
    duplicates,
  };
}

export const ZApiCustomerUsage = z.strictObject({
  object: z.literal("customer_usage"),
  customer: z.string().meta({ description: "The customer's external id." }),
  customer_id: z.uuid(),
  as_of: zTime,
  period: z.strictObject({ start: zTime, end: zTime.meta({ description: "Excluded: the period is [start, end)." }) }),
  plan: z.strictObject({ name: z.string(), version: z.int() }).nullable(),
  meters: z.array(
    z.strictObject({
      meter: z.string(),
      display_name: z.string(),
      unit_label: z.string(),
      aggregation: z.enum(["SUM", "COUNT", "MAX", "LAST"]),
      usage: zDecimalString,
      event_count: z.int().min(0),
      included: zDecimalString.nullable().meta({ description: "The plan's included quantity; null when the plan has no charge for this meter." }),
      percent_used: z.number().nullable(),
      projected_usage: zDecimalString.meta({ description: "Usage at the period end at the pace so far (sum and count meters)." }),
      remaining: zDecimalString.nullable(),
      over_quota: z.boolean(),
    }),
  ),
});

export function serializeCustomerUsage(usage: TCustomerUsage): z.input<typeof ZApiCustomerUsage> {
  return {
    object: "customer_usage",
    customer: usage.externalId,
    customer_id: usage.customerId,
    as_of: wireTime(usage.asOf),
    period: { start: wireTime(usage.period.periodStart), end: wireTime(usage.period.periodEnd) },
    plan: usage.plan,
    meters: usage.meters.map((meter) => ({
      meter: meter.eventName,
      display_name: meter.displayName,
      unit_label: meter.unitLabel,
      aggregation: meter.aggregation,
      usage: meter.usage,
      event_count: meter.eventCount,
      included: meter.included,
      percent_used: meter.percentUsed,
      projected_usage: meter.projectedUsage,
      remaining: meter.remaining,
      over_quota: meter.overQuota,
    })),
  };
}
