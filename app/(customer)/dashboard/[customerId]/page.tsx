import type { Metadata } from "next";
import { Suspense } from "react";
import { AppShell, PageHeader } from "@/components/app-shell";
import { CreditsInForce } from "@/components/customer/credits-in-force";
import { CustomerTabs } from "@/components/customer/customer-tabs";
import { InvoiceList } from "@/components/customer/invoice-list";
import { InvoicePreview, StripePreviewComparison } from "@/components/customer/invoice-preview";
import { MeterUsageCard } from "@/components/customer/meter-usage-card";
import { PeriodSelect } from "@/components/customer/period-select";
import { UsageAlertBanner } from "@/components/customer/usage-alert-banner";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireCustomerAccessPage } from "@/lib/auth/page-guards";
import { findCustomerInvoices } from "@/lib/billing/find-customer-invoices";
import { findUsageAlerts } from "@/lib/billing/find-usage-alerts";
import { getUsageDashboard } from "@/lib/billing/get-usage-dashboard";
import { formatMoney, formatQuantity, formatUnits } from "@/lib/money/currency";
import { formatDate, formatDateTime, formatDuration } from "@/lib/time/format";
import Decimal from "decimal.js";

export const metadata: Metadata = { title: "Usage" };

function parsePeriod(value: string | string[] | undefined): Date | undefined {
  if (typeof value !== "string") return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

const ago = (instant: Date | null, now: Date) => (instant ? `${formatDuration(now.getTime() - instant.getTime())} ago` : "never");

export default async function CustomerDashboardPage({
  params,
  searchParams,
}: {
  params: Promise<{ customerId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { customerId } = await params;
  const user = await requireCustomerAccessPage(customerId);
  const now = new Date();
  const dashboard = await getUsageDashboard(customerId, { now, periodStart: parsePeriod((await searchParams).period) });
  const { period, plan, subscription, preview, freshness } = dashboard;
  const [invoices, alerts] = await Promise.all([findCustomerInvoices(customerId), findUsageAlerts(customerId, { periodStart: period.periodStart })]);
  const isMember = user.memberships.some((membership) => membership.customerId === customerId);
  // The banner: per meter, the highest threshold reached this period, until someone dismisses it
  // (the lower thresholds it supersedes do not come back). `alerts` is newest first, so a Map built
  // from it would keep the oldest, lowest threshold: pick the highest explicitly.
  const highestByMeter = new Map<string, (typeof alerts)[number]>();
  for (const alert of alerts) if (alert.threshold > (highestByMeter.get(alert.meterId)?.threshold ?? -1)) highestByMeter.set(alert.meterId, alert);
  // A banner also needs its threshold to still hold: after an upgrade to a larger quota, an old 100 % alert does not.
  const percentOf = new Map(dashboard.meters.map((meter) => [meter.meterId, meter.percentUsed ?? 0]));
  const banners = period.current ? [...highestByMeter.values()].filter((alert) => !alert.dismissedAt && (percentOf.get(alert.meterId) ?? 0) >= alert.threshold) : [];
  const csvHref = `/api/customers/${customerId}/events.csv?periodStart=${encodeURIComponent(period.periodStart.toISOString())}&periodEnd=${encodeURIComponent(period.periodEnd.toISOString())}`;
  const daysLeft = Math.max(0, Math.ceil((period.periodEnd.getTime() - now.getTime()) / 86_400_000));

  return (
    <AppShell user={user} current={`/dashboard/${customerId}`}>
      <PageHeader
        title={dashboard.customer.name}
        description={`Account ${dashboard.customer.externalId} · billing period ${formatDate(period.periodStart)} – ${formatDate(period.periodEnd)} (UTC, end excluded). Usage updated ${ago(freshness.usageUpdatedAt, now)}; last sent to Stripe ${ago(freshness.reportedAt, now)}.`}
      />
      <CustomerTabs customerId={customerId} current="usage" />

      {banners.length > 0 ? (
        <div className="mb-6 space-y-2">
          {banners.map((alert) => (
            <UsageAlertBanner
              key={alert.id}
              customerId={customerId}
              alertId={alert.id}
              threshold={alert.threshold}
              meterName={alert.meter.displayName}
              canDismiss={isMember}
              message={`${formatQuantity(new Decimal(alert.usageQuantity.toString()))} of ${formatUnits(new Decimal(alert.includedQuantity.toString()), alert.meter.unitLabel)} by ${formatDateTime(alert.triggeredAt)} UTC.`}
            />
          ))}
        </div>
      ) : null}

      <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <PeriodSelect
          customerId={customerId}
          selected={period.periodStart.toISOString()}
          periods={dashboard.periods.map((candidate) => ({
            value: candidate.periodStart.toISOString(),
            label: `${formatDate(candidate.periodStart)} – ${formatDate(candidate.periodEnd)}${candidate.current ? " (current)" : ""}`,
          }))}
        />
        <a href={csvHref} download className="rounded-md bg-white px-3 py-1.5 text-sm font-medium text-slate-800 ring-1 ring-slate-300 hover:bg-slate-50" data-testid="download-csv">
          Download events (CSV)
        </a>
      </div>

      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Plan" value={plan ? plan.name : "No plan"} hint={subscription ? (subscription.cancelAtPeriodEnd ? "cancels at the period end" : subscription.pendingPlanName ? `moves to ${subscription.pendingPlanName} at the period end` : subscription.status.toLowerCase()) : undefined} />
        <Stat label={period.current ? "Invoice so far" : "Usage cost"} value={preview ? formatMoney(preview.soFar.totalMinor, preview.soFar.currency) : "—"} hint={preview ? "from your usage until now" : undefined} />
        <Stat label="Projected invoice" value={preview ? formatMoney(preview.projected.totalMinor, preview.projected.currency) : "—"} hint={preview ? "at your current pace" : undefined} />
        <Stat label={period.current ? "Period ends" : "Period ended"} value={formatDate(period.periodEnd)} hint={period.current ? `in ${daysLeft} ${daysLeft === 1 ? "day" : "days"}` : "UTC"} />
      </div>

      <h2 className="sr-only">Usage by meter</h2>
      {dashboard.meters.length === 0 ? (
        <div className="mt-6">
          <EmptyState title="No usage in this period">{plan ? "Usage appears here minutes after your product sends it." : "Once you are on a plan, its meters appear here."}</EmptyState>
        </div>
      ) : (
        <div className="mt-6 grid gap-4 lg:grid-cols-2">
          {dashboard.meters.map((meter) => (
            <MeterUsageCard key={meter.meterId} meter={meter} currency={plan?.currency ?? null} period={period} current={period.current} now={now} />
          ))}
        </div>
      )}

      <div className="mt-6 grid gap-4 lg:grid-cols-2">
        <Card title={period.current ? "Your next invoice" : "Invoice preview"}>
          {preview ? (
            <>
              <InvoicePreview soFar={preview.soFar} projected={preview.projected} pricedSince={preview.pricedSince} periodStart={period.periodStart} />
              {subscription?.stripeSubscriptionId ? (
                <Suspense fallback={<p className="mt-3 text-sm text-slate-500">Asking Stripe for its preview…</p>}>
                  <StripePreviewComparison
                    stripeSubscriptionId={subscription.stripeSubscriptionId}
                    engineTotalMinor={preview.stripeComparableTotalMinor}
                    freeUnitsMinor={preview.stripeComparableTotalMinor - preview.soFar.totalMinor}
                    currency={preview.soFar.currency}
                    reportedAt={freshness.reportedAt}
                  />
                </Suspense>
              ) : null}
            </>
          ) : (
            <EmptyState title={period.current ? "No plan, no invoice" : "See the invoice of this period below"}>
              {period.current ? "Your vendor has not started a subscription for this account yet." : "Past periods are billed on the invoices Stripe issued."}
            </EmptyState>
          )}
        </Card>
        {dashboard.credits.length > 0 ? (
          <Card title="Your credits" className="lg:col-span-2">
            <CreditsInForce credits={dashboard.credits} />
          </Card>
        ) : null}
        <Card title="Invoices">
          {invoices.length === 0 ? <EmptyState title="No invoices yet">Stripe issues one at the end of each billing period.</EmptyState> : <InvoiceList invoices={invoices} />}
        </Card>
      </div>

      <Card title="Notifications" className="mt-6">
        {alerts.length === 0 ? (
          <p className="text-sm text-slate-500">
            No alerts this period. {plan ? `You are told at ${plan.alertThresholds.map((threshold) => `${threshold}%`).join(", ")} of each included quantity, here and by email.` : ""}
          </p>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm" data-testid="alert-list">
            {alerts.map((alert) => (
              <li key={alert.id} className="flex flex-wrap justify-between gap-2 py-2">
                <span>
                  <span className="font-medium text-slate-900">{alert.meter.displayName}</span> reached {alert.threshold}% of its included quantity
                </span>
                <span className="text-slate-500">{formatDateTime(alert.triggeredAt)} UTC</span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </AppShell>
  );
}
