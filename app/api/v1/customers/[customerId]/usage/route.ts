import { serializeCustomerUsage } from "@/lib/api/usage-resources";
import { route } from "@/lib/http/route";
import { getCustomerUsage } from "@/lib/metering/get-customer-usage";
import { ZCustomerUsageParams, ZCustomerUsageQuery } from "@/lib/metering/schemas";

export const dynamic = "force-dynamic";

/** A customer's usage in its current period against its quota (by external id, or Tally id). */
export const GET = route(
  { auth: { apiKey: "INGEST" }, params: ZCustomerUsageParams, query: ZCustomerUsageQuery },
  async ({ params, query }) => serializeCustomerUsage(await getCustomerUsage(params.customerId, { meter: query.meter })),
);
