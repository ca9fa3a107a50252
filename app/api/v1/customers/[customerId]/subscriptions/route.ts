import { adminRoute } from "@/lib/api/admin-route";
import { serializeSubscription } from "@/lib/api/resources";
import { ZCustomerParams } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { json } from "@/lib/http/route";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { ZSubscriptionCreateInput } from "@/lib/subscriptions/schemas";

export const dynamic = "force-dynamic";

/** The customer comes from the path, never the body; a customer has at most one live subscription. */
export const POST = adminRoute({ params: ZCustomerParams, body: wireBody(ZSubscriptionCreateInput) }, async ({ params, body, audit }) => {
  return json(serializeSubscription(await createSubscription(params.customerId, body, audit)), { status: 201 });
});
