// `invoice.finalized`: the invoice is final (number, amounts, finalized at).
// The payload's invoice is not trusted: the invoice is re-read from Stripe.
import type Stripe from "stripe";
import { convergeInvoice } from "../converge-invoice";
import type { TWebhookHandler } from "../types";

export function invoiceFinalized(event: Stripe.InvoiceFinalizedEvent): TWebhookHandler {
  return convergeInvoice(event.data.object.id);
}
