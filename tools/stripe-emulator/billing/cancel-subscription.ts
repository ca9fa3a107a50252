// Canceling a subscription now (DELETE /v1/subscriptions/:id). Stripe's rules, from the SDK's
// description of `cancel`:
// - `prorate`: credit the unused time of licensed items as pending invoice items;
// - `invoice_now`: a final invoice now for un-invoiced metered usage and the pending prorations of
//   this subscription, finalized and paid at once; without it, metered usage since the last
//   invoice is not billed;
// - neither: the subscription's pending prorations are deleted.
// Cancel at period end is an update (cancel_at_period_end) that billing/cycle.ts carries out.
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { invalidRequest } from "../core/errors";
import type { TCharge } from "./invoice-builder";
import { meteredCharge } from "./item-charges";
import { createInvoice, createInvoiceItems, finalizeAndCollect, type TRequestRef } from "./invoice-lifecycle";
import { prorationCharges } from "./proration";
import { chargesOfInvoiceItems, pendingInvoiceItems } from "./subscription-charges";
import { currentPeriod, customerIdOf, isMetered, usageWindowStart } from "./subscription-objects";

export type TCancelOptions = {
  invoiceNow: boolean;
  prorate: boolean;
  comment?: string | null;
  feedback?: Stripe.Subscription.CancellationDetails.Feedback | null;
};

export function cancelSubscription(emulator: TEmulator, subscription: Stripe.Subscription, options: TCancelOptions, request: TRequestRef): Stripe.Subscription {
  const { store } = emulator;
  if (subscription.status === "canceled") {
    throw invalidRequest(`The subscription ${subscription.id} has already been canceled.`);
  }
  const customerId = customerIdOf(subscription);
  const customer = store.get("customers", customerId);
  const now = emulator.now(customerId);
  const period = currentPeriod(subscription);
  const own = (item: Stripe.InvoiceItem) => item.parent?.subscription_details?.subscription === subscription.id;

  if (customer && options.prorate) {
    const credits = subscription.items.data.flatMap((item) =>
      isMetered(item.price)
        ? []
        : prorationCharges({
            store,
            customerId,
            subscriptionId: subscription.id,
            itemId: item.id,
            metadata: item.metadata,
            before: { price: item.price, quantity: item.quantity },
            after: null,
            period,
            prorateAt: now,
            now,
            usageStart: now,
            billingMode: subscription.billing_mode.type,
            clearUsage: true,
          }),
    );
    createInvoiceItems(emulator, customer, credits, now, request);
  }

  if (customer && options.invoiceNow) {
    const usage: TCharge[] = subscription.items.data
      .filter((item) => isMetered(item.price))
      .map((item) =>
        meteredCharge(store, { customerId, subscriptionId: subscription.id, item, start: usageWindowStart(store, item), end: Math.max(now, usageWindowStart(store, item)) }),
      );
    const pending = pendingInvoiceItems(store, customerId, subscription.id).filter(own);
    const charges = [...chargesOfInvoiceItems(store, pending), ...usage];
    if (charges.length > 0) {
      const invoice = createInvoice(
        emulator,
        {
          customer,
          subscription,
          billingReason: "subscription_update",
          at: now,
          periodStart: period.start,
          periodEnd: now,
          currency: subscription.currency,
          charges,
          autoAdvance: false,
        },
        request,
      );
      finalizeAndCollect(emulator, invoice, now, request);
    }
  } else if (!options.prorate) {
    for (const item of pendingInvoiceItems(store, customerId, subscription.id).filter((candidate) => own(candidate) && candidate.proration)) {
      store.remove("invoiceItems", item.id);
      emulator.emit("invoiceitem.deleted", item, { customerId, request });
    }
  }

  subscription.status = "canceled";
  subscription.canceled_at = now;
  subscription.ended_at = now;
  subscription.cancel_at = null;
  subscription.cancel_at_period_end = false;
  subscription.cancellation_details = {
    comment: options.comment ?? subscription.cancellation_details?.comment ?? null,
    feedback: options.feedback ?? subscription.cancellation_details?.feedback ?? null,
    feedback_option: null,
    reason: "cancellation_requested",
  };
  store.put("subscriptions", subscription);
  emulator.emit("customer.subscription.deleted", subscription, { customerId, request });
  return subscription;
}
