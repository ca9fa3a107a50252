// The wire form of item changes (`items[n][…]` on subscription update, `subscription_details[items]`
// on create_preview) and its resolution into `TItemChange`s: ids and prices looked up, errors named
// after the parameter that caused them.
import type Stripe from "stripe";
import { z } from "zod";
import { invalidRequest } from "../core/errors";
import { zBool, zMetadata, zNonNegativeInt, zStr } from "../core/params";
import type { Store } from "../core/store";
import type { TItemChange } from "./subscription-changes";
import { findSubscriptionItem, getRecurringPrice, isMetered } from "./subscription-objects";

export const zProrationBehavior = z.enum(["create_prorations", "always_invoice", "none"]);

export const ZItemUpdate = z.strictObject({
  id: zStr().optional(),
  price: zStr().optional(),
  quantity: zNonNegativeInt.optional(),
  metadata: zMetadata.optional(),
  deleted: zBool.optional(),
  clear_usage: zBool.optional(),
});

export type TItemUpdateParams = z.output<typeof ZItemUpdate>;

/** `items[n]` → changes to `subscription` (or, with none, items of a subscription to create). */
export function resolveItemChanges(
  store: Store,
  subscription: Stripe.Subscription | undefined,
  items: TItemUpdateParams[],
  param: (index: number, field: string) => string,
): TItemChange[] {
  return items.map((item, index): TItemChange => {
    const price = item.price === undefined ? undefined : getRecurringPrice(store, item.price, param(index, "price"));
    if (item.id === undefined) {
      if (!price) throw invalidRequest(`Missing required param: ${param(index, "price")}.`, { param: param(index, "price"), code: "parameter_missing" });
      return { kind: "add", index, price, quantity: item.quantity, metadata: item.metadata || {} };
    }
    const current = subscription?.items.data.find((candidate) => candidate.id === item.id);
    if (!current) {
      const elsewhere = findSubscriptionItem(store, item.id);
      const message = elsewhere
        ? `The subscription item ${item.id} belongs to subscription ${elsewhere.subscription.id}, not ${subscription?.id ?? "this one"}.`
        : `No such subscription item: '${item.id}'`;
      throw invalidRequest(message, { param: param(index, "id"), code: "resource_missing" });
    }
    if (item.deleted) {
      if (item.clear_usage && !isMetered(current.price)) {
        throw invalidRequest("clear_usage is only allowed when the item's price is metered.", { param: param(index, "clear_usage") });
      }
      return { kind: "delete", index, itemId: item.id, clearUsage: item.clear_usage ?? false };
    }
    return { kind: "update", index, itemId: item.id, price, quantity: item.quantity, metadata: item.metadata };
  });
}
