import { z } from "zod";
import { requireCustomerAccess } from "@/lib/auth/guards";
import { getCustomer } from "@/lib/customers/get-customer";
import { route } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** The signed-in user's view of one customer account (members and staff; others get 404). */
export const GET = route({ auth: "session", params: z.object({ customerId: z.uuid() }) }, async ({ user, params }) => {
  requireCustomerAccess(user, params.customerId);
  const customer = await getCustomer(params.customerId);
  return {
    id: customer.id,
    external_id: customer.externalId,
    name: customer.name,
    email: customer.email,
    created_at: customer.createdAt.toISOString(),
    subscription: customer.subscription && {
      status: customer.subscription.status.toLowerCase(),
      plan_name: customer.subscription.planName,
      current_period_start: customer.subscription.currentPeriodStart.toISOString(),
      current_period_end: customer.subscription.currentPeriodEnd.toISOString(),
    },
  };
});
