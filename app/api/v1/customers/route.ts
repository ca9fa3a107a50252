import { adminRoute } from "@/lib/api/admin-route";
import { serializeCustomer, serializeCustomerPage } from "@/lib/api/resources";
import { ZCustomerListQuery } from "@/lib/api/schemas";
import { wireBody } from "@/lib/api/wire";
import { ZCustomerInput } from "@/lib/catalog/schemas";
import { createCustomer } from "@/lib/customers/create-customer";
import { findCustomers } from "@/lib/customers/find-customers";
import { json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = adminRoute({ query: ZCustomerListQuery }, async ({ query }) => {
  const page = await findCustomers({ search: query.search, page: query.page, pageSize: query.page_size });
  return serializeCustomerPage(page);
});

export const POST = adminRoute({ body: wireBody(ZCustomerInput) }, async ({ body, audit }) => {
  return json(serializeCustomer(await createCustomer(body, audit)), { status: 201 });
});
