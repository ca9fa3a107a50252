import { adminRoute } from "@/lib/api/admin-route";
import { requirePlanVersion } from "@/lib/api/require-plan-version";
import { serializePlanVersion } from "@/lib/api/resources";
import { ZPlanVersionParams } from "@/lib/api/schemas";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";

export const dynamic = "force-dynamic";

export const POST = adminRoute({ params: ZPlanVersionParams }, async ({ params, audit }) => {
  await requirePlanVersion(params.planId, params.versionId);
  return serializePlanVersion(await publishPlanVersion(params.versionId, audit));
});
