// Publishes a DRAFT version: ensures the Stripe product of the plan, the base fee price and one
// metered price per charge (bound to the charge's Stripe meter), stores their ids, then marks the
// version PUBLISHED and retires the version published before it (its subscriptions keep it).
//
// Every Stripe object is created with an idempotency key derived from the row it belongs to and is
// stored on that row at once, so a publish that failed half-way (or ran twice) is finished by
// calling it again, without duplicates: objects already stored are skipped, and an object created
// just before a crash is replayed by Stripe under the same key.
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import { toStripeBaseFeePrice, toStripeMeteredPrice } from "@/lib/billing/stripe-price-params";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import { getPlanVersion, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import { versionSnapshot } from "@/lib/catalog/plan-version-data";
import { toChargePricing, toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db, type BillingInterval } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";

const STRIPE_INTERVAL: Record<BillingInterval, Stripe.PriceCreateParams.Recurring.Interval> = {
  DAY: "day",
  WEEK: "week",
  MONTH: "month",
  YEAR: "year",
};

function paramsDigest(params: Stripe.PriceCreateParams): string {
  return createHash("sha256").update(JSON.stringify(params)).digest("hex").slice(0, 16);
}

export async function publishPlanVersion(planVersionId: string, context: TAuditContext): Promise<TPlanVersionWithCharges> {
  const stripe = getStripe();
  let version = await getPlanVersion(planVersionId);
  if (version.status === "PUBLISHED") return version; // published already: nothing to do
  if (version.status === "RETIRED") throw new AppError("conflict", `Version ${version.version} is retired; publish a new version instead.`);
  if (version.plan.status === "ARCHIVED") throw new AppError("conflict", "The plan is archived.");
  const { plan } = version;

  // 1. The product (one per plan, shared by its versions).
  let productId = plan.stripeProductId;
  if (!productId) {
    const product = await stripe.products.create(
      { name: plan.name, ...(plan.description ? { description: plan.description } : {}), metadata: { tally_plan_id: plan.id, tally_plan_key: plan.key } },
      { idempotencyKey: `plan:${plan.id}:product` },
    );
    await db.plan.updateMany({ where: { id: plan.id, stripeProductId: null }, data: { stripeProductId: product.id } });
    productId = (await db.plan.findUniqueOrThrow({ where: { id: plan.id } })).stripeProductId ?? product.id;
  }
  const interval = { interval: STRIPE_INTERVAL[version.interval], intervalCount: version.intervalCount };

  // 2. The base fee price. Its key carries a digest of its parameters: a draft edited after a
  //    failed publish asks for another price, which must not be refused as a reused key.
  if (!version.stripeBasePriceId) {
    const params: Stripe.PriceCreateParams = {
      ...toStripeBaseFeePrice(toPlanPricing(version), { product: productId, ...interval }),
      metadata: { tally_plan_version_id: version.id },
    };
    const price = await stripe.prices.create(params, { idempotencyKey: `plan-version:${version.id}:base-price:${paramsDigest(params)}` });
    await db.planVersion.updateMany({ where: { id: version.id, stripeBasePriceId: null }, data: { stripeBasePriceId: price.id } });
  }

  // 3. One metered price per charge, bound to the charge's Stripe meter.
  for (const charge of version.charges) {
    if (charge.stripePriceId) continue;
    const meter = await ensureStripeMeter(charge.meterId);
    const params: Stripe.PriceCreateParams = {
      ...toStripeMeteredPrice(toChargePricing(charge), { currency: version.currency, product: productId, meter, ...interval }),
      metadata: { tally_plan_version_id: version.id, tally_plan_charge_id: charge.id },
    };
    const price = await stripe.prices.create(params, { idempotencyKey: `plan-charge:${charge.id}:price` });
    await db.planCharge.updateMany({ where: { id: charge.id, stripePriceId: null }, data: { stripePriceId: price.id } });
  }

  // 4. Publish: one transaction flips the statuses and writes the audit entry.
  return db.$transaction(async (tx) => {
    const before = await getPlanVersion(planVersionId, tx);
    const published = await tx.planVersion.updateMany({
      where: { id: planVersionId, status: "DRAFT" },
      data: { status: "PUBLISHED", publishedAt: new Date() },
    });
    if (published.count === 0) return getPlanVersion(planVersionId, tx); // a concurrent call published it
    const retired = await tx.planVersion.findMany({ where: { planId: plan.id, status: "PUBLISHED", id: { not: planVersionId } }, select: { id: true, version: true } });
    await tx.planVersion.updateMany({ where: { id: { in: retired.map((row) => row.id) } }, data: { status: "RETIRED" } });
    version = await getPlanVersion(planVersionId, tx);
    await recordAudit(tx, {
      ...context,
      action: "plan_version.published",
      entityType: "plan_version",
      entityId: planVersionId,
      before: versionSnapshot(before),
      after: { ...versionSnapshot(version), stripeProductId: productId, retiredVersions: retired.map((row) => row.version) },
    });
    return version;
  });
}
