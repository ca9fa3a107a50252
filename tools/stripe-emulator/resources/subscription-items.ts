// Subscription items (`/v1/subscription_items`, SEMANTICS.md §6.2): list (by subscription),
// retrieve, create, update, delete. Each change is a one-item subscription update
// (billing/update-subscription.ts): same prorations, same customer.subscription.updated event.
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { resourceMissing } from "../core/errors";
import { paginate } from "../core/list";
import { zBool, zExpand, zListParams, zMetadata, zNonNegativeInt, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { resolveItemChanges, zProrationBehavior, type TItemUpdateParams } from "../billing/item-change-params";
import { findSubscriptionItem, getSubscription, presentSubscription } from "../billing/subscription-objects";
import { updateSubscription } from "../billing/update-subscription";

const zPaymentBehavior = z.enum(["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"]);

const changeFields = {
  expand: zExpand,
  payment_behavior: zPaymentBehavior.optional(),
  proration_behavior: zProrationBehavior.optional(),
  proration_date: zTimestamp.optional(),
};

const ZItemCreate = z.strictObject({
  ...changeFields,
  subscription: zStr(),
  price: zStr(),
  quantity: zNonNegativeInt.optional(),
  metadata: zMetadata.optional(),
});

const ZItemUpdate = z.strictObject({
  ...changeFields,
  off_session: zBool.optional(),
  price: zStr().optional(),
  quantity: zNonNegativeInt.optional(),
  metadata: zMetadata.optional(),
});

const ZItemDelete = z.strictObject({ ...changeFields, clear_usage: zBool.optional() });

export function registerSubscriptionItems(router: Router, emulator: TEmulator): void {
  const { store } = emulator;

  /** Applies one item change through the subscription update; returns the changed subscription. */
  const change = (
    ctx: TRequestContext,
    subscription: Stripe.Subscription,
    item: TItemUpdateParams,
    options: { proration_behavior?: z.output<typeof zProrationBehavior>; proration_date?: number },
  ) => {
    const param = (_index: number, field: string) => field;
    const changes = resolveItemChanges(store, subscription, [item], param);
    return updateSubscription(
      emulator,
      subscription,
      {
        changes,
        prorationBehavior: options.proration_behavior ?? "create_prorations",
        prorationDate: options.proration_date,
        param,
      },
      { id: ctx.requestId, idempotency_key: ctx.idempotencyKey },
    );
  };

  const getItem = (id: string) => {
    const found = findSubscriptionItem(store, id);
    if (!found) throw resourceMissing("subscription item", id);
    return found;
  };

  router.add("GET", "/v1/subscription_items", (ctx) => {
    const params = ctx.parse(z.strictObject({ ...zListParams, subscription: zStr() }));
    const subscription = getSubscription(store, params.subscription, "subscription");
    return paginate(presentSubscription(store, subscription).items.data, params, ctx.listUrl);
  });

  router.add("GET", "/v1/subscription_items/:item", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    const { subscription, item } = getItem(ctx.params.item ?? "");
    presentSubscription(store, subscription);
    return item;
  });

  router.add("POST", "/v1/subscription_items", (ctx) => {
    const params = ctx.parse(ZItemCreate);
    const subscription = getSubscription(store, params.subscription, "subscription");
    const known = new Set(subscription.items.data.map((item) => item.id));
    const updated = change(ctx, subscription, { price: params.price, quantity: params.quantity, metadata: params.metadata }, params);
    const created = presentSubscription(store, updated).items.data.find((item) => !known.has(item.id));
    if (!created) throw resourceMissing("subscription item", "");
    return created;
  });

  router.add("POST", "/v1/subscription_items/:item", (ctx) => {
    const params = ctx.parse(ZItemUpdate);
    const { subscription, item } = getItem(ctx.params.item ?? "");
    const updated = change(ctx, subscription, { id: item.id, price: params.price, quantity: params.quantity, metadata: params.metadata }, params);
    return presentSubscription(store, updated).items.data.find((candidate) => candidate.id === item.id) ?? item;
  });

  router.add("DELETE", "/v1/subscription_items/:item", (ctx) => {
    const params = ctx.parse(ZItemDelete);
    const { subscription, item } = getItem(ctx.params.item ?? "");
    change(ctx, subscription, { id: item.id, deleted: true, clear_usage: params.clear_usage }, params);
    const deleted: Stripe.DeletedSubscriptionItem = { id: item.id, object: "subscription_item", deleted: true };
    return deleted;
  });
}
