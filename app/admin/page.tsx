import type { Metadata } from "next";
import { PageHeader } from "@/components/app-shell";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { getAdminOverview } from "@/lib/admin/get-admin-overview";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { formatDate } from "@/lib/time/format";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  await requireStaffPage("ADMIN");
  const overview = await getAdminOverview();
  return (
    <>
      <PageHeader title="Admin" description="Meters, plans, customers and API keys." />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Customers" value={overview.customers} />
        <Stat label="Active meters" value={overview.meters} />
        <Stat label="Plans" value={overview.plans} />
        <Stat label="Active API keys" value={overview.activeApiKeys} />
      </div>
      <Card title="Newest customers" className="mt-6">
        {overview.recentCustomers.length === 0 ? (
          <EmptyState title="No customers yet" />
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Name</th>
                  <th className="py-2 pr-4 font-medium">External id</th>
                  <th className="py-2 pr-4 font-medium">Stripe customer</th>
                  <th className="py-2 font-medium">Created</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {overview.recentCustomers.map((customer) => (
                  <tr key={customer.id}>
                    <td className="py-2 pr-4 font-medium text-slate-900">{customer.name}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{customer.externalId}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{customer.stripeCustomerId ?? "not synced"}</td>
                    <td className="py-2 text-slate-600">{formatDate(customer.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
