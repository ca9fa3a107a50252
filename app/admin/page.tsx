import type { Metadata } from "next";
import Link from "next/link";
import { connectorLabels } from "@/components/admin/connector-labels";
import { ConnectorStatusBadge } from "@/components/admin/connector-status-badge";
import { PageHeader } from "@/components/app-shell";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { getAdminOverview } from "@/lib/admin/get-admin-overview";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { formatDate, formatDateTime } from "@/lib/time/format";

export const metadata: Metadata = { title: "Admin" };

export default async function AdminPage() {
  await requireStaffPage("ADMIN");
  const overview = await getAdminOverview();
  return (
    <>
      <PageHeader title="Admin" description="Meters, plans, customers, API keys and connectors." />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Customers" value={overview.customers} />
        <Stat label="Active meters" value={overview.meters} />
        <Stat label="Plans" value={overview.plans} />
        <Stat label="Active API keys" value={overview.activeApiKeys} />
      </div>
      {overview.failingConnectors.length > 0 ? (
        <Card title="Connectors that need attention" className="mt-6">
          <ul className="divide-y divide-slate-100 text-sm" data-testid="failing-connectors">
            {overview.failingConnectors.map((connector) => (
              <li key={connector.id} className="py-2 first:pt-0 last:pb-0">
                <span className="flex flex-wrap items-center gap-2">
                  <Link href={`/admin/connectors/${connector.id}`} className="font-medium text-brand-700 hover:underline">
                    {connector.name}
                  </Link>
                  <span className="text-slate-500">{connectorLabels(connector).kind}</span>
                  {connector.lastStatus ? <ConnectorStatusBadge status={connector.lastStatus} /> : null}
                  {connector.lastRunAt ? <span className="text-slate-500">{formatDateTime(connector.lastRunAt)} UTC</span> : null}
                </span>
                {connector.lastError ? <span className="mt-0.5 block break-words text-red-700">{connector.lastError}</span> : null}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
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
