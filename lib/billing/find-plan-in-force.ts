// The plan version a customer's subscription was on at an instant, from its history of plan
// changes: what a past period is priced with (the usage page's past periods, finance's dispute summary).
import { getPlanVersion, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import type { Prisma, TDb } from "@/lib/db";

export type TPlanInForce = TPlanVersionWithCharges & { plan: Prisma.PlanModel };

/** The last CREATED or PLAN_CHANGED change effective before `at`; null before the first subscription. */
export async function findPlanInForce(db: TDb, customerId: string, at: Date): Promise<TPlanInForce | null> {
  const change = await db.subscriptionChange.findFirst({
    where: { subscription: { customerId }, kind: { in: ["CREATED", "PLAN_CHANGED"] }, effectiveAt: { lt: at }, toPlanVersionId: { not: null } },
    orderBy: { effectiveAt: "desc" },
    select: { toPlanVersionId: true },
  });
  return change?.toPlanVersionId ? getPlanVersion(change.toPlanVersionId, db) : null;
}
