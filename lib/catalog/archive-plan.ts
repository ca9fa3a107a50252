// Archives a plan: no new subscriptions, hidden from plan pickers. Existing subscriptions keep their
// version (archiving never touches a customer's billing); the Stripe product is deactivated.
import { db, type Prisma } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";

export async function archivePlan(planId: string, context: TAuditContext): Promise<Prisma.PlanModel> {
  const plan = await db.$transaction(async (tx) => {
    const before = await tx.plan.findUnique({ where: { id: planId } });
    if (!before) throw new AppError("not_found", "No such plan.");
    if (before.status === "ARCHIVED") return before;
    const after = await tx.plan.update({ where: { id: planId }, data: { status: "ARCHIVED", archivedAt: new Date() } });
    await recordAudit(tx, { ...context, action: "plan.archived", entityType: "plan", entityId: planId, before, after });
    return after;
  });
  if (plan.stripeProductId) {
    await getStripe().products.update(plan.stripeProductId, { active: false }, { idempotencyKey: `plan:${plan.id}:archive` });
  }
  return plan;
}
