// `invoice.payment_failed`: a payment attempt failed: the invoice stays open with its amount due.
// The payload's invoice is not trusted: the invoice is re-read from Stripe.
import type Stripe from "stripe";
import { convergeInvoice } from "../converge-invoice";
import type { TWebhookHandler } from "../types";

export function invoicePaymentFailed(event: Stripe.InvoicePaymentFailedEvent): TWebhookHandler {
  return convergeInvoice(event.data.object.id);
}
