// Creates a plan with its first version, a DRAFT (nothing reaches Stripe until it is published).
import { db } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { getPlan, type TPlanWithVersions } from "@/lib/catalog/get-plan";
import { createCharges, requireChargeMeters, versionFields, versionSnapshot } from "@/lib/catalog/plan-version-data";
import type { TPlanInput } from "@/lib/catalog/schemas";
import { AppError } from "@/lib/errors";

export async function createPlan(input: TPlanInput, context: TAuditContext): Promise<TPlanWithVersions> {
  return db.$transaction(async (tx) => {
    if (await tx.plan.findUnique({ where: { key: input.key }, select: { id: true } })) {
      throw new AppError("conflict", `A plan with key "${input.key}" already exists.`, { errors: [{ pointer: "/key", detail: "Already taken." }] });
    }
    await requireChargeMeters(tx, input.version.charges, "/version");
    const plan = await tx.plan.create({
      data: { key: input.key, name: input.name, description: input.description, sortOrder: input.sortOrder },
    });
    const version = await tx.planVersion.create({ data: { planId: plan.id, version: 1, status: "DRAFT", ...versionFields(input.version) } });
    await createCharges(tx, version.id, input.version.charges);
    const created = await getPlan(plan.id, tx);
    const draft = created.versions[0];
    await recordAudit(tx, {
      ...context,
      action: "plan.created",
      entityType: "plan",
      entityId: plan.id,
      after: { ...plan, versions: draft ? [versionSnapshot(draft)] : [] },
    });
    return created;
  });
}
