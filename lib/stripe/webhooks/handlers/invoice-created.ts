// `invoice.created`: a new (draft) invoice: Tally gets its copy, lines included.
// The payload's invoice is not trusted: the invoice is re-read from Stripe.
import type Stripe from "stripe";
import { convergeInvoice } from "../converge-invoice";
import type { TWebhookHandler } from "../types";

export function invoiceCreated(event: Stripe.InvoiceCreatedEvent): TWebhookHandler {
  return convergeInvoice(event.data.object.id);
}
