import Decimal from "decimal.js";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { CancelSubscriptionControls, ChangePlanForm, SubscribeForm, type TPlanOffer, type TSubscriptionSummary } from "@/components/admin/subscription-actions";
import { PageHeader } from "@/components/app-shell";
import { AuditLogTable } from "@/components/audit-log-table";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { findAuditLogs } from "@/lib/audit/find-audit-logs";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findPlans } from "@/lib/catalog/find-plans";
import { findCustomerHistory } from "@/lib/customers/find-customer-history";
import { getCustomer } from "@/lib/customers/get-customer";
import type { BillingInterval } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { findUsageTotals } from "@/lib/metering/find-usage-totals";
import { formatMoney, formatQuantity } from "@/lib/money/currency";
import { findLiveSubscription } from "@/lib/subscriptions/find-live-subscriptions";
import { getUtcMonth } from "@/lib/time/utc-month";
import { formatDate, formatDateTime } from "@/lib/time/format";
import { BackLink } from "@/components/ui/back-link";

export const metadata: Metadata = { title: "Customer" };


const CHANGE_LABELS = {
  CREATED: "Subscribed",
  PLAN_CHANGED: "Plan changed",
  PLAN_CHANGE_SCHEDULED: "Plan change scheduled",
  CANCEL_SCHEDULED: "Cancellation scheduled",
  CANCEL_UNSCHEDULED: "Scheduled cancellation undone",
  CANCELED: "Canceled",
} as const;

function cadence(interval: BillingInterval, count: number): string {
  const unit = interval.toLowerCase();
  return count === 1 ? `per ${unit}` : `every ${count} ${unit}s`;
}

