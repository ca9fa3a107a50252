// Changes to a subscription's items (add, change price or quantity, delete) and the prorations they
// cause. Works on the subscription object it is given: the update endpoints pass the stored one,
// create_preview passes a copy and throws the result away.
import type Stripe from "stripe";
import type { z } from "zod";
import { invalidRequest } from "../core/errors";
import { mergeMetadata, type zMetadata } from "../core/params";
import type { Store } from "../core/store";
import type { TCharge } from "./invoice-builder";
import { prorationCharges, type TItemConfig } from "./proration";
import {
  attachPrice,
  currentPeriod,
  customerIdOf,
  isMetered,
  newSubscriptionItem,
  type TAttachments,
  usageWindowStart,
} from "./subscription-objects";

export type TProrationBehavior = "create_prorations" | "always_invoice" | "none";

export type TItemChange =
  | { kind: "add"; index: number; price: Stripe.Price; quantity?: number; metadata?: Record<string, string> }
  | { kind: "update"; index: number; itemId: string; price?: Stripe.Price; quantity?: number; metadata?: z.output<typeof zMetadata> }
  | { kind: "delete"; index: number; itemId: string; clearUsage: boolean };

export type TChangeOptions = {
  store: Store;
  now: number;
  /** When prorations are computed for (`proration_date`); defaults to now. */
  prorateAt?: number;
  prorationBehavior: TProrationBehavior;
  /** Names a parameter for an error, e.g. (0, "price") → `items[0][price]`. */
  param: (index: number, field: string) => string;
};

export type TChangeResult = { charges: TCharge[]; attachments: TAttachments };

/** Refuses a quantity on a metered price, as Stripe does. */
export function checkQuantity(price: Stripe.Price, quantity: number | undefined, param: string): void {
  if (quantity !== undefined && isMetered(price)) {
    throw invalidRequest(`Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`${param}\`.`, { param });
  }
}

/** Every item of one subscription shares its currency and billing interval, and a price appears once. */
export function checkItemSet(prices: { price: Stripe.Price; param: string }[]): void {
  const first = prices[0];
  if (!first) throw invalidRequest("A subscription must have at least one item. To remove every item, cancel the subscription instead.", { param: "items" });
  const seen = new Set<string>();
  for (const { price, param } of prices) {
    if (seen.has(price.id)) throw invalidRequest(`Cannot add multiple subscription items with the same price: ${price.id}`, { param });
    seen.add(price.id);
    if (price.currency !== first.price.currency) {
      throw invalidRequest(`The price specified uses currency \`${price.currency}\`, but the subscription's other prices use \`${first.price.currency}\`.`, { param });
    }
    const a = price.recurring;
    const b = first.price.recurring;
    if (a?.interval !== b?.interval || a?.interval_count !== b?.interval_count) {
      throw invalidRequest("Every price on a subscription must have the same billing interval (the emulator does not model mixed-interval subscriptions).", { param });
    }
  }
}

function configOf(item: Stripe.SubscriptionItem): TItemConfig {
  return { price: item.price, quantity: item.quantity };
}

export function applyItemChanges(subscription: Stripe.Subscription, changes: TItemChange[], options: TChangeOptions): TChangeResult {
  const { store, now } = options;
  const period = currentPeriod(subscription);
  const customerId = customerIdOf(subscription);
  const attachments: TAttachments = {};
  const charges: TCharge[] = [];
  const paramOf = new Map<string, string>();
  const prorate = (item: Stripe.SubscriptionItem, before: TItemConfig | null, after: TItemConfig | null, usageStart: number, clearUsage = false) =>
    prorationCharges({
      store,
      customerId,
      subscriptionId: subscription.id,
      itemId: item.id,
      metadata: item.metadata,
      before,
      after,
      period,
      prorateAt: options.prorateAt ?? now,
      now,
      usageStart,
      billingMode: subscription.billing_mode.type,
      clearUsage,
    });

  for (const change of changes) {
    if (change.kind === "add") {
      checkQuantity(change.price, change.quantity, options.param(change.index, "quantity"));
      const item = newSubscriptionItem({
        subscriptionId: subscription.id,
        price: change.price,
        quantity: change.quantity,
        metadata: change.metadata ?? {},
        at: now,
        periodStart: now,
        periodEnd: period.end,
      });
      subscription.items.data.push(item);
      attachments[item.id] = now;
      paramOf.set(item.id, options.param(change.index, "price"));
      charges.push(...prorate(item, null, configOf(item), now));
      continue;
    }

    const item = subscription.items.data.find((candidate) => candidate.id === change.itemId);
    if (!item) throw invalidRequest(`No such subscription item: '${change.itemId}'`, { param: options.param(change.index, "id"), code: "resource_missing" });
    const before = configOf(item);
    const usageStart = usageWindowStart(store, item, attachments);

    if (change.kind === "delete") {
      subscription.items.data = subscription.items.data.filter((candidate) => candidate !== item);
      charges.push(...prorate(item, before, null, usageStart, change.clearUsage));
      continue;
    }

    const price = change.price ?? item.price;
    checkQuantity(price, change.quantity, options.param(change.index, "quantity"));
    if (price.id !== item.price.id) {
      // A new price resets the quantity to 1 unless one is sent (SEMANTICS.md §6.2).
      attachPrice(item, price, change.quantity);
      attachments[item.id] = now;
    } else if (change.quantity !== undefined) {
      item.quantity = change.quantity;
    }
    item.metadata = mergeMetadata(item.metadata, change.metadata);
    paramOf.set(item.id, options.param(change.index, "price"));
    charges.push(...prorate(item, before, configOf(item), usageStart));
  }

  checkItemSet(subscription.items.data.map((item) => ({ price: item.price, param: paramOf.get(item.id) ?? "items" })));
  return { charges: options.prorationBehavior === "none" ? [] : charges, attachments };
}
