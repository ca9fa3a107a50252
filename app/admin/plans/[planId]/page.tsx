import Decimal from "decimal.js";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/components/app-shell";
import { PlanActions } from "@/components/admin/plan-actions";
import { PlanDraftForm } from "@/components/admin/plan-draft-form";
import { toMeterOption, toVersionDraft } from "@/components/admin/plan-version-draft";
import { StatusBadge } from "@/components/admin/status-badge";
import { Card } from "@/components/ui/card";
import type { TCharge } from "@/lib/billing/types";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findMeters } from "@/lib/catalog/find-meters";
import { getPlan, type TPlanWithVersions } from "@/lib/catalog/get-plan";
import { toChargePricing } from "@/lib/catalog/to-plan-pricing";
import { isAppError } from "@/lib/errors";
import { formatMoney, formatQuantity } from "@/lib/money/currency";
import { formatDateTime } from "@/lib/time/format";

export const metadata: Metadata = { title: "Plan" };

async function findPlanOr404(planId: string): Promise<TPlanWithVersions> {
  if (!z.uuid().safeParse(planId).success) notFound();
  try {
    return await getPlan(planId);
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

/** A charge's price in words: "$0.001 per request", "$5.00 per 1,000", "up to 1,000 at $0.01; then $0.005". */
function priceWords(charge: TCharge, currency: string): string {
  const unit = charge.unitLabel;
  switch (charge.model) {
    case "PER_UNIT":
      return `${formatMoney(charge.unitPriceMinor ?? 0n, currency)} per ${unit}`;
    case "PACKAGE":
      return `${formatMoney(charge.unitPriceMinor ?? 0n, currency)} per ${formatQuantity(charge.packageSize ?? new Decimal(1))} ${unit}s`;
    case "GRADUATED":
    case "VOLUME":
      return charge.tiers
        .map((tier) => {
          const flat = tier.flatPriceMinor.isZero() ? "" : ` + ${formatMoney(tier.flatPriceMinor, currency)} flat`;
          return `${tier.upTo === null ? "above" : `up to ${formatQuantity(tier.upTo)}`}: ${formatMoney(tier.unitPriceMinor, currency)}${flat}`;
        })
        .join("; ");
  }
}

export default async function PlanPage({ params }: { params: Promise<{ planId: string }> }) {
  await requireStaffPage("ADMIN");
  const plan = await findPlanOr404((await params).planId);
  const draft = plan.versions.find((version) => version.status === "DRAFT");
  const latest = plan.versions.at(-1);
  const active = plan.status === "ACTIVE";
  const meters = draft && active ? (await findMeters({ billable: true })).map(toMeterOption) : [];

  return (
    <>
      <PageHeader title={plan.name} description={plan.description || undefined} />
      <Card className="mb-6">
        <dl className="grid gap-4 text-sm sm:grid-cols-3">
          <div>
            <dt className="text-slate-500">Key</dt>
            <dd className="font-mono text-xs text-slate-900">{plan.key}</dd>
          </div>
          <div>
            <dt className="text-slate-500">Status</dt>
            <dd>
              <StatusBadge status={plan.status} />
            </dd>
          </div>
          <div>
            <dt className="text-slate-500">Stripe product</dt>
            <dd className="font-mono text-xs text-slate-900" data-testid="stripe-product-id">
              {plan.stripeProductId ?? "not synced"}
            </dd>
          </div>
        </dl>
        {active ? (
          <div className="mt-4 border-t border-slate-100 pt-4">
            <PlanActions planId={plan.id} planName={plan.name} canCreateVersion={!draft && latest !== undefined} canArchive={active} />
          </div>
        ) : null}
      </Card>

      {draft && active ? (
        <Card title={`Draft: version ${draft.version}`} className="mb-6">
          <PlanDraftForm planVersionId={draft.id} version={draft.version} initial={toVersionDraft(draft)} meters={meters} />
        </Card>
      ) : null}

      <h2 className="mb-3 text-lg font-semibold text-slate-900">Versions</h2>
      <div className="space-y-4">
        {[...plan.versions].reverse().map((version) => (
          <section key={version.id} aria-label={`Version ${version.version}`} data-testid={`version-${version.version}`} className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200">
            <div className="mb-3 flex flex-wrap items-center gap-3">
              <h3 className="font-semibold text-slate-900">Version {version.version}</h3>
              <StatusBadge status={version.status} />
              <span className="text-sm text-slate-600">
                {formatMoney(version.baseFeeMinor, version.currency)} every {version.intervalCount > 1 ? `${version.intervalCount} ` : ""}
                {version.interval.toLowerCase()}
                {version.intervalCount > 1 ? "s" : ""}
              </span>
              {version.publishedAt ? <span className="text-xs text-slate-500">published {formatDateTime(version.publishedAt)} UTC</span> : null}
            </div>
            <p className="mb-3 text-xs text-slate-500">
              Base fee price: <span className="font-mono" data-testid="stripe-base-price-id">{version.stripeBasePriceId ?? "not synced"}</span> · alerts at{" "}
              {version.alertThresholds.map((threshold) => `${threshold}%`).join(", ")}
            </p>
            {version.charges.length === 0 ? (
              <p className="text-sm text-slate-500">No metered charges.</p>
            ) : (
              <div className="overflow-x-auto">
                <table className="w-full text-left text-sm">
                  <thead className="text-slate-500">
                    <tr>
                      <th className="py-2 pr-4 font-medium">Meter</th>
                      <th className="py-2 pr-4 font-medium">Included</th>
                      <th className="py-2 pr-4 font-medium">Model</th>
                      <th className="py-2 pr-4 font-medium">Price</th>
                      <th className="py-2 font-medium">Stripe price</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {version.charges.map((charge) => {
                      const pricing = toChargePricing(charge);
                      return (
                        <tr key={charge.id}>
                          <td className="py-2 pr-4 text-slate-900">{charge.meter.displayName}</td>
                          <td className="py-2 pr-4 text-slate-600">{formatQuantity(pricing.includedQuantity)}</td>
                          <td className="py-2 pr-4 text-slate-600">{charge.pricingModel.toLowerCase().replace("_", " ")}</td>
                          <td className="py-2 pr-4 text-slate-600">{priceWords(pricing, version.currency)}</td>
                          <td className="py-2 font-mono text-xs text-slate-600" data-testid="stripe-charge-price-id">
                            {charge.stripePriceId ?? "not synced"}
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        ))}
      </div>
    </>
  );
}
