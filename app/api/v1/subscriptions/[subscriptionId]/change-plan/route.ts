import { adminRoute } from "@/lib/api/admin-route";
import { serializeSubscription } from "@/lib/api/resources";
import { ZSubscriptionParams } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import { ZSubscriptionPlanChangeInput } from "@/lib/subscriptions/schemas";

export const dynamic = "force-dynamic";

export const POST = adminRoute({ params: ZSubscriptionParams, body: wireBody(ZSubscriptionPlanChangeInput) }, async ({ params, body, audit }) => {
  return serializeSubscription(await changeSubscriptionPlan(params.subscriptionId, body, audit));
});
