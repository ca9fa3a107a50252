// Subscription and subscription item objects, as the SDK types them, and the lookups around them.
import type Stripe from "stripe";
import { invalidRequest, resourceMissing } from "../core/errors";
import { newId } from "../core/ids";
import type { Store } from "../core/store";
import { presentPrice } from "../resources/prices";
import { billingState } from "./state";

/** The legacy `plan` view of a price that every subscription item still carries. */
export function toPlan(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: "plan",
    active: price.active,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: price.billing_scheme,
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? "month",
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: price.metadata,
    meter: price.recurring?.meter ?? null,
    nickname: price.nickname,
    product: typeof price.product === "string" ? price.product : price.product.id,
    tiers_mode: price.tiers_mode,
    transform_usage: price.transform_quantity,
    trial_period_days: price.recurring?.trial_period_days ?? null,
    usage_type: price.recurring?.usage_type ?? "licensed",
  };
}

export function isMetered(price: Stripe.Price): boolean {
  return price.recurring?.usage_type === "metered";
}

export function productId(price: Stripe.Price): string {
  return typeof price.product === "string" ? price.product : price.product.id;
}

export function productName(store: Store, price: Stripe.Price): string {
  return store.get("products", productId(price))?.name ?? price.nickname ?? price.id;
}

/** A new item (the caller records when its price was attached, see `TAttachments`). */
export function newSubscriptionItem(options: {
  subscriptionId: string;
  price: Stripe.Price;
  quantity: number | undefined;
  metadata: Record<string, string>;
  at: number;
  periodStart: number;
  periodEnd: number;
}): Stripe.SubscriptionItem {
  const { price } = options;
  const item: Stripe.SubscriptionItem = {
    id: newId("si", 14),
    object: "subscription_item",
    billing_thresholds: null,
    created: options.at,
    current_period_end: options.periodEnd,
    current_period_start: options.periodStart,
    current_trial: null,
    discounts: [],
    metadata: options.metadata,
    plan: toPlan(price),
    price: presentPrice(price, false),
    subscription: options.subscriptionId,
    tax_rates: [],
  };
  // Metered items carry no quantity (usage comes from the meter).
  if (!isMetered(price)) item.quantity = options.quantity ?? 1;
  return item;
}

/** Points an item at a new price (the caller records the attachment time). */
export function attachPrice(item: Stripe.SubscriptionItem, price: Stripe.Price, quantity: number | undefined): void {
  item.price = presentPrice(price, false);
  item.plan = toPlan(price);
  if (isMetered(price)) delete item.quantity;
  else item.quantity = quantity ?? 1;
}

/** When items' current prices were attached, by item id, not yet saved (a change being previewed). */
export type TAttachments = Record<string, number>;

export function saveAttachments(store: Store, attachments: TAttachments): void {
  Object.assign(billingState(store).priceAttachedAt, attachments);
}

/** Where a metered item's usage for its current period starts (SEMANTICS.md §6.5). */
export function usageWindowStart(store: Store, item: Stripe.SubscriptionItem, pending: TAttachments = {}): number {
  const attached = pending[item.id] ?? billingState(store).priceAttachedAt[item.id] ?? item.current_period_start;
  return Math.max(item.current_period_start, attached);
}

/** The current period, shared by every item of the subscription. */
export function currentPeriod(subscription: Stripe.Subscription): { start: number; end: number } {
  const first = subscription.items.data[0];
  if (!first) return { start: subscription.billing_cycle_anchor, end: subscription.billing_cycle_anchor };
  return { start: first.current_period_start, end: first.current_period_end };
}

export function customerIdOf(subscription: Stripe.Subscription): string {
  return typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id;
}

export function getSubscription(store: Store, id: string, param = "id"): Stripe.Subscription {
  const subscription = store.get("subscriptions", id);
  if (!subscription) throw resourceMissing("subscription", id, param);
  return subscription;
}

export function findSubscriptionItem(store: Store, itemId: string): { subscription: Stripe.Subscription; item: Stripe.SubscriptionItem } | undefined {
  for (const subscription of Object.values(store.state.subscriptions)) {
    const item = subscription.items.data.find((candidate) => candidate.id === itemId);
    if (item) return { subscription, item };
  }
  return undefined;
}

/** A recurring, active price by id (for `items[n][price]`-style parameters). */
export function getRecurringPrice(store: Store, id: string, param: string): Stripe.Price {
  const price = store.get("prices", id);
  if (!price) throw invalidRequest(`No such price: '${id}'`, { param, code: "resource_missing" });
  if (!price.recurring) {
    throw invalidRequest("The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.", { param });
  }
  if (!price.active) throw invalidRequest(`The price specified (${id}) is inactive. This field only accepts active prices.`, { param });
  return price;
}

/** The stored subscription with its items' prices refreshed from the store (prices can change). */
export function presentSubscription(store: Store, subscription: Stripe.Subscription): Stripe.Subscription {
  for (const item of subscription.items.data) {
    const price = store.get("prices", item.price.id);
    if (price) {
      item.price = presentPrice(price, false);
      item.plan = toPlan(price);
    }
  }
  return subscription;
}
