// A new subscription (SEMANTICS.md §6, §7.1): every item starts its first period now; the first
// invoice (`billing_reason: subscription_create`) charges the licensed items for that period (and
// takes the customer's pending invoice items), and is finalized and paid in the same request.
// Metered items accrue from now and are billed at the period end.
//
// `billing_cycle_anchor` in the future shortens the first period to end at the anchor; its
// licensed charge is then prorated (none with `proration_behavior=none`).
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { invalidRequest } from "../core/errors";
import { newId } from "../core/ids";
import type { TCharge } from "./invoice-builder";
import { createInvoice, finalizeAndCollect, type TRequestRef } from "./invoice-lifecycle";
import { addIntervals } from "./periods";
import { checkItemSet, checkQuantity, type TProrationBehavior } from "./subscription-changes";
import { chargesOfInvoiceItems, creationCharges, pendingInvoiceItems } from "./subscription-charges";
import { currentPeriod, newSubscriptionItem, saveAttachments, type TAttachments } from "./subscription-objects";

export type TNewSubscription = {
  customer: Stripe.Customer;
  items: { price: Stripe.Price; quantity?: number; metadata?: Record<string, string> }[];
  billingCycleAnchor?: number;
  prorationBehavior: TProrationBehavior;
  cancelAtPeriodEnd: boolean;
  metadata: Record<string, string>;
  collectionMethod: "charge_automatically" | "send_invoice";
  daysUntilDue: number | null;
  description: string | null;
  billingMode: "classic" | "flexible";
};

/** The subscription object, not stored (create_preview builds one too). */
export function buildSubscription(input: TNewSubscription, now: number): { subscription: Stripe.Subscription; attachments: TAttachments } {
  const first = input.items[0];
  if (!first?.price.recurring) throw invalidRequest("Missing required param: items.", { param: "items", code: "parameter_missing" });
  input.items.forEach((item, index) => checkQuantity(item.price, item.quantity, `items[${index}]`));
  checkItemSet(input.items.map((item, index) => ({ price: item.price, param: `items[${index}][price]` })));
  const recurring = first.price.recurring;
  const anchor = input.billingCycleAnchor ?? now;
  const naturalEnd = addIntervals(now, recurring, 1);
  if (anchor < now) throw invalidRequest("billing_cycle_anchor cannot be in the past.", { param: "billing_cycle_anchor" });
  if (anchor > naturalEnd) {
    throw invalidRequest(`billing_cycle_anchor cannot be later than the next natural billing date (${naturalEnd}) for the subscription.`, {
      param: "billing_cycle_anchor",
    });
  }
  const periodEnd = anchor > now ? anchor : naturalEnd;
  const id = newId("sub");
  const attachments: TAttachments = {};
  const items = input.items.map((item) => {
    const created = newSubscriptionItem({
      subscriptionId: id,
      price: item.price,
      quantity: item.quantity,
      metadata: item.metadata ?? {},
      at: now,
      periodStart: now,
      periodEnd,
    });
    attachments[created.id] = now;
    return created;
  });
  const clock = input.customer.test_clock;
  const subscription: Stripe.Subscription = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: anchor,
    billing_cycle_anchor_config: null,
    billing_mode:
      input.billingMode === "flexible"
        ? { type: "flexible", flexible: { proration_discounts: "included" }, updated_at: now }
        : { type: "classic", flexible: null },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: input.cancelAtPeriodEnd ? periodEnd : null,
    cancel_at_period_end: input.cancelAtPeriodEnd,
    canceled_at: input.cancelAtPeriodEnd ? now : null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: input.cancelAtPeriodEnd ? "cancellation_requested" : null },
    collection_method: input.collectionMethod,
    created: now,
    currency: first.price.currency,
    customer: input.customer.id,
    customer_account: null,
    days_until_due: input.collectionMethod === "send_invoice" ? input.daysUntilDue : null,
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, custom_fields: null, description: null, footer: null, issuer: { type: "self" } },
    items: { object: "list", data: items, has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: { payment_method_options: null, payment_method_types: null, save_default_payment_method: "off" },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: "active",
    test_clock: typeof clock === "string" ? clock : (clock?.id ?? null),
    transfer_data: null,
    trial_end: null,
    trial_settings: { end_behavior: { billing_cycle_anchor: null, missing_payment_method: "create_invoice" } },
    trial_start: null,
  };
  return { subscription, attachments };
}

/** The first invoice's lines: pending invoice items, then the first period's licensed charges. */
export function firstInvoiceCharges(emulator: TEmulator, subscription: Stripe.Subscription, input: TNewSubscription): TCharge[] {
  const pending = pendingInvoiceItems(emulator.store, input.customer.id, null);
  return [...chargesOfInvoiceItems(emulator.store, pending), ...creationCharges(emulator.store, subscription, input.prorationBehavior !== "none")];
}

export function createSubscription(emulator: TEmulator, input: TNewSubscription, request: TRequestRef): Stripe.Subscription {
  if (input.collectionMethod === "send_invoice" && input.daysUntilDue === null) {
    throw invalidRequest("Missing required param: days_until_due.", { param: "days_until_due", code: "parameter_missing" });
  }
  const now = emulator.now(input.customer.id);
  const { subscription, attachments } = buildSubscription(input, now);
  adoptCurrency(emulator, input.customer, subscription.currency, request);
  const invoiceId = newId("in");
  subscription.latest_invoice = invoiceId;
  saveAttachments(emulator.store, attachments);
  emulator.store.put("subscriptions", subscription);
  emulator.emit("customer.subscription.created", subscription, { customerId: input.customer.id, request });

  const { start } = currentPeriod(subscription);
  const invoice = createInvoice(
    emulator,
    {
      id: invoiceId,
      customer: input.customer,
      subscription,
      billingReason: "subscription_create",
      at: now,
      periodStart: start,
      periodEnd: start,
      currency: subscription.currency,
      charges: firstInvoiceCharges(emulator, subscription, input),
      autoAdvance: false,
    },
    request,
  );
  finalizeAndCollect(emulator, invoice, now, request);
  emulator.store.put("subscriptions", subscription);
  return subscription;
}

/** A customer bills in one currency, set by its first subscription (Stripe refuses a second one). */
function adoptCurrency(emulator: TEmulator, customer: Stripe.Customer, currency: string, request: TRequestRef): void {
  if (customer.currency && customer.currency !== currency) {
    throw invalidRequest(
      `You cannot combine currencies on a single customer. This customer has had a subscription or invoice item with currency ${customer.currency}.`,
      { param: "items[0][price]" },
    );
  }
  if (customer.currency) return;
  customer.currency = currency;
  emulator.store.put("customers", customer);
  emulator.emit("customer.updated", customer, { customerId: customer.id, request, previousAttributes: { currency: null } });
}
