// Replaces a DRAFT version's prices, charges and tiers. A published version never changes: edit a
// new version instead (createPlanVersion).
import { db } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { getPlanVersion, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import { createCharges, requireChargeMeters, versionFields, versionSnapshot } from "@/lib/catalog/plan-version-data";
import type { TPlanVersionInput } from "@/lib/catalog/schemas";
import { AppError } from "@/lib/errors";

export async function updatePlanDraft(planVersionId: string, input: TPlanVersionInput, context: TAuditContext): Promise<TPlanVersionWithCharges> {
  return db.$transaction(async (tx) => {
    const before = await getPlanVersion(planVersionId, tx);
    if (before.status !== "DRAFT") {
      throw new AppError("conflict", `Version ${before.version} is ${before.status.toLowerCase()}; published versions never change. Create a new version to edit the plan.`);
    }
    await requireChargeMeters(tx, input.charges);
    // The charges are replaced, so a half-finished publish's Stripe prices no longer apply: the
    // next publish creates prices for the new rows (the base price is forgotten with them).
    await tx.planCharge.deleteMany({ where: { planVersionId } });
    await tx.planVersion.update({ where: { id: planVersionId }, data: { ...versionFields(input), stripeBasePriceId: null } });
    await createCharges(tx, planVersionId, input.charges);
    const after = await getPlanVersion(planVersionId, tx);
    await recordAudit(tx, {
      ...context,
      action: "plan_version.updated",
      entityType: "plan_version",
      entityId: planVersionId,
      before: versionSnapshot(before),
      after: versionSnapshot(after),
    });
    return after;
  });
}
