// The reporter under test: real Postgres, the Stripe emulator through the official SDK. Passes are
// scoped to the test's own customers (other test files share the database) and run on a clock
// the test sets (Stripe's clock is the customers' test clock).
import type Stripe from "stripe";
import { db } from "@/lib/db";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import { getStripe } from "@/lib/stripe/client";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { runReporterPass, type TPassResult, type TReporterOptions } from "@/lib/stripe/reporter/run-reporter-pass";
import { MeterEventSender, type TSenderOptions } from "@/lib/stripe/reporter/send-report-lines";
import { adminContext, clockCustomer, meter, perUnitPlan } from "./catalog-helpers";
import { unique } from "./factories";

export const HOUR = 3_600;
export const DAY = 24 * HOUR;
export const at = (seconds: number) => new Date(seconds * 1000);

export function reporterOptions(customerIds: string[], now: () => Date, overrides: Partial<TReporterOptions> = {}): TReporterOptions {
  return {
    workerId: unique("test-worker"),
    windowSeconds: 3_600,
    maxEvents: 10_000,
    invoiceGraceSeconds: 3_600,
    leaseSeconds: 60,
    identifierMemoryMs: 23 * 3_600_000,
    now,
    customerIds,
    ...overrides,
  };
}

export const testSender = (overrides: Partial<TSenderOptions> = {}) => new MeterEventSender({ api: "v1", perSecond: 5_000, concurrency: 8, ...overrides });

/** Passes until one claims nothing and leases nothing; returns every pass's result. */
export async function drain(sender: MeterEventSender, options: TReporterOptions, maxPasses = 50): Promise<TPassResult[]> {
  const results: TPassResult[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const result = await runReporterPass(sender, options);
    results.push(result);
    if (result.claimedEvents === 0 && result.leased === 0) return results;
  }
  throw new Error(`The reporter did not settle in ${maxPasses} passes: ${JSON.stringify(results.at(-1))}`);
}

export type TEventSpec = { meter: string; value: string | number; at: Date; key?: string };

/** Records events through the ingestion service, as of `now`. */
export async function recordEvents(customerExternalId: string, events: TEventSpec[], now: Date) {
  const inputs = events.map((event) => ({
    customer: customerExternalId,
    meter: event.meter,
    value: String(event.value),
    timestamp: event.at.toISOString(),
    idempotency_key: event.key ?? unique("evt"),
  }));
  for (let start = 0; start < inputs.length; start += 1000) {
    await recordUsageEvents(inputs.slice(start, start + 1000), { pointer: (index) => `/events/${index}`, now });
  }
}

/** Stripe's meter total for a customer over [from, to) (whole minutes). */
export async function stripeTotal(stripeMeterId: string, stripeCustomerId: string, from: Date, to: Date): Promise<number> {
  const summaries = await getStripe().billing.meters.listEventSummaries(stripeMeterId, {
    customer: stripeCustomerId,
    start_time: Math.floor(from.getTime() / 1000),
    end_time: Math.floor(to.getTime() / 1000),
  });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}

/** Raw events of a customer and meter, summed exactly by Postgres. */
export async function rawTotal(customerId: string, meterId: string): Promise<string> {
  const rows = await db.$queryRaw<{ total: string | null }[]>`
    SELECT sum(quantity)::text AS total FROM usage_events WHERE customer_id = ${customerId}::uuid AND meter_id = ${meterId}::uuid`;
  return rows[0]?.total ?? "0";
}

/** The customer's `subscription_cycle` invoice for the period ending at `periodEnd`. */
export async function cycleInvoice(stripeCustomerId: string, periodEnd: number): Promise<Stripe.Invoice | undefined> {
  const invoices = await getStripe().invoices.list({ customer: stripeCustomerId, limit: 100 });
  return invoices.data.find((invoice) => invoice.billing_reason === "subscription_cycle" && invoice.period_end === periodEnd);
}

/** The quantity of an invoice's metered line for a price. */
export function meteredQuantity(invoice: Stripe.Invoice, stripePriceId: string): number | null | undefined {
  return invoice.lines.data.find((line) => line.pricing?.price_details?.price === stripePriceId)?.quantity;
}

/**
 * A customer on a fresh test clock (January 1st), subscribed to a per-unit plan charging
 * `meterCount` new meters (the second one a COUNT meter).
 */
export async function subscribedCustomer(meterCount = 2) {
  const context = await adminContext();
  const meters = [];
  for (let index = 0; index < meterCount; index++) meters.push(await meter(context, { aggregation: index === 1 ? "COUNT" : "SUM" }));
  const version = await perUnitPlan(context, meters.map((m) => m.id), 1000, "1");
  const { clock, customer } = await clockCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: version.id }, context);
  const priceOf = (meterId: string) => version.charges.find((charge) => charge.meterId === meterId)?.stripePriceId ?? "";
  return { context, meters, version, clock, customer, subscription, priceOf };
}

export type TEmulatorFault = {
  path: string;
  action: "error" | "delay" | "drop";
  /** Aims the fault at calls whose raw body contains this (a customer id, a meter's event name). */
  body_contains: string;
  count?: number;
  status?: number;
  error_type?: "api_error" | "invalid_request_error";
  error_code?: string;
  message?: string;
  delay_ms?: number;
};

/**
 * Injects a fault into the one emulator every integration test file shares. Faults are global
 * there, so each is aimed (`body_contains`) at this test's own customer or meter.
 */
export async function injectFault(fault: TEmulatorFault): Promise<{ id: string; remove: () => Promise<void> }> {
  const response = await fetch(`${process.env.STRIPE_API_URL}/_emulator/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`The emulator refused the fault: ${response.status} ${await response.text()}`);
  const { id } = (await response.json()) as { id: string };
  return { id, remove: async () => void (await fetch(`${process.env.STRIPE_API_URL}/_emulator/faults/${id}`, { method: "DELETE" })) };
}
