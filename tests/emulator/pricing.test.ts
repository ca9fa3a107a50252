// The price math (billing/pricing.ts, SEMANTICS.md §5), on prices created through the official SDK
// and read back from the emulator's store (the stored price keeps its tiers). Every expected
// amount is computed by hand in the comment beside it; amounts are in cents.
import Decimal from "decimal.js";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceLineAmount, priceTierCharges } from "../../tools/stripe-emulator/billing/pricing";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;
let productId: string;

beforeAll(async () => {
  e = await startTestEmulator();
  productId = (await e.stripe.products.create({ name: "Priced" })).id;
});
afterAll(async () => {
  await e.close();
});

/** Creates a price through the SDK and returns the stored copy, which billing prices from. */
async function storedPrice(params: Omit<Stripe.PriceCreateParams, "currency" | "product">): Promise<Stripe.Price> {
  const created = await e.stripe.prices.create({ currency: "usd", product: productId, ...params });
  const stored = e.emulator.store.get("prices", created.id);
  if (!stored) throw new Error(`price ${created.id} is not in the store`);
  return stored;
}

const amountOf = (price: Stripe.Price, quantity: Decimal.Value) => priceLineAmount(price, new Decimal(quantity)).amount;

// SEMANTICS.md §5: 0–1000 at 0¢, 1001–10000 at 2¢, above at 1¢ (up_to is inclusive).
const SEMANTICS_TIERS: Stripe.PriceCreateParams.Tier[] = [
  { up_to: 1000, unit_amount: 0 },
  { up_to: 10_000, unit_amount: 2 },
  { up_to: "inf", unit_amount: 1 },
];

// Tiers with flat fees: 1–5 at 100¢ + 1000¢ flat, 6–10 at 50¢ + 500¢ flat, above at 10¢ + 200¢ flat.
const FLAT_TIERS: Stripe.PriceCreateParams.Tier[] = [
  { up_to: 5, unit_amount: 100, flat_amount: 1000 },
  { up_to: 10, unit_amount: 50, flat_amount: 500 },
  { up_to: "inf", unit_amount: 10, flat_amount: 200 },
];

describe("graduated tiers", () => {
  it("bills each tier's own units: the SEMANTICS example, tier edges and zero", async () => {
    const price = await storedPrice({ billing_scheme: "tiered", tiers_mode: "graduated", tiers: SEMANTICS_TIERS });
    expect(amountOf(price, 15_000)).toBe(23_000); // 1000×0 + 9000×2 + 5000×1 = 0 + 18000 + 5000
    expect(amountOf(price, 0)).toBe(0); // no units, no flat amount
    expect(amountOf(price, 1000)).toBe(0); // exactly at up_to: all 1000 units in the free tier
    expect(amountOf(price, 1001)).toBe(2); // 1000×0 + 1×2
    expect(amountOf(price, 10_000)).toBe(18_000); // 1000×0 + 9000×2
    expect(amountOf(price, 10_001)).toBe(18_001); // 18000 + 1×1
    expect(priceLineAmount(price, new Decimal(15_000)).unitAmountDecimal).toBeNull();
  });

  it("adds a tier's flat amount once units reach it; the first tier's flat amount is due at zero", async () => {
    const price = await storedPrice({ billing_scheme: "tiered", tiers_mode: "graduated", tiers: FLAT_TIERS });
    expect(amountOf(price, 0)).toBe(1000); // quantity 0 lies in the first tier: its flat 1000
    expect(amountOf(price, 3)).toBe(1300); // 3×100 + 1000
    expect(amountOf(price, 5)).toBe(1500); // 5×100 + 1000 (exactly at up_to: the second tier is not reached)
    expect(amountOf(price, 6)).toBe(2050); // 1500 + (1×50 + 500)
    expect(amountOf(price, 10)).toBe(2250); // 1500 + (5×50 + 500)
    expect(amountOf(price, 12)).toBe(2470); // 1500 + 750 + (2×10 + 200)
  });

  it("breaks the quantity down per tier for the invoice", async () => {
    const price = await storedPrice({ billing_scheme: "tiered", tiers_mode: "graduated", tiers: SEMANTICS_TIERS });
    const charges = priceTierCharges(price, new Decimal(15_000)).map((charge) => ({
      tier: charge.tier,
      quantity: charge.quantity.toNumber(),
      unit: charge.unitAmountDecimal,
      amount: charge.amount.toNumber(),
    }));
    expect(charges).toEqual([
      { tier: 0, quantity: 1000, unit: "0", amount: 0 },
      { tier: 1, quantity: 9000, unit: "2", amount: 18_000 },
      { tier: 2, quantity: 5000, unit: "1", amount: 5000 },
    ]);
    // At 1000 only the first tier takes part.
    expect(priceTierCharges(price, new Decimal(1000)).map((charge) => charge.tier)).toEqual([0]);
  });

  it("rounds the line once, not each tier", async () => {
    // 1 unit at 0.4¢ + 1 unit at 0.4¢ = 0.8¢ → 1¢ (rounding each tier first would give 0 + 0).
    const price = await storedPrice({
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1, unit_amount_decimal: Stripe.Decimal.from("0.4") },
        { up_to: "inf", unit_amount_decimal: Stripe.Decimal.from("0.4") },
      ],
    });
    expect(amountOf(price, 2)).toBe(1);
    expect(amountOf(price, "2.5")).toBe(1); // 1×0.4 + 1.5×0.4 = 1.0 (fractional meter totals fill tiers too)
  });
});

