// The billing cycle (SEMANTICS.md §7, §8.3): everything that happens by itself when time passes.
// - At a subscription's period end: roll every item's period forward and create the
//   `subscription_cycle` invoice (metered usage for the period that ended, licensed items for the
//   new one, pending invoice items), as a draft that finalizes after the grace period
//   (`config.invoiceGraceSeconds`), then is paid (see invoice-lifecycle.ts).
// - At `cancel_at` (cancel at period end): the subscription ends, with a final invoice for its
//   metered usage and pending items, and customer.subscription.deleted.
// - At a draft's `automatically_finalizes_at`: finalize and collect it.
// Test-clock customers move when their clock advances, stepping through those moments in time
// order with the clock's frozen_time at each (so objects and events carry simulated times);
// everyone else moves with real time on the emulator's tick.
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { previousAttributes } from "../core/events";
import { createInvoice, finalizeAndCollect, invoiceCustomerId } from "./invoice-lifecycle";
import { nextBoundary } from "./periods";
import { chargesOfInvoiceItems, cycleCharges, pendingInvoiceItems } from "./subscription-charges";
import { currentPeriod, customerIdOf } from "./subscription-objects";

type TCustomerFilter = (customer: Stripe.Customer | undefined) => boolean;

export function registerBillingCycle(emulator: TEmulator): void {
  emulator.hooks.onClockAdvanced.push((clockId, from, to) => advanceClock(emulator, clockId, from, to));
  emulator.hooks.onTick.push((now) => runDue(emulator, now, (customer) => !customer?.test_clock));
}

function clockIdOf(customer: Stripe.Customer | undefined): string | null {
  const clock = customer?.test_clock;
  return typeof clock === "string" ? clock : (clock?.id ?? null);
}

function advanceClock(emulator: TEmulator, clockId: string, from: number, to: number): void {
  const onClock: TCustomerFilter = (customer) => clockIdOf(customer) === clockId;
  const clock = emulator.store.get("testClocks", clockId);
  runDue(emulator, to, onClock, (moment) => {
    if (clock) clock.frozen_time = Math.max(from, moment);
  });
  if (clock) clock.frozen_time = to;
}

/** Live subscriptions of the customers the filter selects, with their customer. */
function liveSubscriptions(emulator: TEmulator, filter: TCustomerFilter): { subscription: Stripe.Subscription; customer: Stripe.Customer }[] {
  const { store } = emulator;
  return Object.values(store.state.subscriptions).flatMap((subscription) => {
    const customer = store.get("customers", customerIdOf(subscription));
    return subscription.status !== "canceled" && customer && filter(customer) ? [{ subscription, customer }] : [];
  });
}

/** Drafts that finalize by themselves, of the customers the filter selects. */
function autoDrafts(emulator: TEmulator, filter: TCustomerFilter): (Stripe.Invoice & { automatically_finalizes_at: number })[] {
  const { store } = emulator;
  return Object.values(store.state.invoices).filter(
    (invoice): invoice is Stripe.Invoice & { automatically_finalizes_at: number } =>
      invoice.status === "draft" && Boolean(invoice.auto_advance) && invoice.automatically_finalizes_at !== null && filter(store.get("customers", invoiceCustomerId(invoice))),
  );
}

/** When a subscription next needs attention: its period end, or its cancel_at if sooner. */
function dueAt(subscription: Stripe.Subscription): number {
  const { end } = currentPeriod(subscription);
  return subscription.cancel_at !== null ? Math.min(end, subscription.cancel_at) : end;
}

/** The next time something is due for the customers the filter selects. */
function nextMoment(emulator: TEmulator, filter: TCustomerFilter): number | undefined {
  let next: number | undefined;
  for (const { subscription } of liveSubscriptions(emulator, filter)) next = Math.min(next ?? Infinity, dueAt(subscription));
  for (const invoice of autoDrafts(emulator, filter)) next = Math.min(next ?? Infinity, invoice.automatically_finalizes_at);
  return next;
}

/** Runs everything due up to `until`, one moment at a time, in time order. */
export function runDue(emulator: TEmulator, until: number, filter: TCustomerFilter, onMoment?: (moment: number) => void): void {
  for (let moment = nextMoment(emulator, filter); moment !== undefined && moment <= until; moment = nextMoment(emulator, filter)) {
    onMoment?.(moment);
    runMoment(emulator, moment, filter);
  }
}

function runMoment(emulator: TEmulator, moment: number, filter: TCustomerFilter): void {
  for (const { subscription, customer } of liveSubscriptions(emulator, filter)) {
    if (dueAt(subscription) > moment) continue;
    const { end } = currentPeriod(subscription);
    if (subscription.cancel_at !== null && subscription.cancel_at <= end) endSubscription(emulator, subscription, customer, subscription.cancel_at);
    else renewSubscription(emulator, subscription, customer, end);
  }
  for (const invoice of autoDrafts(emulator, filter)) {
    if (invoice.automatically_finalizes_at <= moment) finalizeAndCollect(emulator, invoice, invoice.automatically_finalizes_at);
  }
}

/** Period end: bill the period that ended (and the next one's licensed items), then roll forward. */
function renewSubscription(emulator: TEmulator, subscription: Stripe.Subscription, customer: Stripe.Customer, end: number): void {
  const { store } = emulator;
  const before = structuredClone(subscription);
  const { start } = currentPeriod(subscription);
  const recurring = subscription.items.data[0]?.price.recurring;
  const nextEnd = recurring ? nextBoundary(subscription.billing_cycle_anchor, recurring, end) : end;
  const pending = pendingInvoiceItems(store, customer.id, subscription.id);
  const charges = [...chargesOfInvoiceItems(store, pending), ...cycleCharges(store, subscription, nextEnd)];
  for (const item of subscription.items.data) {
    item.current_period_start = end;
    item.current_period_end = nextEnd;
  }
  createInvoice(emulator, {
    customer,
    subscription,
    billingReason: "subscription_cycle",
    at: end,
    periodStart: start,
    periodEnd: end,
    currency: subscription.currency,
    charges,
    autoAdvance: true,
  });
  store.put("subscriptions", subscription);
  emulator.emit("customer.subscription.updated", subscription, {
    customerId: customer.id,
    previousAttributes: previousAttributes(before, subscription),
  });
}

/** cancel_at reached: a final invoice for metered usage and pending items, then the end. */
function endSubscription(emulator: TEmulator, subscription: Stripe.Subscription, customer: Stripe.Customer, at: number): void {
  const { store } = emulator;
  const { start } = currentPeriod(subscription);
  const pending = pendingInvoiceItems(store, customer.id, subscription.id);
  const charges = [...chargesOfInvoiceItems(store, pending), ...cycleCharges(store, subscription, null)];
  if (charges.length > 0) {
    createInvoice(emulator, {
      customer,
      subscription,
      billingReason: "subscription_cycle",
      at,
      periodStart: start,
      periodEnd: at,
      currency: subscription.currency,
      charges,
      autoAdvance: true,
    });
  }
  subscription.status = "canceled";
  subscription.ended_at = at;
  store.put("subscriptions", subscription);
  emulator.emit("customer.subscription.deleted", subscription, { customerId: customer.id });
}
