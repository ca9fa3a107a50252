// Subscription inputs, shared by the admin forms, the customer's upgrade/downgrade form and the REST
// API (camelCase; the REST layer maps snake_case). The customer is never part of a body: it comes
// from the route (admin) or the session (customer), and services take it as a scope.
import { z } from "zod";

export const ZSubscriptionCreateInput = z.strictObject({ planVersionId: z.uuid("Choose a plan.") });
export type TSubscriptionCreateInput = z.output<typeof ZSubscriptionCreateInput>;

export const ZSubscriptionPlanChangeInput = z.strictObject({
  planVersionId: z.uuid("Choose a plan."),
  /** now: swap at once with prorations; period_end: at the end of the current period (downgrades). */
  when: z.enum(["now", "period_end"]).default("now"),
});
export type TSubscriptionPlanChangeInput = z.output<typeof ZSubscriptionPlanChangeInput>;

export const ZSubscriptionCancelInput = z.strictObject({ when: z.enum(["now", "period_end"]).default("period_end") });
export type TSubscriptionCancelInput = z.output<typeof ZSubscriptionCancelInput>;
