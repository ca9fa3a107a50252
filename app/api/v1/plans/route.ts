import { adminRoute } from "@/lib/api/admin-route";
import { serializePlan, serializePlanSummary } from "@/lib/api/resources";
import { ZPlanListQuery } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { createPlan } from "@/lib/catalog/create-plan";
import { findPlans } from "@/lib/catalog/find-plans";
import { ZPlanInput } from "@/lib/catalog/schemas";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = adminRoute({ query: ZPlanListQuery }, async ({ query }) => {
  const plans = await findPlans(query);
  return { data: plans.map(serializePlanSummary) };
});

/** A plan with its first version, a draft: publish it with POST /plans/{planId}/versions/{versionId}/publish. */
export const POST = adminRoute({ body: wireBody(ZPlanInput) }, async ({ body, audit }) => {
  return json(serializePlan(await createPlan(body, audit)), { status: 201 });
});
