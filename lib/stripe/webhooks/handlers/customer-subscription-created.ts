// `customer.subscription.created`: a subscription exists in Stripe: Tally's copy takes its status, items and periods.
// The payload's subscription is not trusted: it is re-read from Stripe.
import type Stripe from "stripe";
import { convergeSubscription } from "../converge-subscription";
import type { TWebhookHandler } from "../types";

export function customerSubscriptionCreated(event: Stripe.CustomerSubscriptionCreatedEvent): TWebhookHandler {
  return convergeSubscription(event.data.object.id);
}
