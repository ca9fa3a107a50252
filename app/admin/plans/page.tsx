import type { Metadata } from "next";
import Link from "next/link";
import { PageHeader } from "@/components/app-shell";
import { StatusBadge } from "@/components/admin/status-badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findPlans } from "@/lib/catalog/find-plans";
import { formatMoney } from "@/lib/money/currency";

export const metadata: Metadata = { title: "Plans" };

export default async function PlansPage() {
  await requireStaffPage("ADMIN");
  const plans = await findPlans();
  return (
    <>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <PageHeader title="Plans" description="What customers pay: each plan's versions; a published version never changes." />
        <Link href="/admin/plans/new" className="rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white hover:bg-brand-700">
          New plan
        </Link>
      </div>
      <Card>
        {plans.length === 0 ? (
          <EmptyState title="No plans yet">Create one with its first draft.</EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Plan</th>
                  <th className="py-2 pr-4 font-medium">Key</th>
                  <th className="py-2 pr-4 font-medium">Status</th>
                  <th className="py-2 pr-4 font-medium">Versions</th>
                  <th className="py-2 pr-4 font-medium">Current price</th>
                  <th className="py-2 font-medium">Stripe product</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {plans.map((plan) => {
                  const current = plan.versions.findLast((version) => version.status === "PUBLISHED") ?? plan.versions.at(-1);
                  return (
                    <tr key={plan.id}>
                      <td className="py-2 pr-4 font-medium">
                        <Link href={`/admin/plans/${plan.id}`} className="text-brand-700 hover:underline">
                          {plan.name}
                        </Link>
                      </td>
                      <td className="py-2 pr-4 font-mono text-xs text-slate-600">{plan.key}</td>
                      <td className="py-2 pr-4">
                        <StatusBadge status={plan.status} />
                      </td>
                      <td className="py-2 pr-4">
                        <div className="flex flex-wrap gap-1">
                          {plan.versions.map((version) => (
                            <StatusBadge key={version.id} status={version.status} prefix={`v${version.version}`} />
                          ))}
                        </div>
                      </td>
                      <td className="py-2 pr-4 text-slate-600">
                        {current ? `${formatMoney(current.baseFeeMinor, current.currency)} / ${current.intervalCount > 1 ? `${current.intervalCount} ` : ""}${current.interval.toLowerCase()}` : "—"}
                      </td>
                      <td className="py-2 font-mono text-xs text-slate-600">{plan.stripeProductId ?? "not synced"}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
