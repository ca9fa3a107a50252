import { adminRoute } from "@/lib/api/admin-route";
import { serializeCustomerDetail } from "@/lib/api/resources";
import { ZCustomerParams } from "@/lib/api/schemas";
import { getCustomer } from "@/lib/customers/get-customer";

export const dynamic = "force-dynamic";

/** By Tally id only (find one by external id with GET /customers?search=). */
export const GET = adminRoute({ params: ZCustomerParams }, async ({ params }) => serializeCustomerDetail(await getCustomer(params.customerId)));