describe("volume tiers", () => {
  it("bills every unit at the tier that holds the total: the SEMANTICS example, tier edges and zero", async () => {
    const price = await storedPrice({ billing_scheme: "tiered", tiers_mode: "volume", tiers: SEMANTICS_TIERS });
    expect(amountOf(price, 15_000)).toBe(15_000); // all 15000 at 1¢ (graduated would be 23000)
    expect(amountOf(price, 0)).toBe(0); // first tier, 0 units
    expect(amountOf(price, 1000)).toBe(0); // exactly at up_to: still the free tier
    expect(amountOf(price, 1001)).toBe(2002); // 1001×2
    expect(amountOf(price, 10_000)).toBe(20_000); // 10000×2
    expect(amountOf(price, 10_001)).toBe(10_001); // 10001×1: the total drops as the tier changes
    expect(priceTierCharges(price, new Decimal(1001)).map((charge) => charge.tier)).toEqual([1]);
  });

  it("adds only the holding tier's flat amount", async () => {
    const price = await storedPrice({ billing_scheme: "tiered", tiers_mode: "volume", tiers: FLAT_TIERS });
    expect(amountOf(price, 0)).toBe(1000); // first tier: 0×100 + 1000
    expect(amountOf(price, 5)).toBe(1500); // 5×100 + 1000
    expect(amountOf(price, 6)).toBe(800); // 6×50 + 500
    expect(amountOf(price, 12)).toBe(320); // 12×10 + 200
  });
});

describe("per-unit prices", () => {
  it("multiplies by a fractional unit_amount_decimal and rounds half away from zero, once", async () => {
    const price = await storedPrice({ unit_amount_decimal: Stripe.Decimal.from("0.0004") });
    expect(amountOf(price, 1_234_567)).toBe(494); // 1234567 × 0.0004 = 493.8268 → 494
    expect(amountOf(price, 1250)).toBe(1); // 0.5 → 1 (half away from zero)
    expect(amountOf(price, 1249)).toBe(0); // 0.4996 → 0
    expect(amountOf(price, 0)).toBe(0);
    expect(priceLineAmount(price, new Decimal(1)).unitAmountDecimal).toBe("0.0004");

    const eighth = await storedPrice({ unit_amount_decimal: Stripe.Decimal.from("0.125") });
    expect(amountOf(eighth, 20)).toBe(3); // 2.5 → 3
    expect(amountOf(eighth, 12)).toBe(2); // 1.5 → 2
    const finest = await storedPrice({ unit_amount_decimal: Stripe.Decimal.from("0.000000000001") });
    expect(amountOf(finest, "1000000000000")).toBe(1); // 10^12 × 10^-12, exactly
    expect(amountOf(finest, "123456789.123456789012")).toBe(0); // 0.000123… → 0
  });

  it("applies transform_quantity: divide, then round up or down to whole packages", async () => {
    const up = await storedPrice({ unit_amount: 500, transform_quantity: { divide_by: 1000, round: "up" } });
    const down = await storedPrice({ unit_amount: 500, transform_quantity: { divide_by: 1000, round: "down" } });
    expect(amountOf(up, 1001)).toBe(1000); // ⌈1.001⌉ = 2 packages × 500
    expect(amountOf(down, 1001)).toBe(500); // ⌊1.001⌋ = 1 package × 500
    expect(amountOf(up, 1000)).toBe(500); // exactly one package either way
    expect(amountOf(down, 1000)).toBe(500);
    expect(amountOf(up, 999)).toBe(500); // ⌈0.999⌉ = 1
    expect(amountOf(down, 999)).toBe(0); // ⌊0.999⌋ = 0
    expect(amountOf(up, 0)).toBe(0);
  });

  it("charges a plain unit_amount per unit", async () => {
    const price = await storedPrice({ unit_amount: 4900, recurring: { interval: "month" } });
    expect(priceLineAmount(price, new Decimal(3))).toEqual({ amount: 14_700, unitAmountDecimal: "4900" }); // 3 × 4900
  });
});

describe("the stored price", () => {
  it("is what tier math needs: a response copy without tiers is refused", async () => {
    const stored = await storedPrice({ billing_scheme: "tiered", tiers_mode: "graduated", tiers: SEMANTICS_TIERS });
    const { tiers: _tiers, ...withoutTiers } = stored;
    expect(() => priceLineAmount(withoutTiers, new Decimal(1))).toThrow(/no tiers/);
  });
});
