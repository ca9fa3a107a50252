// A meter's aggregate for one customer over [start, end): the number Stripe's summaries and
// invoices use (SEMANTICS.md §1.5, §4.3, §7.1). Cancelled events never count.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { Store, TMeterEventRecord } from "../core/store";

/** The events that count: inside the range, not cancelled, and with an event time window only
 * the newest event of each window (a later event replaces an earlier one). */
export function countedEvents(store: Store, meter: Stripe.Billing.Meter, customerId: string, start: number, end: number): TMeterEventRecord[] {
  const inRange = store
    .meterEventsFor(meter.id, customerId)
    .filter((event) => event.cancelled_at === null && event.timestamp >= start && event.timestamp < end);
  const window = meter.event_time_window;
  if (!window) return inRange;
  const windowSeconds = window === "day" ? 86_400 : 3_600;
  const newest = new Map<number, TMeterEventRecord>();
  for (const event of inRange) {
    const bucket = Math.floor(event.timestamp / windowSeconds);
    const current = newest.get(bucket);
    if (!current || event.timestamp >= current.timestamp) newest.set(bucket, event);
  }
  return [...newest.values()];
}

export function aggregateMeterUsage(store: Store, meter: Stripe.Billing.Meter, customerId: string, start: number, end: number): Decimal {
  return applyFormula(meter.default_aggregation.formula, countedEvents(store, meter, customerId, start, end));
}

/** The meter's formula over events that count: sum of values, how many, or the newest value. */
export function applyFormula(formula: Stripe.Billing.Meter.DefaultAggregation.Formula, events: readonly TMeterEventRecord[]): Decimal {
  switch (formula) {
    case "count":
      return new Decimal(events.length);
    case "last": {
      let last: TMeterEventRecord | undefined;
      for (const event of events) if (!last || event.timestamp >= last.timestamp) last = event;
      return new Decimal(last?.value ?? 0);
    }
    default:
      return events.reduce((total, event) => total.plus(event.value), new Decimal(0));
  }
}
