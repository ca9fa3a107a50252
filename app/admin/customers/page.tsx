import type { Metadata } from "next";
import Link from "next/link";
import { CustomerCreateForm } from "@/components/admin/customer-create-form";
import { PageHeader } from "@/components/app-shell";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findCustomers } from "@/lib/customers/find-customers";
import { findLiveSubscriptions } from "@/lib/subscriptions/find-live-subscriptions";

export const metadata: Metadata = { title: "Customers" };

const PAGE_SIZE = 25;

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function pageHref(search: string, page: number): string {
  const params = new URLSearchParams();
  if (search) params.set("q", search);
  if (page > 1) params.set("page", String(page));
  const query = params.toString();
  return query ? `/admin/customers?${query}` : "/admin/customers";
}

export default async function CustomersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireStaffPage("ADMIN");
  const params = await searchParams;
  const search = one(params.q).trim();
  const requestedPage = Number.parseInt(one(params.page), 10);
  const result = await findCustomers({ search, page: Number.isFinite(requestedPage) ? requestedPage : 1, pageSize: PAGE_SIZE });
  const subscriptions = await findLiveSubscriptions(result.customers.map((customer) => customer.id));
  const pages = Math.max(1, Math.ceil(result.total / result.pageSize));
  const first = result.total === 0 ? 0 : (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.total, result.page * result.pageSize);

  return (
    <>
      <PageHeader title="Customers" description="Everyone you bill: their Stripe customer, plan and subscription status." />
      <Card title="New customer">
        <CustomerCreateForm />
      </Card>
      <Card className="mt-6">
        <form role="search" action="/admin/customers" className="mb-4 flex flex-wrap items-end gap-2">
          <div className="min-w-64 flex-1 space-y-1.5">
            <label htmlFor="customer-search" className="block text-sm font-medium text-slate-700">
              Search customers
            </label>
            <input
              id="customer-search"
              name="q"
              type="search"
              defaultValue={search}
              placeholder="Name, external id or email"
              className="block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500 focus:outline-none"
            />
          </div>
          <button type="submit" className="rounded-md bg-white px-3.5 py-2 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50">
            Search
          </button>
          {search ? (
            <Link href="/admin/customers" className="px-2 py-2 text-sm text-slate-600 hover:text-slate-900">
              Clear
            </Link>
          ) : null}
        </form>
        {result.customers.length === 0 ? (
          <EmptyState title={search ? `No customer matches “${search}”` : "No customers yet"}>
            {search ? "Search looks at names, external ids and emails." : "Create the first one above."}
          </EmptyState>
        ) : (
          <>
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Customers</caption>
                <thead className="text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                    <th scope="col" className="py-2 pr-4 font-medium">External id</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Email</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Plan</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                    <th scope="col" className="py-2 font-medium">Stripe customer</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {result.customers.map((customer) => {
                    const subscription = subscriptions.get(customer.id);
                    return (
                      <tr key={customer.id}>
                        <td className="py-2 pr-4 font-medium">
                          <Link href={`/admin/customers/${customer.id}`} className="text-brand-700 hover:underline">
                            {customer.name}
                          </Link>
                        </td>
                        <td className="py-2 pr-4 font-mono text-xs text-slate-600">{customer.externalId}</td>
                        <td className="py-2 pr-4 text-slate-600">{customer.email ?? "—"}</td>
                        <td className="py-2 pr-4 text-slate-700">{subscription ? `${subscription.planName} v${subscription.version}` : "No plan"}</td>
                        <td className="py-2 pr-4 text-slate-600">
                          {subscription ? subscription.status.toLowerCase().replace("_", " ") : "—"}
                          {subscription?.cancelAtPeriodEnd ? " (cancels at period end)" : ""}
                        </td>
                        <td className="py-2 font-mono text-xs text-slate-600">{customer.stripeCustomerId ?? <span className="font-sans text-amber-700">not synced</span>}</td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm text-slate-600">
              <p>
                {first}–{last} of {result.total}
              </p>
              <div className="flex gap-2">
                {result.page > 1 ? (
                  <Link href={pageHref(search, result.page - 1)} className="rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-slate-50">
                    Previous
                  </Link>
                ) : null}
                {result.page < pages ? (
                  <Link href={pageHref(search, result.page + 1)} className="rounded-md px-3 py-1.5 ring-1 ring-slate-300 hover:bg-slate-50">
                    Next
                  </Link>
                ) : null}
              </div>
            </nav>
          </>
        )}
      </Card>
    </>
  );
}
