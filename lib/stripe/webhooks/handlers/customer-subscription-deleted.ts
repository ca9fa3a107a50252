// `customer.subscription.deleted`: the subscription ended: Tally's copy is marked canceled and ended.
// The payload's subscription is not trusted: it is re-read from Stripe.
import type Stripe from "stripe";
import { convergeSubscription } from "../converge-subscription";
import type { TWebhookHandler } from "../types";

export function customerSubscriptionDeleted(event: Stripe.CustomerSubscriptionDeletedEvent): TWebhookHandler {
  return convergeSubscription(event.data.object.id);
}
