"use server";
// The customer forms' actions: each parses with the API's schema (the subscription's id or the
// customer's id added from the page), then calls one service. Answers carry ids only.
import { z } from "zod";
import { ZCustomerInput } from "@/lib/catalog/schemas";
import { createCustomer } from "@/lib/customers/create-customer";
import { staffAction } from "@/lib/http/action-client";
import { cancelSubscription } from "@/lib/subscriptions/cancel-subscription";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { ZSubscriptionCancelInput, ZSubscriptionCreateInput, ZSubscriptionPlanChangeInput } from "@/lib/subscriptions/schemas";
import { undoScheduledCancel } from "@/lib/subscriptions/undo-scheduled-cancel";

const customerRef = { customerId: z.uuid("No such customer.") };
const subscriptionRef = { subscriptionId: z.uuid("No such subscription.") };

export const createCustomerAction = staffAction("ADMIN", ZCustomerInput, async (input, ctx) => ({ id: (await createCustomer(input, ctx.audit)).id }));

export const createSubscriptionAction = staffAction("ADMIN", ZSubscriptionCreateInput.extend(customerRef), async ({ customerId, ...input }, ctx) => ({
  id: (await createSubscription(customerId, input, ctx.audit)).id,
}));

export const changeSubscriptionPlanAction = staffAction("ADMIN", ZSubscriptionPlanChangeInput.extend(subscriptionRef), async ({ subscriptionId, ...input }, ctx) => ({
  id: (await changeSubscriptionPlan(subscriptionId, input, ctx.audit)).id,
}));

export const cancelSubscriptionAction = staffAction("ADMIN", ZSubscriptionCancelInput.extend(subscriptionRef), async ({ subscriptionId, ...input }, ctx) => ({
  id: (await cancelSubscription(subscriptionId, input, ctx.audit)).id,
}));

export const undoScheduledCancelAction = staffAction("ADMIN", z.strictObject(subscriptionRef), async ({ subscriptionId }, ctx) => ({
  id: (await undoScheduledCancel(subscriptionId, ctx.audit)).id,
}));
