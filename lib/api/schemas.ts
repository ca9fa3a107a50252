// The admin API's path and query parameters (already in wire form). Request bodies are the
// services' own schemas through `wireBody` (lib/api/wire.ts).
import { z } from "zod";

export const ZPlanParams = z.strictObject({ planId: z.uuid() });
export const ZPlanVersionParams = z.strictObject({ planId: z.uuid(), versionId: z.uuid() });
export const ZCustomerParams = z.strictObject({ customerId: z.uuid() });
export const ZSubscriptionParams = z.strictObject({ subscriptionId: z.uuid() });

export const ZMeterListQuery = z.strictObject({ status: z.enum(["ACTIVE", "ARCHIVED"]).optional() });
export const ZPlanListQuery = z.strictObject({ status: z.enum(["ACTIVE", "ARCHIVED"]).optional() });

export const ZCustomerListQuery = z.strictObject({
  /** Case-insensitive substring of the name, external id or email. */
  search: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(25),
});
