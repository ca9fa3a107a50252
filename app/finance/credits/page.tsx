import type { Metadata } from "next";
import { AppShell, PageHeader } from "@/components/app-shell";
import { BackLink } from "@/components/ui/back-link";
import { CreditGrantForm } from "@/components/finance/credit-grant-form";
import { CreditTable } from "@/components/finance/credit-table";
import { Card } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findMeters } from "@/lib/catalog/find-meters";
import { findCredits } from "@/lib/credits/find-credits";
import { findCustomerOptions } from "@/lib/customers/find-customer-options";

export const metadata: Metadata = { title: "Credits" };

export default async function FinanceCreditsPage() {
  const user = await requireStaffPage("FINANCE");
  const [credits, customers, meters] = await Promise.all([findCredits(), findCustomerOptions(), findMeters()]);
  return (
    <AppShell user={user} current="/finance">
      <BackLink href="/finance">Finance</BackLink>
      <PageHeader
        title="Credits"
        description="Money off a customer's usage (a Stripe billing credit grant, applied to metered lines when each invoice is finalized) or free units of a meter (granted to each invoice as Stripe drafts it). Every grant and void is in the audit log."
      />
      <Card title="Grant a credit">
        <CreditGrantForm
          customers={customers.filter((customer) => !customer.archived).map((customer) => ({ value: customer.id, label: `${customer.name} (${customer.externalId})` }))}
          meters={meters.filter((meter) => meter.archivedAt === null).map((meter) => ({ value: meter.id, label: `${meter.displayName} (${meter.unitLabel})` }))}
        />
      </Card>
      <Card title="Credits" className="mt-6">
        <CreditTable credits={credits} />
      </Card>
    </AppShell>
  );
}
