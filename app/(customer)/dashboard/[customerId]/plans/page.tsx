import type { Metadata } from "next";
import { AppShell, PageHeader } from "@/components/app-shell";
import { CancelSubscriptionPanel } from "@/components/customer/cancel-subscription-panel";
import { CustomerTabs } from "@/components/customer/customer-tabs";
import { PlanChangeButton, type TPlanChangeSummary } from "@/components/customer/plan-change-button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireCustomerAccessPage } from "@/lib/auth/page-guards";
import { findPlanOptions, type TPlanOption } from "@/lib/billing/find-plan-options";
import { getCustomer } from "@/lib/customers/get-customer";
import { formatMoney, formatUnits, pluralUnit } from "@/lib/money/currency";
import { formatDate } from "@/lib/time/format";
import Decimal from "decimal.js";

export const metadata: Metadata = { title: "Plans" };

function priceSummary(option: TPlanOption): string[] {
  const money = (value: { toString(): string }) => formatMoney(new Decimal(value.toString()), option.version.currency);
  return option.version.charges.map((charge) => {
    const included = new Decimal(charge.includedQuantity.toString());
    const unit = charge.meter.unitLabel;
    const free = included.greaterThan(0) ? `${formatUnits(included, unit)} included` : `no ${pluralUnit(unit)} included`;
    const [first, ...more] = charge.tiers;
    const price =
      charge.pricingModel === "PER_UNIT" && charge.unitPriceMinor !== null
        ? `then ${money(charge.unitPriceMinor)} each`
        : charge.pricingModel === "PACKAGE" && charge.unitPriceMinor !== null && charge.packageSize !== null
          ? `then ${money(charge.unitPriceMinor)} per ${formatUnits(new Decimal(charge.packageSize.toString()), unit)}`
          : first
            ? `then ${money(first.unitPriceMinor)} each${more.length > 0 ? ` in the first of ${charge.tiers.length} ${charge.pricingModel === "VOLUME" ? "volume" : "graduated"} tiers` : ""}`
            : "";
    return `${charge.meter.displayName}: ${free}${price ? `, ${price}` : ""}`;
  });
}

function changeSummary(current: TPlanOption, target: TPlanOption, periodEnd: Date): TPlanChangeSummary {
  const currency = target.version.currency;
  const when = target.when ?? "now";
  const changes =
    target.kind === "current"
      ? [`Your scheduled change is dropped: you stay on ${target.planName}.`]
      : [
          when === "now"
            ? `Takes effect now. The base fee is prorated: unused time on ${current.planName} is credited and the rest of this period is charged at ${target.planName}'s ${formatMoney(target.version.baseFeeMinor, currency)}.`
            : `Takes effect at the end of this period, on ${formatDate(periodEnd)}. Until then nothing changes.`,
          when === "now"
            ? `Usage so far is billed at ${current.planName}'s prices; usage from now at ${target.planName}'s.`
            : `This period's usage is billed at ${current.planName}'s prices.`,
          `At your usage so far this period: ${formatMoney(current.soFar.totalMinor, currency)} on ${current.planName}, ${formatMoney(target.soFar.totalMinor, currency)} on ${target.planName}.`,
        ];
  return { fromPlan: current.planName, toPlan: target.planName, kind: target.kind, when, periodEnd: formatDate(periodEnd), changes };
}

