import { adminRoute } from "@/lib/api/admin-route";
import { serializeSubscription } from "@/lib/api/resources";
import { ZSubscriptionParams } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { cancelSubscription } from "@/lib/subscriptions/cancel-subscription";
import { ZSubscriptionCancelInput } from "@/lib/subscriptions/schemas";

export const dynamic = "force-dynamic";

export const POST = adminRoute({ params: ZSubscriptionParams, body: wireBody(ZSubscriptionCancelInput) }, async ({ params, body, audit }) => {
  return serializeSubscription(await cancelSubscription(params.subscriptionId, body, audit));
});
