// POST /api/v1/plans/{planId}/versions: "this JSON is the plan's next version". When the plan's
// latest version is a draft, the draft is replaced (`created: false`); otherwise a new draft is
// made (copied from the latest version, then replaced by the input). Either way the result is the
// one open draft with exactly the input's prices, so a retry of the same request converges; a draft
// is published with POST …/versions/{versionId}/publish.
import type { TAuditContext } from "@/lib/audit/record-audit";
import { createPlanVersion } from "@/lib/catalog/create-plan-version";
import { getPlan, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import type { TPlanVersionInput } from "@/lib/catalog/schemas";
import { updatePlanDraft } from "@/lib/catalog/update-plan-draft";
import { AppError } from "@/lib/errors";

export async function createPlanDraft(
  planId: string,
  input: TPlanVersionInput,
  context: TAuditContext,
): Promise<{ version: TPlanVersionWithCharges; created: boolean }> {
  const plan = await getPlan(planId);
  if (plan.status === "ARCHIVED") throw new AppError("conflict", "The plan is archived.");
  const latest = plan.versions.at(-1);
  const created = latest?.status !== "DRAFT";
  const draft = latest && !created ? latest : await createPlanVersion(planId, context);
  return { version: await updatePlanDraft(draft.id, input, context), created };
}
