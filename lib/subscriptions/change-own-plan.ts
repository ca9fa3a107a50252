// A customer's self-serve plan change: the plan page's choice, applied by the rules the page showed
// (lib/billing/find-plan-options.ts): an upgrade now with proration, a downgrade at the period end
// (or now, per TALLY_DOWNGRADE_AT), and choosing the current plan drops a scheduled downgrade. Always
// scoped to the customer's own live subscription.
import type { TAuditContext } from "@/lib/audit/record-audit";
import { findPlanOptions } from "@/lib/billing/find-plan-options";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import type { TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";

export async function changeOwnPlan(customerId: string, planVersionId: string, context: TAuditContext): Promise<TSubscriptionDetail> {
  const subscription = await db.subscription.findFirst({ where: { customerId, endedAt: null }, select: { id: true, planVersionId: true } });
  if (!subscription) throw new AppError("conflict", "There is no subscription to change; ask your vendor to start one.");
  const { options } = await findPlanOptions(customerId);
  const option = options.find((candidate) => candidate.version.id === planVersionId);
  if (!option) throw new AppError("not_found", "No such plan.", { errors: [{ pointer: "/planVersionId", detail: "This plan is not offered." }] });
  if (option.unavailable) throw new AppError("unprocessable", option.unavailable, { errors: [{ pointer: "/planVersionId", detail: option.unavailable }] });
  const when = option.kind === "current" ? "now" : (option.when ?? "now");
  return changeSubscriptionPlan(subscription.id, { planVersionId, when }, context, { customerId });
}
