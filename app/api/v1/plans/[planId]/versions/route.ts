import { adminRoute } from "@/lib/api/admin-route";
import { createPlanDraft } from "@/lib/api/create-plan-draft";
import { serializePlanVersion } from "@/lib/api/resources";
import { ZPlanParams } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { ZPlanVersionInput } from "@/lib/catalog/schemas";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** The plan's next version from JSON: a new draft (201), or the open draft replaced (200). */
export const POST = adminRoute({ params: ZPlanParams, body: wireBody(ZPlanVersionInput) }, async ({ params, body, audit }) => {
  const { version, created } = await createPlanDraft(params.planId, body, audit);
  return json(serializePlanVersion(version), { status: created ? 201 : 200 });
});
