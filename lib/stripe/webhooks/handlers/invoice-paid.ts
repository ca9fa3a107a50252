// `invoice.paid`: the invoice is paid (paid at); may arrive before invoice.finalized.
// The payload's invoice is not trusted: the invoice is re-read from Stripe.
import type Stripe from "stripe";
import { convergeInvoice } from "../converge-invoice";
import type { TWebhookHandler } from "../types";

export function invoicePaid(event: Stripe.InvoicePaidEvent): TWebhookHandler {
  return convergeInvoice(event.data.object.id);
}
