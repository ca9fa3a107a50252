// `customer.subscription.updated`: status, items, periods or cancellation changed; a rolled period also applies a plan change that waited for it.
// The payload's subscription is not trusted: it is re-read from Stripe.
import type Stripe from "stripe";
import { convergeSubscription } from "../converge-subscription";
import type { TWebhookHandler } from "../types";

export function customerSubscriptionUpdated(event: Stripe.CustomerSubscriptionUpdatedEvent): TWebhookHandler {
  return convergeSubscription(event.data.object.id, { applyPendingPlanChange: true });
}
