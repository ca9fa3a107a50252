import { adminRoute } from "@/lib/api/admin-route";
import { serializePlan } from "@/lib/api/resources";
import { ZPlanParams } from "@/lib/api/schemas";
import { getPlan } from "@/lib/catalog/get-plan";

export const dynamic = "force-dynamic";

export const GET = adminRoute({ params: ZPlanParams }, async ({ params }) => serializePlan(await getPlan(params.planId)));
