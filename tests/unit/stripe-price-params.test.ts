// The one mapping from a plan charge to Stripe's price parameters (lib/billing/stripe-price-params.ts),
// for each model, and the charges Stripe cannot bill. That Stripe then bills what rateUsage
// computes is proven against the emulator in tests/integration/pricing-equals-stripe.test.ts.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripeBillingProblems, toStripeBaseFeePrice, toStripeMeteredPrice } from "@/lib/billing/stripe-price-params";
import type { TCharge, TTier } from "@/lib/billing/types";

const d = (value: Decimal.Value) => new Decimal(value);
const target = { currency: "USD", product: "prod_1", meter: "mtr_1" };

function charge(partial: Partial<TCharge> & Pick<TCharge, "model">): TCharge {
  return { meterId: "m", meterName: "API calls", unitLabel: "call", includedQuantity: d(0), unitPriceMinor: null, packageSize: null, tiers: [], ...partial };
}

function tier(upTo: Decimal.Value | null, unitPriceMinor: Decimal.Value, flatPriceMinor: Decimal.Value = 0): TTier {
  return { upTo: upTo === null ? null : d(upTo), unitPriceMinor: d(unitPriceMinor), flatPriceMinor: d(flatPriceMinor) };
}

/** The parameters as they go on the wire (Stripe.Decimal values become their decimal strings). */
const wire = (params: Stripe.PriceCreateParams): unknown => JSON.parse(JSON.stringify(params));

const metered = { interval: "month", usage_type: "metered", meter: "mtr_1" };

describe("toStripeMeteredPrice", () => {
  it("per-unit without an included quantity: per_unit with unit_amount_decimal", () => {
    expect(wire(toStripeMeteredPrice(charge({ model: "PER_UNIT", unitPriceMinor: d("0.0004") }), target))).toEqual({
      currency: "usd",
      product: "prod_1",
      nickname: "API calls",
      recurring: metered,
      billing_scheme: "per_unit",
      unit_amount_decimal: "0.0004",
    });
  });

  it("per-unit with N included: graduated tiers, free up to N, then the unit price", () => {
    const params = toStripeMeteredPrice(charge({ model: "PER_UNIT", unitPriceMinor: d("0.1"), includedQuantity: d(1_000_000) }), target);
    expect(wire(params)).toMatchObject({
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1_000_000, unit_amount: 0 },
        { up_to: "inf", unit_amount_decimal: "0.1" },
      ],
    });
  });

  it("package: per_unit at the package price with transform_quantity dividing by the size, rounding up", () => {
    expect(wire(toStripeMeteredPrice(charge({ model: "PACKAGE", unitPriceMinor: d(500), packageSize: d(1000) }), target))).toMatchObject({
      billing_scheme: "per_unit",
      unit_amount_decimal: "500",
      transform_quantity: { divide_by: 1000, round: "up" },
    });
  });

  it("graduated without an included quantity: the tiers as they are, flat amounts only where set", () => {
    const params = toStripeMeteredPrice(charge({ model: "GRADUATED", tiers: [tier(1000, 0, 500), tier(10_000, 2), tier(null, "0.5")] }), target);
    expect(wire(params)).toMatchObject({
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1000, unit_amount_decimal: "0", flat_amount_decimal: "500" },
        { up_to: 10_000, unit_amount_decimal: "2" },
        { up_to: "inf", unit_amount_decimal: "0.5" },
      ],
    });
    expect(params.tiers?.[1]).not.toHaveProperty("flat_amount_decimal");
  });

  it("graduated with N included: a free first tier, then every bound shifted up by N", () => {
    const params = toStripeMeteredPrice(charge({ model: "GRADUATED", includedQuantity: d(500), tiers: [tier(1000, 3, 100), tier(null, 1)] }), target);
    expect(wire(params)).toMatchObject({
      tiers_mode: "graduated",
      tiers: [
        { up_to: 500, unit_amount: 0 },
        { up_to: 1500, unit_amount_decimal: "3", flat_amount_decimal: "100" },
        { up_to: "inf", unit_amount_decimal: "1" },
      ],
    });
  });

  it("volume without an included quantity: volume tiers", () => {
    expect(wire(toStripeMeteredPrice(charge({ model: "VOLUME", tiers: [tier(10, 0, 700), tier(null, 50)] }), target))).toMatchObject({
      billing_scheme: "tiered",
      tiers_mode: "volume",
      tiers: [
        { up_to: 10, unit_amount_decimal: "0", flat_amount_decimal: "700" },
        { up_to: "inf", unit_amount_decimal: "50" },
      ],
    });
  });

  it("takes the interval when given", () => {
    const params = toStripeMeteredPrice(charge({ model: "PER_UNIT", unitPriceMinor: d(1) }), { ...target, interval: "year", intervalCount: 1 });
    expect(params.recurring).toEqual({ interval: "year", interval_count: 1, usage_type: "metered", meter: "mtr_1" });
  });

  it("writes 12-decimal prices without exponent notation", () => {
    const params = toStripeMeteredPrice(charge({ model: "PER_UNIT", unitPriceMinor: d("0.000000000001") }), target);
    expect(String(params.unit_amount_decimal)).toBe("0.000000000001");
  });
});

