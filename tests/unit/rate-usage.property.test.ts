// Properties of the pricing engine over generated plans and quantities (fast-check). Volume
// pricing is NOT monotonic (10,000 units at 2¢ cost more than 10,001 at 1¢): that is shown by hand
// in rate-usage.test.ts, not claimed here.
import Decimal from "decimal.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { rateUsage, type TRateCredit, type TRatedUsageLine } from "@/lib/billing/rate-usage";
import type { TCharge, TPlanPricing, TPricingModel, TTier } from "@/lib/billing/types";

/** Reference arithmetic for the expectations, exact at these sizes (decimal.js's default keeps 20 digits). */
const Big = Decimal.clone({ precision: 200 });

/** A price in minor units with up to 12 decimals, e.g. 0.000400000001. */
const price = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.integer({ min: 0, max: 12 })).map(([digits, scale]) => new Decimal(`${digits}e-${scale}`));

/** A whole or fractional quantity up to 10¹⁰. */
const quantity = fc.oneof(
  fc.bigInt({ min: 0n, max: 10n ** 10n }).map((value) => new Decimal(value.toString())),
  fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 })).map(([digits, scale]) => new Decimal(`${digits}e-${scale}`)),
);

const tiers = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 100_000 }), price, fc.oneof(fc.constant(new Decimal(0)), price)), { minLength: 1, maxLength: 5 })
  .map((entries): TTier[] => {
    let upTo = 0;
    return entries.map(([width, unitPriceMinor, flatPriceMinor], index) => {
      upTo += width;
      return { upTo: index === entries.length - 1 ? null : new Decimal(upTo), unitPriceMinor, flatPriceMinor };
    });
  });

const included = fc.oneof(fc.constant(new Decimal(0)), fc.integer({ min: 1, max: 100_000 }).map((value) => new Decimal(value)));

function charge(model: TPricingModel, fields: Partial<TCharge>): TCharge {
  return { meterId: "m", meterName: "Meter", unitLabel: "unit", includedQuantity: new Decimal(0), unitPriceMinor: null, packageSize: null, tiers: [], model, ...fields };
}

const graduated = fc.tuple(tiers, included).map(([chargeTiers, includedQuantity]) => charge("GRADUATED", { tiers: chargeTiers, includedQuantity }));

const anyCharge = (meterId: string) =>
  fc.oneof(
    fc.tuple(price, included).map(([unitPriceMinor, includedQuantity]) => charge("PER_UNIT", { unitPriceMinor, includedQuantity })),
    fc.tuple(price, fc.integer({ min: 1, max: 10_000 })).map(([unitPriceMinor, size]) => charge("PACKAGE", { unitPriceMinor, packageSize: new Decimal(size) })),
    graduated,
    fc.tuple(tiers).map(([chargeTiers]) => charge("VOLUME", { tiers: chargeTiers })),
  ).map((generated) => ({ ...generated, meterId }));

function usageLine(pricing: TPlanPricing, value: Decimal): TRatedUsageLine {
  const line = rateUsage(pricing, new Map([["m", value]])).lines.find((entry) => entry.kind === "USAGE");
  if (!line || line.kind !== "USAGE") throw new Error("no usage line");
  return line;
}

const plan = (charges: TCharge[], baseFeeMinor = 0n): TPlanPricing => ({ currency: "usd", baseFeeMinor, charges });

describe("rateUsage properties", () => {
  it("graduated totals never decrease when the quantity grows (exact and rounded)", () => {
    fc.assert(
      fc.property(graduated, quantity, quantity, (generated, a, b) => {
        const [low, high] = a.lessThanOrEqualTo(b) ? [a, b] : [b, a];
        const pricing = plan([generated]);
        const lowLine = usageLine(pricing, low);
        const highLine = usageLine(pricing, high);
        expect(lowLine.exactAmountMinor.lessThanOrEqualTo(highLine.exactAmountMinor)).toBe(true);
        expect(lowLine.amountMinor <= highLine.amountMinor).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("per-unit is linear in the overage before rounding: f(a + b) = f(a) + f(b) above the included quantity", () => {
    fc.assert(
      fc.property(price, included, quantity, quantity, (unitPriceMinor, includedQuantity, a, b) => {
        const pricing = plan([charge("PER_UNIT", { unitPriceMinor, includedQuantity })]);
        const exact = (overage: Decimal) => usageLine(pricing, includedQuantity.plus(overage)).exactAmountMinor;
        expect(exact(new Big(a).plus(b)).equals(new Big(exact(a)).plus(exact(b)))).toBe(true);
        expect(exact(a).equals(new Big(a).times(unitPriceMinor))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("rounds each line once: its amount is its exact amount rounded half away from zero", () => {
    fc.assert(
      fc.property(anyCharge("m"), quantity, (generated, value) => {
        const line = usageLine(plan([generated]), value);
        const sum = line.breakdown.reduce((total, step) => total.plus(step.amountMinor), new Big(0));
        expect(line.exactAmountMinor.equals(sum)).toBe(true);
        expect(line.amountMinor).toBe(BigInt(line.exactAmountMinor.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0)));
      }),
      { numRuns: 300 },
    );
  });

  it("total = subtotal − credits = the sum of the lines, and never below the base fee", () => {
    const credit = fc.oneof(
      fc.bigInt({ min: 0n, max: 10n ** 9n }).map((amountMinor): TRateCredit => ({ kind: "AMOUNT", amountMinor, currency: "usd", reason: "r" })),
      fc.tuple(fc.constantFrom("a", "b"), quantity).map(([meterId, credited]): TRateCredit => ({ kind: "QUANTITY", meterId, quantity: credited, reason: "r" })),
    );
    fc.assert(
      fc.property(
        anyCharge("a"),
        anyCharge("b"),
        fc.bigInt({ min: 0n, max: 10n ** 7n }),
        quantity,
        quantity,
        fc.array(credit, { maxLength: 4 }),
        (first, second, baseFeeMinor, usageA, usageB, credits) => {
          const rated = rateUsage(plan([first, second], baseFeeMinor), new Map([["a", usageA], ["b", usageB]]), { credits });
          const sum = rated.lines.reduce((total, line) => total + line.amountMinor, 0n);
          expect(rated.totalMinor).toBe(sum);
          expect(rated.totalMinor).toBe(rated.subtotalMinor - rated.creditsMinor);
          expect(rated.totalMinor >= 0n).toBe(true);
          expect(rated.creditsMinor <= rated.subtotalMinor).toBe(true);
          // Billing credits apply to usage lines only: the base fee is always billed.
          expect(rated.totalMinor >= baseFeeMinor).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
