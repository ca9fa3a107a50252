// Subscriptions (`/v1/subscriptions`, SEMANTICS.md §6, §7): create, retrieve, update, cancel, list.
// The subscription items endpoints are in subscription-items.ts; the billing cycle that moves
// subscriptions forward in time is billing/cycle.ts, registered here.
//
// Statuses: `active` and `canceled`. There is no payment-method flow: every `charge_automatically`
// invoice is paid when it is finalized (billing/invoice-lifecycle.ts), so a subscription never
// becomes incomplete, past_due or unpaid; `payment_behavior` is accepted and has no effect.
// Billing mode: `flexible` by default (the SDK's API version), `classic` on request. All items of a
// subscription share one currency and one interval. Not served: trials, discounts, taxes,
// schedules, pause/resume, search, `add_invoice_items`, `cancel_at` as a timestamp.
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest } from "../core/errors";
import { paginate } from "../core/list";
import { inRange, zBool, zExpand, zListParams, zMetadata, zNonNegativeInt, zRangeFilter, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { cancelSubscription } from "../billing/cancel-subscription";
import { createSubscription } from "../billing/create-subscription";
import { registerBillingCycle } from "../billing/cycle";
import { resolveItemChanges, ZItemUpdate, zProrationBehavior } from "../billing/item-change-params";
import { currentPeriod, customerIdOf, getRecurringPrice, getSubscription, presentSubscription } from "../billing/subscription-objects";
import { updateSubscription } from "../billing/update-subscription";
import { registerSubscriptionItems } from "./subscription-items";

const zCollectionMethod = z.enum(["charge_automatically", "send_invoice"]);
const zPaymentBehavior = z.enum(["allow_incomplete", "default_incomplete", "error_if_incomplete", "pending_if_incomplete"]);
const zFeedback = z.enum(["customer_service", "low_quality", "missing_features", "other", "switched_service", "too_complex", "too_expensive", "unused"]);
const ZCancellationDetails = z.strictObject({ comment: zStr(5_000).optional(), feedback: z.union([zFeedback, z.literal("")]).optional() });

const ZSubscriptionCreate = z.strictObject({
  customer: zStr(),
  items: z.array(z.strictObject({ price: zStr(), quantity: zNonNegativeInt.optional(), metadata: zMetadata.optional() })).max(20),
  billing_cycle_anchor: zTimestamp.optional(),
  billing_mode: z
    .strictObject({
      type: z.enum(["classic", "flexible"]),
      flexible: z.strictObject({ proration_discounts: z.enum(["included", "itemized"]).optional() }).optional(),
    })
    .optional(),
  cancel_at_period_end: zBool.optional(),
  collection_method: zCollectionMethod.optional(),
  days_until_due: zNonNegativeInt.optional(),
  description: zStr(500).optional(),
  expand: zExpand,
  metadata: zMetadata.optional(),
  payment_behavior: zPaymentBehavior.optional(),
  proration_behavior: zProrationBehavior.optional(),
});

const ZSubscriptionUpdate = z.strictObject({
  items: z.array(ZItemUpdate).max(20).optional(),
  cancel_at_period_end: zBool.optional(),
  cancellation_details: ZCancellationDetails.optional(),
  collection_method: zCollectionMethod.optional(),
  days_until_due: zNonNegativeInt.optional(),
  description: zStr(500).optional(),
  expand: zExpand,
  metadata: zMetadata.optional(),
  off_session: zBool.optional(),
  payment_behavior: zPaymentBehavior.optional(),
  proration_behavior: zProrationBehavior.optional(),
  proration_date: zTimestamp.optional(),
});

const ZSubscriptionCancel = z.strictObject({
  cancellation_details: ZCancellationDetails.optional(),
  expand: zExpand,
  invoice_now: zBool.optional(),
  prorate: zBool.optional(),
});

const ZSubscriptionList = z.strictObject({
  ...zListParams,
  collection_method: zCollectionMethod.optional(),
  created: zRangeFilter.optional(),
  current_period_end: zRangeFilter.optional(),
  current_period_start: zRangeFilter.optional(),
  customer: zStr().optional(),
  price: zStr().optional(),
  status: z.enum(["active", "all", "canceled", "ended", "incomplete", "incomplete_expired", "past_due", "paused", "trialing", "unpaid"]).optional(),
  test_clock: zStr().optional(),
});

export function registerSubscriptions(router: Router, emulator: TEmulator): void {
  const { store } = emulator;
  registerBillingCycle(emulator);
  registerSubscriptionItems(router, emulator);

  router.add("POST", "/v1/subscriptions", (ctx) => {
    const params = ctx.parse(ZSubscriptionCreate);
    const customer = store.get("customers", params.customer);
    if (!customer) throw invalidRequest(`No such customer: '${params.customer}'`, { param: "customer", code: "resource_missing" });
    const items = params.items.map((item, index) => ({
      price: getRecurringPrice(store, item.price, `items[${index}][price]`),
      quantity: item.quantity,
      metadata: item.metadata || {},
    }));
    const subscription = createSubscription(
      emulator,
      {
        customer,
        items,
        billingCycleAnchor: params.billing_cycle_anchor,
        prorationBehavior: params.proration_behavior ?? "create_prorations",
        cancelAtPeriodEnd: params.cancel_at_period_end ?? false,
        metadata: params.metadata || {},
        collectionMethod: params.collection_method ?? "charge_automatically",
        daysUntilDue: params.days_until_due ?? null,
        description: params.description || null,
        billingMode: params.billing_mode?.type ?? "flexible",
      },
      requestOf(ctx),
    );
    return presentSubscription(store, subscription);
  });

  router.add("GET", "/v1/subscriptions/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return presentSubscription(store, getSubscription(store, ctx.params.id ?? ""));
  });

  router.add("POST", "/v1/subscriptions/:id", (ctx) => {
    const params = ctx.parse(ZSubscriptionUpdate);
    const subscription = getSubscription(store, ctx.params.id ?? "");
    const param = (index: number, field: string) => `items[${index}][${field}]`;
    const changes = resolveItemChanges(store, subscription, params.items ?? [], param);
    const updated = updateSubscription(
      emulator,
      subscription,
      {
        changes,
        prorationBehavior: params.proration_behavior ?? "create_prorations",
        prorationDate: params.proration_date,
        cancelAtPeriodEnd: params.cancel_at_period_end,
        metadata: params.metadata,
        cancellationDetails: params.cancellation_details,
        description: params.description,
        collectionMethod: params.collection_method,
        daysUntilDue: params.days_until_due,
        param,
      },
      requestOf(ctx),
    );
    return presentSubscription(store, updated);
  });

  router.add("DELETE", "/v1/subscriptions/:id", (ctx) => {
    const params = ctx.parse(ZSubscriptionCancel);
    const subscription = getSubscription(store, ctx.params.id ?? "");
    const canceled = cancelSubscription(
      emulator,
      subscription,
      {
        invoiceNow: params.invoice_now ?? false,
        prorate: params.prorate ?? false,
        comment: params.cancellation_details?.comment,
        feedback: params.cancellation_details?.feedback || undefined,
      },
      requestOf(ctx),
    );
    return presentSubscription(store, canceled);
  });

  router.add("GET", "/v1/subscriptions", (ctx) => {
    const params = ctx.parse(ZSubscriptionList);
    const status = params.status;
    const subscriptions = store.list("subscriptions").filter((subscription) => {
      const period = currentPeriod(subscription);
      if (status === undefined ? subscription.status === "canceled" : status === "ended" ? subscription.status !== "canceled" : status !== "all" && subscription.status !== status) {
        return false;
      }
      return (
        (params.customer === undefined || customerIdOf(subscription) === params.customer) &&
        (params.price === undefined || subscription.items.data.some((item) => item.price.id === params.price)) &&
        (params.test_clock === undefined || subscription.test_clock === params.test_clock) &&
        (params.collection_method === undefined || subscription.collection_method === params.collection_method) &&
        inRange(subscription.created, params.created) &&
        inRange(period.start, params.current_period_start) &&
        inRange(period.end, params.current_period_end)
      );
    });
    return paginate(
      subscriptions.map((subscription) => presentSubscription(store, subscription)),
      params,
      ctx.listUrl,
    );
  });
}

/** The request, for events it causes. */
export function requestOf(ctx: TRequestContext) {
  return { id: ctx.requestId, idempotency_key: ctx.idempotencyKey };
}
