// Updating a subscription (POST /v1/subscriptions/:id and the /v1/subscription_items endpoints):
// item changes with their prorations (billing/proration.ts), cancel_at_period_end, metadata.
// - create_prorations (default): the prorations become pending invoice items, billed on the next
//   invoice;
// - always_invoice: they are invoiced now (`billing_reason: subscription_update`), finalized and paid;
// - none: no prorations (and a replaced metered price's usage so far is not billed).
import type Stripe from "stripe";
import type { z } from "zod";
import type { TEmulator } from "../core/context";
import { invalidRequest } from "../core/errors";
import { previousAttributes } from "../core/events";
import { mergeMetadata, type zMetadata } from "../core/params";
import { createInvoice, createInvoiceItems, finalizeAndCollect, type TRequestRef } from "./invoice-lifecycle";
import { applyItemChanges, type TItemChange, type TProrationBehavior } from "./subscription-changes";
import { chargesOfInvoiceItems, pendingInvoiceItems } from "./subscription-charges";
import { currentPeriod, customerIdOf, saveAttachments } from "./subscription-objects";

export type TSubscriptionUpdate = {
  changes: TItemChange[];
  prorationBehavior: TProrationBehavior;
  prorationDate?: number;
  cancelAtPeriodEnd?: boolean;
  metadata?: z.output<typeof zMetadata>;
  cancellationDetails?: { comment?: string; feedback?: Stripe.Subscription.CancellationDetails.Feedback | "" };
  description?: string;
  collectionMethod?: "charge_automatically" | "send_invoice";
  daysUntilDue?: number;
  /** Names an item parameter for errors: (0, "price") → `items[0][price]` or `price`. */
  param: (index: number, field: string) => string;
};

/** Checks `proration_date` against the current period. */
export function checkProrationDate(subscription: Stripe.Subscription, prorationDate: number | undefined, param = "proration_date"): void {
  if (prorationDate === undefined) return;
  const { start, end } = currentPeriod(subscription);
  if (prorationDate < start || prorationDate > end) {
    throw invalidRequest(`proration_date must be within the subscription's current period (${start} to ${end}).`, { param });
  }
}

export function updateSubscription(emulator: TEmulator, subscription: Stripe.Subscription, update: TSubscriptionUpdate, request: TRequestRef): Stripe.Subscription {
  const { store } = emulator;
  const customerId = customerIdOf(subscription);
  const customer = store.get("customers", customerId);
  const onlyMetadata = update.changes.length === 0 && update.cancelAtPeriodEnd === undefined && update.description === undefined
    && update.collectionMethod === undefined && update.daysUntilDue === undefined && update.prorationDate === undefined;
  if (subscription.status === "canceled" && !onlyMetadata) {
    throw invalidRequest("A canceled subscription can only update its cancellation_details and metadata.");
  }
  checkProrationDate(subscription, update.prorationDate);
  const now = emulator.now(customerId);
  const before = structuredClone(subscription);
  // Work on a copy: a refused change leaves the stored subscription untouched.
  const next = structuredClone(subscription);
  const { charges, attachments } = applyItemChanges(next, update.changes, {
    store,
    now,
    prorateAt: update.prorationDate,
    prorationBehavior: update.prorationBehavior,
    param: update.param,
  });
  if (update.collectionMethod === "send_invoice" && (update.daysUntilDue ?? next.days_until_due) === null) {
    throw invalidRequest("Missing required param: days_until_due.", { param: "days_until_due", code: "parameter_missing" });
  }

  if (update.cancelAtPeriodEnd !== undefined && update.cancelAtPeriodEnd !== next.cancel_at_period_end) {
    next.cancel_at_period_end = update.cancelAtPeriodEnd;
    next.cancel_at = update.cancelAtPeriodEnd ? currentPeriod(next).end : null;
    next.canceled_at = update.cancelAtPeriodEnd ? now : null;
    next.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: update.cancelAtPeriodEnd ? "cancellation_requested" : null };
  }
  next.metadata = mergeMetadata(next.metadata, update.metadata);
  if (update.cancellationDetails) {
    const current = next.cancellation_details;
    const { comment, feedback } = update.cancellationDetails;
    next.cancellation_details = {
      comment: comment === undefined ? (current?.comment ?? null) : comment || null,
      feedback: feedback === undefined ? (current?.feedback ?? null) : feedback || null,
      feedback_option: null,
      reason: current?.reason ?? null,
    };
  }
  if (update.description !== undefined) next.description = update.description || null;
  if (update.collectionMethod !== undefined) next.collection_method = update.collectionMethod;
  if (next.collection_method === "send_invoice") next.days_until_due = update.daysUntilDue ?? next.days_until_due;
  else next.days_until_due = null;

  Object.assign(subscription, next);
  saveAttachments(store, attachments);
  if (customer && charges.length > 0) {
    createInvoiceItems(emulator, customer, charges, now, request);
    if (update.prorationBehavior === "always_invoice") {
      const pending = pendingInvoiceItems(store, customerId, subscription.id).filter(
        (item) => item.parent?.subscription_details?.subscription === subscription.id,
      );
      const invoice = createInvoice(
        emulator,
        {
          customer,
          subscription,
          billingReason: "subscription_update",
          at: now,
          periodStart: now,
          periodEnd: now,
          currency: subscription.currency,
          charges: chargesOfInvoiceItems(store, pending),
          autoAdvance: false,
        },
        request,
      );
      finalizeAndCollect(emulator, invoice, now, request);
    }
  }
  store.put("subscriptions", subscription);
  const previous = previousAttributes(before, subscription);
  if (Object.keys(previous).length > 0) {
    emulator.emit("customer.subscription.updated", subscription, { customerId, request, previousAttributes: previous });
  }
  return subscription;
}
