// The one mapping from a plan's prices to Stripe's price parameters, built so that Stripe bills
// exactly what `rateUsage` computes (tests/integration/pricing-equals-stripe.test.ts holds the two
// to the cent):
//
// | charge                      | Stripe price                                                      |
// |-----------------------------|-------------------------------------------------------------------|
// | PER_UNIT, nothing included  | per_unit, unit_amount_decimal                                     |
// | PER_UNIT, N included        | graduated tiers: [up to N at 0, inf at the unit price]            |
// | PACKAGE, nothing included   | per_unit at the package price, transform_quantity {size, up}      |
// | GRADUATED, nothing included | graduated tiers as they are                                       |
// | GRADUATED, N included       | graduated tiers: [up to N at 0, then each tier shifted up by N]   |
// | VOLUME, nothing included    | volume tiers as they are                                          |
// | VOLUME or PACKAGE, included | refused: Stripe cannot bill it (see `stripeBillingProblems`)      |
//
// Stripe's own limits, refused here too: meter values, `up_to` and `divide_by` are whole numbers;
// unit and flat amounts take at most 12 decimals (of minor units).
import Decimal from "decimal.js";
import Stripe from "stripe";
import { ExactDecimal, normalizeCurrency } from "@/lib/money/currency";
import { stripeBillingProblems } from "./stripe-billing-problems";
import type { TCharge, TPlanPricing } from "./types";

export { stripeBillingProblems } from "./stripe-billing-problems";

export type TStripeInterval = { interval: Stripe.PriceCreateParams.Recurring.Interval; intervalCount?: number };


/** The recurring metered price, bound to the Stripe meter, that bills `charge`. Throws for a charge Stripe cannot bill. */
export function toStripeMeteredPrice(
  charge: TCharge,
  target: { currency: string; product: string; meter: string } & Partial<TStripeInterval>,
): Stripe.PriceCreateParams {
  const problems = stripeBillingProblems(charge);
  if (problems.length > 0) throw new Error(`Stripe cannot bill the charge for ${charge.meterName}: ${problems.join(" ")}`);
  const base = {
    currency: normalizeCurrency(target.currency),
    product: target.product,
    nickname: charge.meterName,
    recurring: {
      interval: target.interval ?? "month",
      ...(target.intervalCount !== undefined ? { interval_count: target.intervalCount } : {}),
      usage_type: "metered",
      meter: target.meter,
    },
  } satisfies Stripe.PriceCreateParams;
  const included = charge.includedQuantity;
  const freeTier: Stripe.PriceCreateParams.Tier = { up_to: wholeNumber(included), unit_amount: 0 };
  switch (charge.model) {
    case "PER_UNIT": {
      const price = required(charge.unitPriceMinor);
      if (included.isZero()) return { ...base, billing_scheme: "per_unit", unit_amount_decimal: stripeDecimal(price) };
      return { ...base, billing_scheme: "tiered", tiers_mode: "graduated", tiers: [freeTier, { up_to: "inf", unit_amount_decimal: stripeDecimal(price) }] };
    }
    case "PACKAGE":
      return {
        ...base,
        billing_scheme: "per_unit",
        unit_amount_decimal: stripeDecimal(required(charge.unitPriceMinor)),
        transform_quantity: { divide_by: wholeNumber(required(charge.packageSize)), round: "up" },
      };
    case "GRADUATED":
    case "VOLUME": {
      const tiers = charge.tiers.map(
        (tier): Stripe.PriceCreateParams.Tier => ({
          up_to: tier.upTo === null ? "inf" : wholeNumber(included.plus(tier.upTo)),
          unit_amount_decimal: stripeDecimal(tier.unitPriceMinor),
          ...(tier.flatPriceMinor.isZero() ? {} : { flat_amount_decimal: stripeDecimal(tier.flatPriceMinor) }),
        }),
      );
      return {
        ...base,
        billing_scheme: "tiered",
        tiers_mode: charge.model === "GRADUATED" ? "graduated" : "volume",
        tiers: included.isZero() ? tiers : [freeTier, ...tiers],
      };
    }
  }
}

/** The licensed recurring price of the plan's base fee (billed in advance, quantity 1). */
export function toStripeBaseFeePrice(plan: TPlanPricing, target: { product: string } & TStripeInterval): Stripe.PriceCreateParams {
  if (plan.baseFeeMinor < 0n || plan.baseFeeMinor > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`A base fee of ${plan.baseFeeMinor} minor units cannot be a Stripe price.`);
  }
  return {
    currency: normalizeCurrency(plan.currency),
    product: target.product,
    nickname: "Base fee",
    billing_scheme: "per_unit",
    unit_amount: Number(plan.baseFeeMinor),
    recurring: {
      interval: target.interval,
      ...(target.intervalCount !== undefined ? { interval_count: target.intervalCount } : {}),
      usage_type: "licensed",
    },
  };
}

/** A decimal as Stripe's decimal parameter ("0.0004"; toFixed never writes an exponent). */
function stripeDecimal(value: Decimal): Stripe.Decimal {
  return Stripe.Decimal.from(new ExactDecimal(value).toFixed());
}

function wholeNumber(value: Decimal): number {
  const number = Number(new ExactDecimal(value).toFixed(0));
  if (!Number.isSafeInteger(number)) throw new Error(`${value.toFixed()} is too large for Stripe.`);
  return number;
}

function required<T>(value: T | null): T {
  if (value === null) throw new Error("A price the charge needs is missing.");
  return value;
}
