import type { Metadata } from "next";
import { AppShell, PageHeader } from "@/components/app-shell";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireCustomerAccessPage } from "@/lib/auth/page-guards";
import { getCustomer } from "@/lib/customers/get-customer";
import { findUsageTotals } from "@/lib/metering/find-usage-totals";
import { getUtcMonth } from "@/lib/time/utc-month";
import { formatDate } from "@/lib/time/format";

export const metadata: Metadata = { title: "Usage" };


export default async function CustomerDashboardPage({ params }: { params: Promise<{ customerId: string }> }) {
  const { customerId } = await params;
  const user = await requireCustomerAccessPage(customerId);
  const customer = await getCustomer(customerId);
  const subscription = customer.subscription;
  const period = subscription
    ? { periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd }
    : getUtcMonth(new Date());
  const totals = await findUsageTotals(customerId, period);
  return (
    <AppShell user={user} current={`/dashboard/${customerId}`}>
      <PageHeader
        title={customer.name}
        description={`Usage from ${formatDate(period.periodStart)} to ${formatDate(period.periodEnd)} (UTC, end excluded).`}
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Plan" value={subscription?.planName ?? "No plan"} hint={subscription?.status.toLowerCase()} />
        <Stat label="Period ends" value={formatDate(period.periodEnd)} hint="UTC" />
        <Stat label="Account id" value={<span className="font-mono text-base">{customer.externalId}</span>} />
      </div>
      <Card title="Usage" className="mt-6">
        {totals.length === 0 ? (
          <EmptyState title="No usage recorded in this period">Usage appears here as soon as events arrive.</EmptyState>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-slate-500">
              <tr>
                <th className="py-2 pr-4 font-medium">Meter</th>
                <th className="py-2 pr-4 text-right font-medium">Quantity</th>
                <th className="py-2 text-right font-medium">Events</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {totals.map((total) => (
                <tr key={total.meterId}>
                  <td className="py-2 pr-4 font-medium text-slate-900">{total.displayName}</td>
                  <td className="py-2 pr-4 text-right tabular-nums">
                    {total.quantity} {total.unitLabel}
                  </td>
                  <td className="py-2 text-right tabular-nums">{total.eventCount.toLocaleString("en-US")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </AppShell>
  );
}
