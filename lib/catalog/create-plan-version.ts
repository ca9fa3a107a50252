// "Editing a published plan creates a new version": a new DRAFT copied from the plan's latest
// version (then edited with updatePlanDraft and published). Subscriptions stay on their version.
import { db } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { getPlanVersion, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import { versionSnapshot } from "@/lib/catalog/plan-version-data";
import { AppError } from "@/lib/errors";

export async function createPlanVersion(planId: string, context: TAuditContext): Promise<TPlanVersionWithCharges> {
  return db.$transaction(async (tx) => {
    const plan = await tx.plan.findUnique({ where: { id: planId }, select: { id: true, status: true } });
    if (!plan) throw new AppError("not_found", "No such plan.");
    if (plan.status === "ARCHIVED") throw new AppError("conflict", "The plan is archived.");
    const latest = await tx.planVersion.findFirst({ where: { planId }, orderBy: { version: "desc" }, select: { id: true } });
    if (!latest) throw new AppError("not_found", "The plan has no version to copy.");
    const source = await getPlanVersion(latest.id, tx);
    if (source.status === "DRAFT") {
      throw new AppError("conflict", `Version ${source.version} is still a draft: edit it instead of creating another.`);
    }
    const created = await tx.planVersion.create({
      data: {
        planId,
        version: source.version + 1,
        status: "DRAFT",
        currency: source.currency,
        interval: source.interval,
        intervalCount: source.intervalCount,
        baseFeeMinor: source.baseFeeMinor,
        alertThresholds: source.alertThresholds,
        charges: {
          create: source.charges.map((charge) => ({
            meterId: charge.meterId,
            position: charge.position,
            includedQuantity: charge.includedQuantity,
            pricingModel: charge.pricingModel,
            unitPriceMinor: charge.unitPriceMinor,
            packageSize: charge.packageSize,
            tiers: {
              create: charge.tiers.map((tier) => ({
                position: tier.position,
                upTo: tier.upTo,
                unitPriceMinor: tier.unitPriceMinor,
                flatPriceMinor: tier.flatPriceMinor,
              })),
            },
          })),
        },
      },
    });
    const draft = await getPlanVersion(created.id, tx);
    await recordAudit(tx, {
      ...context,
      action: "plan_version.created",
      entityType: "plan_version",
      entityId: created.id,
      after: { ...versionSnapshot(draft), copiedFromVersion: source.version },
    });
    return draft;
  });
}
