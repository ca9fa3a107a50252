// Shared setup for the subscription, invoice and billing-cycle tests: a test-clock customer, a
// product with a licensed base price and metered prices on a meter, and helpers to advance the
// clock, send usage and read events — all through the official SDK.
import type Stripe from "stripe";
import type { TTestEmulator } from "./harness";

export const DAY = 86_400;
/** 2024-01-01T00:00:00Z; January has 31 days, so the first monthly period ends at FEB_1. */
export const JAN_1 = 1_704_067_200;
export const FEB_1 = JAN_1 + 31 * DAY;
export const MAR_1 = FEB_1 + 29 * DAY; // 2024 is a leap year
export const HOUR = 3_600;

/** SEMANTICS.md §5: 0–1000 at 0¢, 1001–10000 at 2¢, above at 1¢ (up_to inclusive). */
export const TIERS: Stripe.PriceCreateParams.Tier[] = [
  { up_to: 1000, unit_amount: 0 },
  { up_to: 10_000, unit_amount: 2 },
  { up_to: "inf", unit_amount: 1 },
];

export type TBillingSetup = {
  clock: Stripe.TestHelpers.TestClock;
  customer: Stripe.Customer;
  meter: Stripe.Billing.Meter;
  product: Stripe.Product;
  /** Licensed, $20.00 a month. */
  base: Stripe.Price;
  /** Licensed, $40.00 a month. */
  pro: Stripe.Price;
  /** Metered on `meter`, graduated TIERS. */
  graduated: Stripe.Price;
  /** Metered on `meter`, volume TIERS. */
  volume: Stripe.Price;
  /** Metered on `meter`, 2¢ per unit. */
  perUnit: Stripe.Price;
  /** Metered on `meter`, 5¢ per unit. */
  perUnitHigh: Stripe.Price;
};

let sequence = 0;

/** A clock frozen at `frozenTime`, a customer on it, and the catalog. */
export async function setUpBilling(e: TTestEmulator, frozenTime = JAN_1): Promise<TBillingSetup> {
  sequence += 1;
  const { stripe } = e;
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: frozenTime });
  const customer = await stripe.customers.create({ name: `Customer ${sequence}`, email: `c${sequence}@example.com`, test_clock: clock.id });
  const eventName = `api_calls_${sequence}`;
  const meter = await stripe.billing.meters.create({ display_name: "API calls", event_name: eventName, default_aggregation: { formula: "sum" } });
  const product = await stripe.products.create({ name: "Platform" });
  const recurring = (usage: "licensed" | "metered"): Stripe.PriceCreateParams.Recurring =>
    usage === "metered" ? { interval: "month", usage_type: "metered", meter: meter.id } : { interval: "month" };
  const price = (params: Omit<Stripe.PriceCreateParams, "currency" | "product">) => stripe.prices.create({ currency: "usd", product: product.id, ...params });
  return {
    clock,
    customer,
    meter,
    product,
    base: await price({ unit_amount: 2000, recurring: recurring("licensed") }),
    pro: await price({ unit_amount: 4000, recurring: recurring("licensed") }),
    graduated: await price({ billing_scheme: "tiered", tiers_mode: "graduated", tiers: TIERS, recurring: recurring("metered") }),
    volume: await price({ billing_scheme: "tiered", tiers_mode: "volume", tiers: TIERS, recurring: recurring("metered") }),
    perUnit: await price({ unit_amount: 2, recurring: recurring("metered") }),
    perUnitHigh: await price({ unit_amount: 5, recurring: recurring("metered") }),
  };
}

/** Records `value` units of usage for the setup's customer at `timestamp`, first advancing the
 * clock there when it is earlier (usage cannot come from the future). */
export async function sendUsage(e: TTestEmulator, setup: TBillingSetup, value: number, timestamp: number): Promise<void> {
  const clock = await e.stripe.testHelpers.testClocks.retrieve(setup.clock.id);
  if (clock.frozen_time < timestamp) await advanceTo(e, setup, timestamp);
  await e.stripe.billing.meterEvents.create({
    event_name: setup.meter.event_name,
    payload: { stripe_customer_id: setup.customer.id, value: String(value) },
    timestamp,
  });
}

/** Advances the setup's clock and waits (polling, short deadline) until it is ready again. */
export async function advanceTo(e: TTestEmulator, setup: TBillingSetup, frozenTime: number): Promise<void> {
  await e.stripe.testHelpers.testClocks.advance(setup.clock.id, { frozen_time: frozenTime });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const clock = await e.stripe.testHelpers.testClocks.retrieve(setup.clock.id);
    if (clock.status === "ready" && clock.frozen_time === frozenTime) return;
    if (clock.status === "internal_failure") throw new Error(`test clock ${clock.id} failed to advance`);
    if (Date.now() > deadline) throw new Error(`test clock ${clock.id} is still ${clock.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The types of the events about `objectId`, oldest first. */
export async function eventTypesFor(e: TTestEmulator, objectId: string): Promise<string[]> {
  return (await eventsFor(e, objectId)).map((event) => event.type);
}

/** The events about `objectId`, oldest first, read through `/v1/events` (so their payloads are
 * held to the contract too). */
export async function eventsFor(e: TTestEmulator, objectId: string): Promise<Stripe.Event[]> {
  const events = await e.stripe.events.list({ limit: 100 }).autoPagingToArray({ limit: 10_000 });
  return events.filter((event) => (event.data.object as { id?: string }).id === objectId).reverse();
}

/** The rejection of a call that must fail. */
export async function caught(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: Stripe.errors.StripeError) => error,
  );
}

/** A line's comparable content (no ids), for matching a preview against the invoice it predicted. */
export function lineContent(line: Stripe.InvoiceLineItem) {
  return {
    amount: line.amount,
    description: line.description,
    period: line.period,
    price: line.pricing?.price_details?.price,
    quantity: line.quantity,
    quantity_decimal: String(line.quantity_decimal),
    proration: line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration,
  };
}
