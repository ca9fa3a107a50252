// The registry: one handler per Stripe event type Tally converges on, each in a file named after
// the type. Types not listed are acknowledged (200) and recorded as seen.
import type { TWebhookEvent, TWebhookHandler } from "../types";
import { customerSubscriptionCreated } from "./customer-subscription-created";
import { customerSubscriptionDeleted } from "./customer-subscription-deleted";
import { customerSubscriptionUpdated } from "./customer-subscription-updated";
import { invoiceCreated } from "./invoice-created";
import { invoiceFinalized } from "./invoice-finalized";
import { invoicePaid } from "./invoice-paid";
import { invoicePaymentFailed } from "./invoice-payment-failed";
import { v1BillingMeterErrorReportTriggered } from "./v1-billing-meter-error-report-triggered";

export function findWebhookHandler(delivery: TWebhookEvent): TWebhookHandler | undefined {
  if (delivery.kind === "thin") {
    return delivery.type === "v1.billing.meter.error_report_triggered" ? v1BillingMeterErrorReportTriggered(delivery.event) : undefined;
  }
  const event = delivery.event;
  switch (event.type) {
    case "customer.subscription.created":
      return customerSubscriptionCreated(event);
    case "customer.subscription.updated":
      return customerSubscriptionUpdated(event);
    case "customer.subscription.deleted":
      return customerSubscriptionDeleted(event);
    case "invoice.created":
      return invoiceCreated(event);
    case "invoice.finalized":
      return invoiceFinalized(event);
    case "invoice.paid":
      return invoicePaid(event);
    case "invoice.payment_failed":
      return invoicePaymentFailed(event);
    default:
      return undefined;
  }
}