async function loadCustomer(customerId: string) {
  if (!z.uuid().safeParse(customerId).success) notFound();
  try {
    return await getCustomer(customerId);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

export default async function CustomerPage({ params }: { params: Promise<{ customerId: string }> }) {
  await requireStaffPage("ADMIN");
  const { customerId } = await params;
  const customer = await loadCustomer(customerId);
  const [subscription, plans, history, audit] = await Promise.all([
    findLiveSubscription(customerId),
    findPlans({ status: "ACTIVE" }),
    findCustomerHistory(customerId),
    findAuditLogs({ customerId }),
  ]);
  const period = subscription ? { periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd } : getUtcMonth(new Date());
  const usage = await findUsageTotals(customerId, period);

  const offers: TPlanOffer[] = plans.flatMap((plan) =>
    plan.versions
      .filter((version) => version.status === "PUBLISHED")
      .map((version) => ({
        id: version.id,
        label: `${plan.name} v${version.version}`,
        price: formatMoney(version.baseFeeMinor, version.currency),
        currency: version.currency,
        cadence: cadence(version.interval, version.intervalCount),
      })),
  );
  const summary: TSubscriptionSummary | null = subscription
    ? {
        id: subscription.id,
        planVersionId: subscription.planVersionId,
        planLabel: `${subscription.planVersion.plan.name} v${subscription.planVersion.version}`,
        pendingPlanLabel: subscription.pendingPlanVersion ? `${subscription.pendingPlanVersion.plan.name} v${subscription.pendingPlanVersion.version}` : null,
        currency: subscription.planVersion.currency,
        cadence: cadence(subscription.planVersion.interval, subscription.planVersion.intervalCount),
        cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
        periodEndLabel: formatDate(subscription.currentPeriodEnd),
      }
    : null;

  return (
    <>
      <BackLink href="/admin/customers">Customers</BackLink>
      <PageHeader title={customer.name} description={customer.email ?? "No billing email"} />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="External id" value={<span className="font-mono text-base">{customer.externalId}</span>} />
        <Stat
          label="Stripe customer"
          value={
            <span className="font-mono text-base" data-testid="stripe-customer-id">
              {customer.stripeCustomerId ?? "not synced"}
            </span>
          }
          hint={customer.stripeCustomerId ? "synced" : "Stripe has no customer yet"}
        />
        <Stat label="Created" value={<span className="text-base">{formatDate(customer.createdAt)}</span>} hint="UTC" />
      </div>

      <Card title="Subscription" className="mt-6">
        {subscription && summary ? (
          <div className="space-y-6">
            <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3" data-testid="subscription">
              <div>
                <dt className="text-slate-500">Plan</dt>
                <dd className="font-medium text-slate-900">{summary.planLabel}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Status</dt>
                <dd className="font-medium text-slate-900">{subscription.status.toLowerCase().replace("_", " ")}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Current period (UTC)</dt>
                <dd className="text-slate-900">
                  {formatDate(subscription.currentPeriodStart)} – {summary.periodEndLabel}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Cancel at period end</dt>
                <dd className="text-slate-900">{subscription.cancelAtPeriodEnd ? `Yes, on ${summary.periodEndLabel}` : "No"}</dd>
              </div>
              <div>
                <dt className="text-slate-500">Scheduled plan change</dt>
                <dd className="text-slate-900" data-testid="scheduled-change">
                  {summary.pendingPlanLabel ? `To ${summary.pendingPlanLabel} on ${summary.periodEndLabel}` : "None"}
                </dd>
              </div>
              <div>
                <dt className="text-slate-500">Stripe subscription</dt>
                <dd className="font-mono text-xs text-slate-700" data-testid="stripe-subscription-id">
                  {subscription.stripeSubscriptionId ?? "not synced"}
                </dd>
              </div>
            </dl>
            <div className="grid gap-6 border-t border-slate-100 pt-4 lg:grid-cols-2">
              <section aria-labelledby="change-plan-heading">
                <h3 id="change-plan-heading" className="mb-2 text-sm font-semibold text-slate-700">
                  Change plan
                </h3>
                <ChangePlanForm subscription={summary} offers={offers} />
              </section>
              <section aria-labelledby="cancel-heading">
                <h3 id="cancel-heading" className="mb-2 text-sm font-semibold text-slate-700">
                  Cancel
                </h3>
                <CancelSubscriptionControls subscription={summary} />
              </section>
            </div>
          </div>
        ) : (
          <div className="space-y-4">
            <p className="text-sm text-slate-600">No active subscription.</p>
            {customer.stripeCustomerId ? (
              <SubscribeForm customerId={customer.id} customerName={customer.name} offers={offers} />
            ) : (
              <p className="text-sm text-amber-700">This customer has no Stripe customer yet, so it cannot be subscribed.</p>
            )}
          </div>
        )}
      </Card>

      <Card title={`Usage ${formatDate(period.periodStart)} – ${formatDate(period.periodEnd)} (UTC, end excluded)`} className="mt-6">
        {usage.length === 0 ? (
          <EmptyState title="No usage recorded in this period" />
        ) : (
          <table className="w-full text-left text-sm">
            <caption className="sr-only">Usage this period per meter</caption>
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">Meter</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">Quantity</th>
                <th scope="col" className="py-2 text-right font-medium">Events</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {usage.map((total) => (
                <tr key={total.meterId}>
                  <td className="py-2 pr-4">
                    <span className="font-medium text-slate-900">{total.displayName}</span> <span className="font-mono text-xs text-slate-500">{total.eventName}</span>
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">
                    {formatQuantity(new Decimal(total.quantity))} {total.unitLabel}
                  </td>
                  <td className="py-2 text-right tabular-nums">{total.eventCount.toLocaleString("en-US")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Subscription history" className="mt-6">
        {history.changes.length === 0 ? (
          <EmptyState title="No subscription changes yet" />
        ) : (
          <table className="w-full text-left text-sm" data-testid="subscription-history">
            <caption className="sr-only">Subscription history</caption>
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">Change</th>
                <th scope="col" className="py-2 pr-4 font-medium">From</th>
                <th scope="col" className="py-2 pr-4 font-medium">To</th>
                <th scope="col" className="py-2 pr-4 font-medium">Takes effect (UTC)</th>
                <th scope="col" className="py-2 font-medium">Requested by</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {history.changes.map((change) => (
                <tr key={change.id}>
                  <td className="py-2 pr-4 font-medium text-slate-900">{CHANGE_LABELS[change.kind]}</td>
                  <td className="py-2 pr-4 text-slate-600">{change.fromPlan ?? "—"}</td>
                  <td className="py-2 pr-4 text-slate-600">{change.toPlan ?? "—"}</td>
                  <td className="py-2 pr-4 text-slate-600">{formatDateTime(change.effectiveAt)}</td>
                  <td className="py-2 text-slate-600">{change.requestedBy ?? "Tally (system)"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Audit log" className="mt-6">
        {audit.entries.length === 0 ? (
          <EmptyState title="No audit entries" />
        ) : (
          <AuditLogTable entries={audit.entries} caption="Audit log entries for this customer, newest first" showCustomer={false} />
        )}
        {audit.nextCursor ? (
          <p className="mt-4 text-sm">
            <Link href={`/finance/audit?customer=${customer.id}`} className="text-brand-700 hover:underline">
              All of this customer&apos;s entries in the audit log →
            </Link>
          </p>
        ) : null}
      </Card>
    </>
  );
}
