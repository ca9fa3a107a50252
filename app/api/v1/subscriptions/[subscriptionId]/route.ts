import { adminRoute } from "@/lib/api/admin-route";
import { serializeSubscription } from "@/lib/api/resources";
import { ZSubscriptionParams } from "@/lib/api/schemas";
import { getSubscription } from "@/lib/subscriptions/get-subscription";

export const dynamic = "force-dynamic";

export const GET = adminRoute({ params: ZSubscriptionParams }, async ({ params }) => serializeSubscription(await getSubscription(params.subscriptionId)));
