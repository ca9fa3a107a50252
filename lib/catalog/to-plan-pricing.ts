// A plan version's rows → the pricing engine's plain shape (lib/billing/types.ts).
import Decimal from "decimal.js";
import type { TCharge, TPlanPricing } from "@/lib/billing/types";
import type { TPlanVersionWithCharges } from "@/lib/catalog/get-plan";

type TChargeRow = TPlanVersionWithCharges["charges"][number];

const decimal = (value: { toString(): string }) => new Decimal(value.toString());

export function toChargePricing(charge: TChargeRow): TCharge {
  return {
    meterId: charge.meterId,
    meterName: charge.meter.displayName,
    unitLabel: charge.meter.unitLabel,
    includedQuantity: decimal(charge.includedQuantity),
    model: charge.pricingModel,
    unitPriceMinor: charge.unitPriceMinor === null ? null : decimal(charge.unitPriceMinor),
    packageSize: charge.packageSize === null ? null : decimal(charge.packageSize),
    tiers: charge.tiers.map((tier) => ({
      upTo: tier.upTo === null ? null : decimal(tier.upTo),
      unitPriceMinor: decimal(tier.unitPriceMinor),
      flatPriceMinor: decimal(tier.flatPriceMinor),
    })),
  };
}

export function toPlanPricing(version: TPlanVersionWithCharges): TPlanPricing {
  return {
    currency: version.currency,
    baseFeeMinor: version.baseFeeMinor,
    charges: version.charges.map(toChargePricing),
  };
}
