// Why Stripe cannot bill a charge exactly as `rateUsage` prices it. Kept apart from the price
// mapping (stripe-price-params.ts) because it is pure: the plan editor runs it in the browser, which
// must not pull in the Stripe SDK.
import type Decimal from "decimal.js";
import { pricingProblems } from "./rate-usage";
import type { TCharge } from "./types";

/** Stripe's `unit_amount_decimal` / `flat_amount_decimal` carry at most 12 decimal places. */
export const STRIPE_MAX_PRICE_DECIMALS = 12;

/** Why Stripe cannot bill this charge exactly as `rateUsage` prices it (empty when it can). */
export function stripeBillingProblems(charge: TCharge): string[] {
  const problems = pricingProblems(charge);
  const included = charge.includedQuantity;
  if (included.isFinite() && !included.isInteger()) {
    problems.push("The included quantity must be a whole number: Stripe meters count whole units and tier bounds are whole numbers.");
  }
  if (included.greaterThan(0) && charge.model === "VOLUME") {
    problems.push(
      "Stripe cannot bill an included quantity with volume pricing: a volume price charges every unit at the one tier the total falls in, so the included units cannot be left out. Use graduated tiers or remove the included quantity.",
    );
  }
  if (included.greaterThan(0) && charge.model === "PACKAGE") {
    problems.push(
      "Stripe cannot bill an included quantity with package pricing: packages need Stripe's quantity transform, which cannot be combined with the free first tier an included quantity needs. Remove the included quantity, or price per unit or with graduated tiers.",
    );
  }
  if (charge.model === "PACKAGE" && charge.packageSize !== null && charge.packageSize.greaterThan(0) && !charge.packageSize.isInteger()) {
    problems.push("The package size must be a whole number: Stripe divides the usage by a whole number.");
  }
  if (charge.model === "GRADUATED" || charge.model === "VOLUME") {
    charge.tiers.forEach((tier, index) => {
      if (tier.upTo !== null && tier.upTo.isFinite() && !tier.upTo.isInteger()) {
        problems.push(`Tier ${index + 1} must go up to a whole number: Stripe's tier bounds are whole numbers.`);
      }
    });
  }
  for (const [name, price] of pricesOf(charge)) {
    if (price.isFinite() && price.decimalPlaces() > STRIPE_MAX_PRICE_DECIMALS) {
      problems.push(`${name} has ${price.decimalPlaces()} decimal places of minor units; Stripe takes at most ${STRIPE_MAX_PRICE_DECIMALS}.`);
    }
  }
  return problems;
}

function pricesOf(charge: TCharge): [string, Decimal][] {
  const prices: [string, Decimal][] = [];
  if ((charge.model === "PER_UNIT" || charge.model === "PACKAGE") && charge.unitPriceMinor !== null) {
    prices.push([charge.model === "PACKAGE" ? "The package price" : "The unit price", charge.unitPriceMinor]);
  }
  if (charge.model === "GRADUATED" || charge.model === "VOLUME") {
    charge.tiers.forEach((tier, index) => {
      prices.push([`Tier ${index + 1}'s unit price`, tier.unitPriceMinor], [`Tier ${index + 1}'s flat amount`, tier.flatPriceMinor]);
    });
  }
  return prices;
}

