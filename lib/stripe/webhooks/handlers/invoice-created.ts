// `invoice.created`: a new (draft) invoice: its customer's QUANTITY credits are granted to it
// (lib/credits/grant-quantity-credits.ts: Stripe calls, safe to repeat, before the transaction),
// then Tally gets its copy, lines included.
// The payload's invoice is not trusted: the invoice is re-read from Stripe.
import type Stripe from "stripe";
import { grantQuantityCredits } from "@/lib/credits/grant-quantity-credits";
import { convergeInvoice } from "../converge-invoice";
import type { TWebhookHandler } from "../types";

export function invoiceCreated(event: Stripe.InvoiceCreatedEvent): TWebhookHandler {
  const converge = convergeInvoice(event.data.object.id);
  return async () => {
    await grantQuantityCredits(event.data.object.id);
    return converge();
  };
}
