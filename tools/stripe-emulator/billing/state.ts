// Billing's private records, kept in the store's `internal` section so they persist with the state.
import type Stripe from "stripe";
import type { Store } from "../core/store";

export type TBillingState = {
  /** When each subscription item's current price was attached: its metered usage window starts at
   * max(item period start, this) (SEMANTICS.md §6.5). */
  priceAttachedAt: Record<string, number>;
  /** Every line of every stored invoice, in invoice order (the invoice embeds the first ten). */
  invoiceLines: Record<string, Stripe.InvoiceLineItem[]>;
};

export function billingState(store: Store): TBillingState {
  return store.internal<TBillingState>("billing", () => ({ priceAttachedAt: {}, invoiceLines: {} }));
}
