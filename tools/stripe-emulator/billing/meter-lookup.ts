// Finding meters: by id (404 like Stripe) and by the event name their meter events carry.
import type Stripe from "stripe";
import { resourceMissing } from "../core/errors";
import type { Store } from "../core/store";

export function getMeter(store: Store, id: string): Stripe.Billing.Meter {
  const meter = store.get("meters", id);
  if (!meter) throw resourceMissing("meter", id);
  return meter;
}

/** The meter an event name belongs to, active or not (an event name has one meter). */
export function findMeterByEventName(store: Store, eventName: string): Stripe.Billing.Meter | undefined {
  for (const meter of Object.values(store.state.meters)) if (meter.event_name === eventName) return meter;
  return undefined;
}
