// What a subscription invoice bills (SEMANTICS.md §7.1): at creation, licensed items for the first
// period; at each period end, metered usage for the period that ended plus licensed items for the
// next one; always with the pending invoice items it picks up. The cycle and create_preview both
// build their lines here, so a preview shows exactly what the cycle will invoice.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { Store } from "../core/store";
import { chargeOfInvoiceItem, type TCharge } from "./invoice-builder";
import { licensedCharge, meteredCharge } from "./item-charges";
import { addIntervals } from "./periods";
import { currentPeriod, customerIdOf, isMetered, type TAttachments, usageWindowStart } from "./subscription-objects";

/** Pending invoice items a subscription's invoice takes: its own, and the customer's unattached ones. */
export function pendingInvoiceItems(store: Store, customerId: string, subscriptionId: string | null): Stripe.InvoiceItem[] {
  return store
    .list("invoiceItems")
    .reverse()
    .filter((item) => {
      if (item.invoice !== null || item.customer !== customerId) return false;
      const owner = item.parent?.subscription_details?.subscription ?? null;
      return owner === null || owner === subscriptionId;
    });
}

/** Licensed items for the first period; prorated when a future billing cycle anchor shortens it. */
export function creationCharges(store: Store, subscription: Stripe.Subscription, prorate: boolean): TCharge[] {
  const { start, end } = currentPeriod(subscription);
  const charges: TCharge[] = [];
  for (const item of subscription.items.data) {
    if (isMetered(item.price) || !item.price.recurring) continue;
    const full = licensedCharge(store, subscription.id, item, { start, end });
    const fullStart = addIntervals(end, item.price.recurring, -1);
    if (fullStart >= start) {
      charges.push(full);
      continue;
    }
    if (!prorate) continue;
    // The first period runs to the anchor: charge that share of a whole interval, rounded once.
    const amount = new Decimal(full.amount)
      .times(end - start)
      .div(end - fullStart)
      .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
      .toNumber();
    charges.push({ ...full, amount, proration: true, description: `Remaining time on ${full.description}` });
  }
  return charges;
}

/**
 * The lines of the invoice at the end of the current period: metered usage for the period that
 * ends, then licensed items for `nextEnd` (none when the subscription ends there).
 */
export function cycleCharges(store: Store, subscription: Stripe.Subscription, nextEnd: number | null, attachments: TAttachments = {}): TCharge[] {
  const { end } = currentPeriod(subscription);
  const customerId = customerIdOf(subscription);
  const metered: TCharge[] = [];
  const licensed: TCharge[] = [];
  for (const item of subscription.items.data) {
    if (isMetered(item.price)) {
      const start = usageWindowStart(store, item, attachments);
      metered.push(meteredCharge(store, { customerId, subscriptionId: subscription.id, item, start, end }));
    } else if (nextEnd !== null) {
      licensed.push(licensedCharge(store, subscription.id, item, { start: end, end: nextEnd }));
    }
  }
  return [...metered, ...licensed];
}

export function chargesOfInvoiceItems(store: Store, items: Stripe.InvoiceItem[]): TCharge[] {
  return items.map((item) => chargeOfInvoiceItem(store, item));
}
