import type { Metadata } from "next";
import { AppShell, PageHeader } from "@/components/app-shell";
import { Stat } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { getFinanceOverview } from "@/lib/finance/get-finance-overview";
import { formatDate } from "@/lib/time/format";

export const metadata: Metadata = { title: "Finance" };

export default async function FinancePage() {
  const user = await requireStaffPage("FINANCE");
  const overview = await getFinanceOverview();
  const { reportLines, lastReconciliation } = overview;
  return (
    <AppShell user={user} current="/finance">
      <PageHeader title="Finance" description="Usage reported to Stripe, reconciliation and credits." />
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Customers" value={overview.customers} />
        <Stat label="Report lines sent" value={reportLines.SENT} hint={`${reportLines.PENDING} waiting to send`} />
        <Stat label="Held or dead-lettered" value={reportLines.HELD + reportLines.DEAD} />
        <Stat
          label="Last reconciliation"
          value={lastReconciliation ? formatDate(lastReconciliation.startedAt) : "Never"}
          hint={lastReconciliation ? lastReconciliation.status.toLowerCase() : undefined}
        />
      </div>
    </AppShell>
  );
}
