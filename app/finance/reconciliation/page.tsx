import type { Metadata } from "next";
import Link from "next/link";
import { AppShell, PageHeader } from "@/components/app-shell";
import { BackLink } from "@/components/ui/back-link";
import { ReconciliationRunForm } from "@/components/finance/reconciliation-run-form";
import { ReconciliationTable } from "@/components/finance/reconciliation-table";
import { Card, Stat } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findCustomerOptions } from "@/lib/customers/find-customer-options";
import { findReconciliationRun, findRecentReconciliationRuns } from "@/lib/reconciliation/find-reconciliation-run";
import { ZReconciliationPageQuery } from "@/lib/reconciliation/schemas";
import { formatDateTime, formatDuration } from "@/lib/time/format";

export const metadata: Metadata = { title: "Reconciliation" };

export default async function ReconciliationPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireStaffPage("FINANCE");
  const query = ZReconciliationPageQuery.parse(await searchParams);
  const [run, recent, customers] = await Promise.all([
    findReconciliationRun({ runId: query.run, onlyAttention: query.rows === "attention" }),
    findRecentReconciliationRuns(),
    findCustomerOptions(),
  ]);
  const runParam = query.run ? `run=${query.run}&` : "";
  return (
    <AppShell user={user} current="/finance">
      <BackLink href="/finance">Finance</BackLink>
      <PageHeader
        title="Reconciliation"
        description="For each customer, meter and billing period: the raw events, what Tally reported, Stripe's meter summary and the invoice. Runs nightly; run it now any time."
      />
      <Card title="Run now">
        <ReconciliationRunForm customers={customers.filter((customer) => !customer.archived)} />
      </Card>

      {run ? (
        <>
          <div className="mt-6 grid grid-cols-2 gap-4 lg:grid-cols-4">
            <Stat
              label={query.run ? "Run" : "Last run"}
              value={formatDateTime(run.startedAt)}
              hint={`${run.trigger === "SCHEDULED" ? "nightly" : `on demand${run.triggeredByEmail ? ` by ${run.triggeredByEmail}` : ""}`}${run.customerName ? `, ${run.customerName} only` : ""} · ${run.status.toLowerCase()}${run.finishedAt ? ` in ${formatDuration(run.finishedAt.getTime() - run.startedAt.getTime())}` : ""}`}
            />
            <Stat label="Rows checked" value={run.checkedCount} />
            <Stat label="Need attention" value={run.driftCount} />
            <Stat label="Without Stripe's figures" value={run.failedCount} />
          </div>
          {run.error ? <p className="mt-4 rounded-md bg-red-50 p-3 text-sm text-red-800" role="alert">The run failed: {run.error}</p> : null}
          <Card title={query.rows === "all" ? "Every row" : "Rows that need attention"} className="mt-6">
            <nav aria-label="Rows to show" className="mb-3 flex gap-2 text-xs">
              {(["attention", "all"] as const).map((rows) => (
                <Link
                  key={rows}
                  href={`/finance/reconciliation?${runParam}rows=${rows}`}
                  aria-current={query.rows === rows ? "page" : undefined}
                  className={`rounded-full px-3 py-1 font-medium ring-1 ${query.rows === rows ? "bg-slate-900 text-white ring-slate-900" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"}`}
                >
                  {rows === "all" ? "Every row" : "Needs attention"}
                </Link>
              ))}
            </nav>
            <ReconciliationTable lines={run.lines} showingAll={query.rows === "all"} />
          </Card>
        </>
      ) : (
        <p className="mt-6 text-sm text-slate-600">No reconciliation has run yet: run one now, or wait for the nightly run.</p>
      )}

      {recent.length > 1 ? (
        <Card title="Recent runs" className="mt-6">
          <ul className="divide-y divide-slate-100 text-sm">
            {recent.map((recentRun) => (
              <li key={recentRun.id} className="flex flex-wrap justify-between gap-2 py-2">
                <Link href={`/finance/reconciliation?run=${recentRun.id}`} className="font-medium text-brand-700 hover:underline">
                  {formatDateTime(recentRun.startedAt)}
                </Link>
                <span className="text-slate-600">
                  {recentRun.trigger === "SCHEDULED" ? "nightly" : "on demand"} · {recentRun.status.toLowerCase()} · {recentRun.checkedCount} checked, {recentRun.driftCount} need attention
                </span>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </AppShell>
  );
}
