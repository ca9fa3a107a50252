"use server";
// The customer's own actions on their account (members only; staff use the admin screens).
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { dismissUsageAlert } from "@/lib/billing/dismiss-usage-alert";
import { previewPlanChange } from "@/lib/billing/preview-plan-change";
import { customerAction } from "@/lib/http/action-client";
import { cancelSubscription } from "@/lib/subscriptions/cancel-subscription";
import { changeOwnPlan } from "@/lib/subscriptions/change-own-plan";
import { undoScheduledCancel } from "@/lib/subscriptions/undo-scheduled-cancel";

const ZCustomer = z.strictObject({ customerId: z.uuid() });

export const dismissUsageAlertAction = customerAction(ZCustomer.extend({ alertId: z.uuid() }), async (input) => {
  await dismissUsageAlert(input.customerId, input.alertId);
  revalidatePath(`/dashboard/${input.customerId}`);
  return { dismissed: true };
});

export const changeOwnPlanAction = customerAction(ZCustomer.extend({ planVersionId: z.uuid("Choose a plan.") }), async (input, context) => {
  const subscription = await changeOwnPlan(input.customerId, input.planVersionId, context.audit);
  revalidatePath(`/dashboard/${input.customerId}`, "layout");
  return { planVersionId: subscription.planVersionId, pendingPlanVersionId: subscription.pendingPlanVersionId };
});

/** Stripe's figures for a change now (bigints as strings: the action's answer crosses to the browser). */
export const previewPlanChangeAction = customerAction(ZCustomer.extend({ planVersionId: z.uuid("Choose a plan.") }), async (input) => {
  const preview = await previewPlanChange(input.customerId, input.planVersionId);
  return {
    currency: preview.currency,
    baseFeeProrationMinor: preview.baseFeeProrationMinor.toString(),
    prorationMinor: preview.prorationMinor.toString(),
    nextInvoiceMinor: preview.nextInvoiceMinor.toString(),
    prorations: preview.prorations.map((line) => ({ description: line.description, amountMinor: line.amountMinor.toString() })),
  };
});

export const cancelOwnSubscriptionAction = customerAction(ZCustomer.extend({ subscriptionId: z.uuid() }), async (input, context) => {
  const subscription = await cancelSubscription(input.subscriptionId, { when: "period_end" }, context.audit, { customerId: input.customerId });
  revalidatePath(`/dashboard/${input.customerId}`, "layout");
  return { cancelAtPeriodEnd: subscription.cancelAtPeriodEnd };
});

export const keepOwnSubscriptionAction = customerAction(ZCustomer.extend({ subscriptionId: z.uuid() }), async (input, context) => {
  const subscription = await undoScheduledCancel(input.subscriptionId, context.audit, { customerId: input.customerId });
  revalidatePath(`/dashboard/${input.customerId}`, "layout");
  return { cancelAtPeriodEnd: subscription.cancelAtPeriodEnd };
});
