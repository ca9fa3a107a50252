// Writing a plan version's prices: shared by create-plan, update-plan-draft and create-plan-version
// (the one place that turns a TPlanVersionInput into rows).
import type { TDb } from "@/lib/db";
import type { TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import type { TChargeInput, TPlanVersionInput } from "@/lib/catalog/schemas";
import { AppError } from "@/lib/errors";

/** Every charge's meter exists and is active, and Stripe can aggregate it. */
export async function requireChargeMeters(db: TDb, charges: TChargeInput[], pointerPrefix = ""): Promise<void> {
  if (charges.length === 0) return;
  const meters = await db.meter.findMany({ where: { id: { in: charges.map((charge) => charge.meterId) } } });
  const byId = new Map(meters.map((meter) => [meter.id, meter]));
  const errors = charges.flatMap((charge, index) => {
    const meter = byId.get(charge.meterId);
    const pointer = `${pointerPrefix}/charges/${index}/meterId`;
    if (!meter) return [{ pointer, detail: "No such meter." }];
    if (meter.status !== "ACTIVE") return [{ pointer, detail: `The meter "${meter.eventName}" is archived.` }];
    if (meter.aggregation === "MAX") return [{ pointer, detail: `The meter "${meter.eventName}" aggregates by MAX, which Stripe cannot bill.` }];
    return [];
  });
  if (errors.length > 0) throw new AppError("unprocessable", errors.map((error) => error.detail).join(" "), { errors });
}

export function versionFields(input: TPlanVersionInput) {
  return {
    currency: input.currency,
    interval: input.interval,
    intervalCount: input.intervalCount,
    baseFeeMinor: input.baseFeeMinor,
    alertThresholds: input.alertThresholds,
  };
}

export async function createCharges(db: TDb, planVersionId: string, charges: TChargeInput[]): Promise<void> {
  for (const [position, charge] of charges.entries()) {
    await db.planCharge.create({
      data: {
        planVersionId,
        meterId: charge.meterId,
        position,
        includedQuantity: charge.includedQuantity.toString(),
        pricingModel: charge.pricingModel,
        unitPriceMinor: "unitPriceMinor" in charge ? charge.unitPriceMinor.toString() : null,
        packageSize: charge.pricingModel === "PACKAGE" ? charge.packageSize.toString() : null,
        tiers:
          "tiers" in charge
            ? {
                create: charge.tiers.map((tier, tierPosition) => ({
                  position: tierPosition,
                  upTo: tier.upTo === null ? null : tier.upTo.toString(),
                  unitPriceMinor: tier.unitPriceMinor.toString(),
                  flatPriceMinor: tier.flatPriceMinor.toString(),
                })),
              }
            : undefined,
      },
    });
  }
}

/** A version as its audit entries show it. */
export function versionSnapshot(version: TPlanVersionWithCharges) {
  return {
    id: version.id,
    version: version.version,
    status: version.status,
    currency: version.currency,
    interval: version.interval,
    intervalCount: version.intervalCount,
    baseFeeMinor: version.baseFeeMinor,
    alertThresholds: version.alertThresholds,
    stripeBasePriceId: version.stripeBasePriceId,
    charges: version.charges.map((charge) => ({
      id: charge.id,
      meterId: charge.meterId,
      meter: charge.meter.eventName,
      includedQuantity: charge.includedQuantity,
      pricingModel: charge.pricingModel,
      unitPriceMinor: charge.unitPriceMinor,
      packageSize: charge.packageSize,
      stripePriceId: charge.stripePriceId,
      tiers: charge.tiers.map((tier) => ({ upTo: tier.upTo, unitPriceMinor: tier.unitPriceMinor, flatPriceMinor: tier.flatPriceMinor })),
    })),
  };
}
