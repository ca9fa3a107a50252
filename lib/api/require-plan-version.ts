// A plan version addressed under its plan (`/plans/{planId}/versions/{versionId}`): a version of
// another plan is answered exactly as one that does not exist.
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export async function requirePlanVersion(planId: string, planVersionId: string): Promise<void> {
  const version = await db.planVersion.findFirst({ where: { id: planVersionId, planId }, select: { id: true } });
  if (!version) throw new AppError("not_found", "No such plan version.");
}
