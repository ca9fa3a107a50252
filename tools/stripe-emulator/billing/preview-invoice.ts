// POST /v1/invoices/create_preview (SEMANTICS.md §7.5): the invoice a subscription will produce,
// built by the same code as the real one (subscription-charges.ts) from a copy of the state, so
// nothing is stored. Its id starts with `upcoming_in_` (stripe@23 Invoice.id) and it is not listed
// or retrievable; its lines stay pageable through /v1/invoices/:id/lines for a while.
//
// - a subscription (or, with only a customer, the customer's subscription that renews first): the
//   invoice at its period end (`billing_reason: upcoming`) with the usage so far, pending invoice
//   items, and the prorations `subscription_details` would create;
//   with `proration_behavior=always_invoice` and prorations: the invoice the change creates now;
// - no subscription but `subscription_details.items`: the first invoice of a new subscription.
// Billing credits in force when the previewed invoice is made apply to it (credit-grants.ts).
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { StripeError } from "../core/errors";
import { newId } from "../core/ids";
import { applyCreditGrants } from "./credit-grants";
import { buildSubscription, firstInvoiceCharges, type TNewSubscription } from "./create-subscription";
import { buildLine, newInvoice, type TCharge } from "./invoice-builder";
import { nextBoundary } from "./periods";
import { applyItemChanges, type TItemChange, type TProrationBehavior } from "./subscription-changes";
import { chargesOfInvoiceItems, cycleCharges, pendingInvoiceItems } from "./subscription-charges";
import { currentPeriod, customerIdOf } from "./subscription-objects";
import { checkProrationDate } from "./update-subscription";

export type TPreviewInput = {
  customer: Stripe.Customer | undefined;
  subscription: Stripe.Subscription | undefined;
  changes: TItemChange[];
  /** Items of a subscription to create (no `subscription` given). */
  newSubscription: Omit<TNewSubscription, "customer"> | undefined;
  prorationBehavior: TProrationBehavior;
  prorationDate?: number;
  cancelAtPeriodEnd?: boolean;
  param: (index: number, field: string) => string;
};

const KEPT_PREVIEWS = 200;
const previews = new WeakMap<TEmulator, Map<string, Stripe.InvoiceLineItem[]>>();

/** The lines of a recent preview, for `/v1/invoices/upcoming_in_…/lines`. */
export function previewLines(emulator: TEmulator, invoiceId: string): Stripe.InvoiceLineItem[] | undefined {
  return previews.get(emulator)?.get(invoiceId);
}

function noUpcoming(what: string): StripeError {
  return new StripeError(404, "invalid_request_error", `No upcoming invoices for ${what}`, { code: "invoice_upcoming_none" });
}

export function previewInvoice(emulator: TEmulator, input: TPreviewInput): Stripe.Invoice {
  const { store } = emulator;
  const customerId = input.subscription ? customerIdOf(input.subscription) : input.customer?.id;
  const customer = customerId ? store.get("customers", customerId) : undefined;
  if (!customer) throw noUpcoming(`customer: ${customerId ?? ""}`);
  const now = emulator.now(customer.id);

  if (!input.subscription && input.newSubscription) {
    const newInput: TNewSubscription = { ...input.newSubscription, customer };
    const { subscription } = buildSubscription(newInput, now);
    const { start } = currentPeriod(subscription);
    return render(emulator, { customer, subscription, reason: "subscription_create", created: now, periodStart: start, periodEnd: start, charges: firstInvoiceCharges(emulator, subscription, newInput) });
  }

  const stored = input.subscription ?? renewsFirst(emulator, customer.id);
  if (!stored || stored.status === "canceled") throw noUpcoming(stored ? `subscription: ${stored.id}` : `customer: ${customer.id}`);
  checkProrationDate(stored, input.prorationDate, "subscription_details[proration_date]");
  const subscription = structuredClone(stored);
  const { charges: prorations, attachments } = applyItemChanges(subscription, input.changes, {
    store,
    now,
    prorateAt: input.prorationDate,
    prorationBehavior: input.prorationBehavior,
    param: input.param,
  });
  if (input.cancelAtPeriodEnd !== undefined) subscription.cancel_at = input.cancelAtPeriodEnd ? currentPeriod(subscription).end : null;
  const own = pendingInvoiceItems(store, customer.id, subscription.id);

  if (input.prorationBehavior === "always_invoice" && prorations.length > 0) {
    const ownOnly = own.filter((item) => item.parent?.subscription_details?.subscription === subscription.id);
    return render(emulator, { customer, subscription, reason: "subscription_update", created: now, periodStart: now, periodEnd: now, charges: [...chargesOfInvoiceItems(store, ownOnly), ...prorations], prorationDate: input.prorationDate ?? now });
  }

  const { start, end } = currentPeriod(subscription);
  const recurring = subscription.items.data[0]?.price.recurring;
  const ends = subscription.cancel_at !== null && subscription.cancel_at <= end;
  const nextEnd = ends || !recurring ? null : nextBoundary(subscription.billing_cycle_anchor, recurring, end);
  const charges = [...chargesOfInvoiceItems(store, own), ...prorations, ...cycleCharges(store, subscription, nextEnd, attachments)];
  return render(emulator, {
    customer,
    subscription,
    reason: "upcoming",
    created: end,
    periodStart: start,
    periodEnd: end,
    charges,
    prorationDate: input.changes.length > 0 ? (input.prorationDate ?? now) : undefined,
  });
}

/** The customer's live subscription whose period ends first. */
function renewsFirst(emulator: TEmulator, customerId: string): Stripe.Subscription | undefined {
  return emulator.store
    .list("subscriptions")
    .filter((subscription) => customerIdOf(subscription) === customerId && subscription.status !== "canceled")
    .sort((a, b) => currentPeriod(a).end - currentPeriod(b).end)[0];
}

function render(
  emulator: TEmulator,
  options: {
    customer: Stripe.Customer;
    subscription: Stripe.Subscription;
    reason: Stripe.Invoice.BillingReason;
    created: number;
    periodStart: number;
    periodEnd: number;
    charges: TCharge[];
    prorationDate?: number;
  },
): Stripe.Invoice {
  const id = `upcoming_${newId("in")}`;
  const lines = options.charges.map((charge) => buildLine(charge, id, newId("il_tmp")));
  const invoice = newInvoice({
    id,
    customer: options.customer,
    subscription: options.subscription,
    billingReason: options.reason,
    created: options.created,
    periodStart: options.periodStart,
    periodEnd: options.periodEnd,
    currency: options.subscription.currency,
    graceSeconds: options.reason === "upcoming" ? emulator.config.invoiceGraceSeconds : null,
    lines,
  });
  // Billing credits as they would apply when this invoice is made (its `created`), nothing recorded.
  applyCreditGrants(emulator, invoice, lines, options.created, { record: false });
  if (invoice.parent?.subscription_details && options.prorationDate !== undefined) {
    invoice.parent.subscription_details.subscription_proration_date = options.prorationDate;
  }
  let kept = previews.get(emulator);
  if (!kept) previews.set(emulator, (kept = new Map()));
  kept.set(id, lines);
  if (kept.size > KEPT_PREVIEWS) kept.delete(kept.keys().next().value ?? "");
  return invoice;
}