export default async function PlansPage({ params }: { params: Promise<{ customerId: string }> }) {
  const { customerId } = await params;
  const user = await requireCustomerAccessPage(customerId);
  const [customer, { period, options }] = await Promise.all([getCustomer(customerId), findPlanOptions(customerId)]);
  const isMember = user.memberships.some((membership) => membership.customerId === customerId);
  const current = options.find((option) => option.kind === "current") ?? null;
  const subscription = customer.subscription;
  const scheduled = options.find((option) => option.scheduled) ?? null;

  return (
    <AppShell user={user} current={`/dashboard/${customerId}`}>
      <PageHeader
        title="Plans"
        description={`What each plan would cost this period (${formatDate(period.periodStart)} – ${formatDate(period.periodEnd)}, UTC) at your real usage so far, priced exactly as your invoice will be.`}
      />
      <CustomerTabs customerId={customerId} current="plans" />
      {scheduled ? (
        <p className="mb-4 rounded-lg border border-brand-100 bg-brand-50 px-4 py-3 text-sm text-brand-700" role="status">
          You move to {scheduled.planName} on {formatDate(period.periodEnd)}.
        </p>
      ) : null}
      {options.length === 0 ? (
        <EmptyState title="No plans are offered yet" />
      ) : (
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3" data-testid="plan-options">
          {options.map((option) => {
            const currency = option.version.currency;
            const isCurrent = option.kind === "current";
            return (
              <li
                key={option.version.id}
                data-testid="plan-option"
                data-plan={option.planName}
                data-cheapest={option.cheapest ? "true" : undefined}
                className={`flex flex-col rounded-xl bg-white p-5 shadow-sm ring-1 ${option.cheapest ? "ring-2 ring-emerald-500" : isCurrent ? "ring-2 ring-brand-600" : "ring-slate-200"}`}
              >
                <div className="flex flex-wrap items-center gap-2">
                  <h2 className="text-lg font-semibold text-slate-900">{option.planName}</h2>
                  {isCurrent ? <span className="rounded-full bg-brand-50 px-2 py-0.5 text-xs font-medium text-brand-700">Your plan</span> : null}
                  {option.cheapest ? <span className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800">Cheapest for you</span> : null}
                  {option.scheduled ? <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">From {formatDate(period.periodEnd)}</span> : null}
                </div>
                {option.description ? <p className="mt-1 text-sm text-slate-600">{option.description}</p> : null}
                <p className="mt-3 text-sm text-slate-600">
                  <span className="text-xl font-semibold text-slate-900">{formatMoney(option.version.baseFeeMinor, currency)}</span> / {option.version.intervalCount > 1 ? `${option.version.intervalCount} ` : ""}
                  {option.version.interval.toLowerCase()}
                </p>
                <ul className="mt-3 space-y-1 text-sm text-slate-600">
                  {priceSummary(option).map((line) => (
                    <li key={line}>{line}</li>
                  ))}
                </ul>
                <dl className="mt-4 grid grid-cols-2 gap-2 rounded-lg bg-slate-50 p-3 text-sm">
                  <div>
                    <dt className="text-slate-500">This period at your usage</dt>
                    <dd className="text-lg font-semibold tabular-nums text-slate-900" data-testid="plan-cost">
                      {formatMoney(option.soFar.totalMinor, currency)}
                    </dd>
                  </div>
                  <div>
                    <dt className="text-slate-500">At your pace to the end</dt>
                    <dd className="text-lg font-semibold tabular-nums text-slate-700">{formatMoney(option.projected.totalMinor, currency)}</dd>
                  </div>
                </dl>
                <div className="mt-auto pt-4">
                  {option.unavailable ? (
                    <p className="text-sm text-slate-500">{option.unavailable}</p>
                  ) : !isMember || !current ? null : (
                    // One component in every card (a button, or a line), so an open dialog outlives the change it makes.
                    <PlanChangeButton
                      customerId={customerId}
                      planVersionId={option.version.id}
                      summary={changeSummary(current, option, period.periodEnd)}
                      variant={option.kind === "upgrade" ? "primary" : "secondary"}
                      label={
                        isCurrent
                          ? `Stay on ${option.planName}`
                          : option.kind === "upgrade"
                            ? `Upgrade to ${option.planName}`
                            : option.when === "now"
                              ? `Switch to ${option.planName}`
                              : "Switch at period end"
                      }
                      placeholder={isCurrent && !scheduled ? "You are on this plan." : option.scheduled ? `Starts ${formatDate(period.periodEnd)}.` : undefined}
                    />
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      )}
      {!isMember ? <p className="mt-4 text-sm text-slate-500">Only the account&apos;s own members can change its plan; staff change plans from the admin pages.</p> : null}
      {isMember && subscription && current ? (
        <Card title="Cancel" className="mt-6">
          <CancelSubscriptionPanel customerId={customerId} subscriptionId={subscription.id} cancelAtPeriodEnd={subscription.cancelAtPeriodEnd} periodEnd={formatDate(period.periodEnd)} />
        </Card>
      ) : null}
    </AppShell>
  );
}