describe("what Stripe cannot bill", () => {
  it("refuses an included quantity with volume pricing, in plain words, and will not map it", () => {
    const volume = charge({ model: "VOLUME", includedQuantity: d(100), tiers: [tier(null, 1)] });
    expect(stripeBillingProblems(volume)).toEqual([
      "Stripe cannot bill an included quantity with volume pricing: a volume price charges every unit at the one tier the total falls in, so the included units cannot be left out. Use graduated tiers or remove the included quantity.",
    ]);
    expect(() => toStripeMeteredPrice(volume, target)).toThrow(/Stripe cannot bill the charge for API calls: Stripe cannot bill an included quantity with volume pricing/);
  });

  it("refuses an included quantity with package pricing", () => {
    const pkg = charge({ model: "PACKAGE", includedQuantity: d(100), unitPriceMinor: d(500), packageSize: d(1000) });
    expect(stripeBillingProblems(pkg)).toHaveLength(1);
    expect(stripeBillingProblems(pkg)[0]).toMatch(/^Stripe cannot bill an included quantity with package pricing/);
    expect(() => toStripeMeteredPrice(pkg, target)).toThrow(/package pricing/);
  });

  it("refuses more than 12 decimals in a unit price or a flat amount", () => {
    const fine = charge({ model: "PER_UNIT", unitPriceMinor: d("0.000000000001") });
    expect(stripeBillingProblems(fine)).toEqual([]);
    const tooFine = charge({ model: "PER_UNIT", unitPriceMinor: d("0.0000000000001") });
    expect(stripeBillingProblems(tooFine)).toEqual(["The unit price has 13 decimal places of minor units; Stripe takes at most 12."]);
    expect(() => toStripeMeteredPrice(tooFine, target)).toThrow(/13 decimal places/);
    const flat = charge({ model: "GRADUATED", tiers: [tier(null, 1, "0.1234567890123")] });
    expect(stripeBillingProblems(flat)).toEqual(["Tier 1's flat amount has 13 decimal places of minor units; Stripe takes at most 12."]);
  });

  it("refuses fractional bounds: included quantity, tier bounds, package size", () => {
    expect(stripeBillingProblems(charge({ model: "PER_UNIT", unitPriceMinor: d(1), includedQuantity: d("0.5") }))[0]).toMatch(/included quantity must be a whole number/);
    expect(stripeBillingProblems(charge({ model: "GRADUATED", tiers: [tier("10.5", 1), tier(null, 1)] }))).toEqual([
      "Tier 1 must go up to a whole number: Stripe's tier bounds are whole numbers.",
    ]);
    expect(stripeBillingProblems(charge({ model: "PACKAGE", unitPriceMinor: d(1), packageSize: d("2.5") }))).toEqual([
      "The package size must be a whole number: Stripe divides the usage by a whole number.",
    ]);
  });

  it("includes the engine's own problems", () => {
    expect(stripeBillingProblems(charge({ model: "GRADUATED", tiers: [tier(10, 1)] }))).toEqual(["The last tier must go up to infinity."]);
  });

  it("accepts every model without an included quantity, and per-unit and graduated with one", () => {
    const tiers = [tier(10, 1), tier(null, 2)];
    for (const ok of [
      charge({ model: "PER_UNIT", unitPriceMinor: d(1), includedQuantity: d(10) }),
      charge({ model: "GRADUATED", tiers, includedQuantity: d(10) }),
      charge({ model: "VOLUME", tiers }),
      charge({ model: "PACKAGE", unitPriceMinor: d(1), packageSize: d(10) }),
    ]) {
      expect(stripeBillingProblems(ok)).toEqual([]);
    }
  });
});

describe("toStripeBaseFeePrice", () => {
  it("is a licensed recurring price of the base fee", () => {
    expect(toStripeBaseFeePrice({ currency: "EUR", baseFeeMinor: 4900n, charges: [] }, { product: "prod_1", interval: "month" })).toEqual({
      currency: "eur",
      product: "prod_1",
      nickname: "Base fee",
      billing_scheme: "per_unit",
      unit_amount: 4900,
      recurring: { interval: "month", usage_type: "licensed" },
    });
  });

  it("refuses a base fee beyond a safe integer", () => {
    expect(() => toStripeBaseFeePrice({ currency: "usd", baseFeeMinor: 2n ** 60n, charges: [] }, { product: "p", interval: "month" })).toThrow(/cannot be a Stripe price/);
  });
});
