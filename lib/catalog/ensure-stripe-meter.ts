// Converges a Tally meter's Stripe meter: creates it once (idempotency key `meter:<id>:create`,
// adopting an existing meter with the same event name when the key has expired after a crash),
// stores `stripeMeterId`, and pushes display-name changes (the only field Stripe lets a meter change).
//
// Stripe meters map events to customers by Stripe customer id (payload key `stripe_customer_id`)
// and read the value from `value`: the reporter sends `{ stripe_customer_id, value }`.
import type Stripe from "stripe";
import { db as defaultDb, type MeterAggregation, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { MAX_AGGREGATION_REFUSAL } from "@/lib/catalog/schemas";
import { getStripe } from "@/lib/stripe/client";
import { METER_CUSTOMER_PAYLOAD_KEY, METER_VALUE_PAYLOAD_KEY } from "@/lib/stripe/meter-payload";

/**
 * Tally's aggregation → Stripe's formula. COUNT meters are `sum` in Stripe: the reporter sends one
 * meter event per window carrying the window's count (Stripe's `count` would count that as 1).
 * MAX has none (see MAX_AGGREGATION_REFUSAL).
 */
export function toStripeMeterFormula(aggregation: MeterAggregation): "sum" | "last" {
  switch (aggregation) {
    case "SUM":
    case "COUNT":
      return "sum";
    case "LAST":
      return "last";
    case "MAX":
      throw new AppError("unprocessable", MAX_AGGREGATION_REFUSAL, { errors: [{ pointer: "/aggregation", detail: MAX_AGGREGATION_REFUSAL }] });
  }
}

async function findStripeMeterByEventName(stripe: Stripe, eventName: string): Promise<Stripe.Billing.Meter | undefined> {
  for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
    if (meter.event_name === eventName) return meter;
  }
  return undefined;
}

/** Returns the Stripe meter id, creating or updating the Stripe meter when needed. */
export async function ensureStripeMeter(meterId: string, db: TDb = defaultDb): Promise<string> {
  const stripe = getStripe();
  const meter = await db.meter.findUnique({ where: { id: meterId } });
  if (!meter) throw new AppError("not_found", "No such meter.");

  if (meter.stripeMeterId) {
    const current = await stripe.billing.meters.retrieve(meter.stripeMeterId);
    if (current.display_name !== meter.displayName) {
      // Keyed by the local version of the meter: a retry of this push replays, a later rename is a new call.
      await stripe.billing.meters.update(
        meter.stripeMeterId,
        { display_name: meter.displayName },
        { idempotencyKey: `meter:${meter.id}:update:${meter.updatedAt.getTime()}` },
      );
    }
    return meter.stripeMeterId;
  }

  const params: Stripe.Billing.MeterCreateParams = {
    event_name: meter.eventName,
    display_name: meter.displayName,
    default_aggregation: { formula: toStripeMeterFormula(meter.aggregation) },
    customer_mapping: { type: "by_id", event_payload_key: METER_CUSTOMER_PAYLOAD_KEY },
    value_settings: { event_payload_key: METER_VALUE_PAYLOAD_KEY },
  };
  let stripeMeter: Stripe.Billing.Meter;
  try {
    stripeMeter = await stripe.billing.meters.create(params, { idempotencyKey: `meter:${meter.id}:create` });
  } catch (error) {
    // Created by an earlier attempt whose key Stripe has forgotten (after 24 h): adopt it.
    const existing = isEventNameTaken(error) ? await findStripeMeterByEventName(stripe, meter.eventName) : undefined;
    if (!existing) throw error;
    if (existing.default_aggregation.formula !== params.default_aggregation.formula) {
      throw new AppError("conflict", `Stripe already has a meter for "${meter.eventName}" (${existing.id}) that aggregates by ${existing.default_aggregation.formula}.`);
    }
    stripeMeter = existing;
  }
  await db.meter.updateMany({ where: { id: meter.id, stripeMeterId: null }, data: { stripeMeterId: stripeMeter.id } });
  const stored = await db.meter.findUniqueOrThrow({ where: { id: meter.id }, select: { stripeMeterId: true } });
  return stored.stripeMeterId ?? stripeMeter.id;
}

function isEventNameTaken(error: unknown): boolean {
  return typeof error === "object" && error !== null && "param" in error && (error as { param?: string }).param === "event_name";
}
