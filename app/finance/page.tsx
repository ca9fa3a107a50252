import type { Metadata } from "next";
import Link from "next/link";
import { AppShell, PageHeader } from "@/components/app-shell";
import { DisputeDownloadForm } from "@/components/finance/dispute-download-form";
import { Card, Stat } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findMeters } from "@/lib/catalog/find-meters";
import { findCustomerOptions } from "@/lib/customers/find-customer-options";
import { findMeteredInvoiceLines } from "@/lib/finance/find-metered-invoice-lines";
import { getFinanceOverview } from "@/lib/finance/get-finance-overview";
import { formatDate } from "@/lib/time/format";

export const metadata: Metadata = { title: "Finance" };

const one = (value: string | string[] | undefined): string => (Array.isArray(value) ? value[0] : value) ?? "";

export default async function FinancePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireStaffPage("FINANCE");
  const params = await searchParams;
  const dispute = { customerId: one(params.customerId), periodStart: one(params.periodStart), periodEnd: one(params.periodEnd), meter: one(params.meter), invoiceLineId: one(params.invoiceLineId) };
  const [overview, customers, meters] = await Promise.all([getFinanceOverview(), findCustomerOptions(), findMeters()]);
  const disputeCustomer = customers.find((customer) => customer.id === dispute.customerId && !customer.archived);
  const invoiceLines = disputeCustomer ? (await findMeteredInvoiceLines({ customerId: disputeCustomer.id, from: new Date(0), until: null })).reverse().slice(0, 12) : [];
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
          hint={lastReconciliation ? `${lastReconciliation.status.toLowerCase()} · ${lastReconciliation.driftCount} need attention` : "runs nightly"}
        />
      </div>
      <Card title="Dispute downloads" className="mt-6">
        <DisputeDownloadForm values={dispute} customers={customers.filter((customer) => !customer.archived)} meters={meters} invoiceLines={invoiceLines} />
      </Card>
      <p className="mt-6 text-sm">
        <Link href="/finance/reconciliation" className="font-medium text-brand-700 hover:underline">
          Reconciliation →
        </Link>{" "}
        <span className="text-slate-500">raw events, Tally&apos;s reported total, Stripe&apos;s meter summary and the invoice per customer, meter and period; drift, its cause and the repair.</span>
      </p>
      <p className="mt-2 text-sm">
        <Link href="/finance/credits" className="font-medium text-brand-700 hover:underline">
          Credits →
        </Link>{" "}
        <span className="text-slate-500">grant a customer money off their usage or free units of a meter, with a reason and an optional expiry; void one.</span>
      </p>
      <p className="mt-2 text-sm">
        <Link href="/finance/audit" className="font-medium text-brand-700 hover:underline">
          Audit log →
        </Link>{" "}
        <span className="text-slate-500">who changed plans, subscriptions, customers and API keys, and who downloaded what, with before and after.</span>
      </p>
    </AppShell>
  );
}
