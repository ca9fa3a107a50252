// The pricing engine (lib/billing/rate-usage.ts) on hand-computed cases. Amounts are in minor units
// (cents for usd); each comment shows the arithmetic the expectation comes from.
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { rateUsage, type TRateCredit, type TRatedUsageLine } from "@/lib/billing/rate-usage";
import type { TCharge, TPlanPricing, TTier } from "@/lib/billing/types";

const d = (value: Decimal.Value) => new Decimal(value);

function charge(partial: Partial<TCharge> & Pick<TCharge, "model">): TCharge {
  return {
    meterId: "calls",
    meterName: "API calls",
    unitLabel: "call",
    includedQuantity: d(0),
    unitPriceMinor: null,
    packageSize: null,
    tiers: [],
    ...partial,
  };
}

function plan(charges: TCharge[], options: { currency?: string; baseFeeMinor?: bigint } = {}): TPlanPricing {
  return { currency: options.currency ?? "usd", baseFeeMinor: options.baseFeeMinor ?? 0n, charges };
}

function tier(upTo: Decimal.Value | null, unitPriceMinor: Decimal.Value, flatPriceMinor: Decimal.Value = 0): TTier {
  return { upTo: upTo === null ? null : d(upTo), unitPriceMinor: d(unitPriceMinor), flatPriceMinor: d(flatPriceMinor) };
}

function rate(pricing: TPlanPricing, usage: Record<string, Decimal.Value>, credits?: TRateCredit[]) {
  return rateUsage(pricing, new Map(Object.entries(usage).map(([meter, quantity]) => [meter, d(quantity)])), { credits });
}

/** The single usage line of a one-charge plan. */
function line(pricing: TPlanPricing, quantity: Decimal.Value, credits?: TRateCredit[]): TRatedUsageLine {
  const usage = rate(pricing, { calls: quantity }, credits).lines.find((entry) => entry.kind === "USAGE");
  if (!usage || usage.kind !== "USAGE") throw new Error("no usage line");
  return usage;
}

const amount = (pricing: TPlanPricing, quantity: Decimal.Value) => line(pricing, quantity).amountMinor;

/** Stripe's documented example (SEMANTICS.md §5): 0–1000 at 0¢, 1001–10000 at 2¢, above at 1¢. */
const DOC_TIERS = [tier(1000, 0), tier(10_000, 2), tier(null, 1)];

describe("per-unit", () => {
  // $0.001 a call = 0.1¢; 1,000,000 included.
  const pricing = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.1"), includedQuantity: d(1_000_000) })]);

  it("prices the overage above the included quantity and says so in words", () => {
    const rated = line(pricing, 1_200_000);
    // 1,200,000 − 1,000,000 = 200,000 overage calls × 0.1¢ = 20,000¢ = $200.00
    expect(rated.amountMinor).toBe(20_000n);
    expect(rated.billableQuantity.toFixed()).toBe("200000");
    expect(rated.description).toBe("API calls: included 1,000,000 calls; 200,000 overage calls at $0.001 = $200.00");
    expect(rated.breakdown.map((step) => [step.kind, step.quantity.toFixed(), step.amountMinor.toFixed()])).toEqual([
      ["INCLUDED", "1000000", "0"],
      ["UNITS", "200000", "20000"],
    ]);
  });

  it("charges nothing up to the included quantity, and one unit's price one above it", () => {
    expect(amount(pricing, 0)).toBe(0n);
    expect(line(pricing, 800_000).description).toBe("API calls: 800,000 of 1,000,000 calls included = $0.00");
    expect(amount(pricing, 1_000_000)).toBe(0n); // exactly at the included quantity
    // 1 call × 0.1¢ = 0.1¢ → rounds to 0¢; 5 calls × 0.1¢ = 0.5¢ → 1¢ (half away from zero)
    expect(amount(pricing, 1_000_001)).toBe(0n);
    expect(line(pricing, 1_000_001).exactAmountMinor.toFixed()).toBe("0.1");
    expect(amount(pricing, 1_000_005)).toBe(1n);
    expect(line(pricing, 1_000_001).description).toBe("API calls: included 1,000,000 calls; 1 overage call at $0.001 = $0.00");
  });

  it("prices fractional unit prices exactly and rounds once: 0.0004¢ × 1,234,567", () => {
    const tiny = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.0004") })]);
    // 1,234,567 × 0.0004¢ = 493.8268¢ → 494¢
    const rated = line(tiny, 1_234_567);
    expect(rated.exactAmountMinor.toFixed()).toBe("493.8268");
    expect(rated.amountMinor).toBe(494n);
    expect(rated.description).toBe("API calls: 1,234,567 calls at $0.000004 = $4.94");
  });

  it("rounds half away from zero, not to even", () => {
    const quarter = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.25") })]);
    expect(amount(quarter, 10)).toBe(3n); // 2.5¢ → 3¢ (banker's rounding would give 2¢)
    expect(amount(quarter, 2)).toBe(1n); // 0.5¢ → 1¢
    expect(amount(quarter, 1)).toBe(0n); // 0.25¢ → 0¢
    expect(amount(quarter, 14)).toBe(4n); // 3.5¢ → 4¢
  });

  it("prices fractional quantities (2.5 GB at 10¢)", () => {
    const storage = plan([charge({ model: "PER_UNIT", unitPriceMinor: d(10), unitLabel: "GB", meterName: "Storage" })]);
    expect(amount(storage, "2.5")).toBe(25n); // 2.5 × 10¢
    expect(line(storage, "2.5").description).toBe("Storage: 2.5 GB at $0.10 = $0.25");
  });

  it("stays exact past 20 significant digits (decimal.js's default precision)", () => {
    const micro = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.000000000001") })]);
    // 123,456,789,012,345,678,901 × 10⁻¹²¢ = 123,456,789.012345678901¢ → 123,456,789¢
    const rated = line(micro, "123456789012345678901");
    expect(rated.exactAmountMinor.toFixed()).toBe("123456789.012345678901");
    expect(rated.amountMinor).toBe(123_456_789n);
  });

  it("bills a zero usage as $0.00 in words", () => {
    const simple = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.1") })]);
    expect(line(simple, 0).description).toBe("API calls: 0 calls at $0.001 = $0.00");
    expect(amount(simple, 0)).toBe(0n);
  });
});

describe("package", () => {
  // $5.00 per package of 1,000 calls.
  const pricing = plan([charge({ model: "PACKAGE", unitPriceMinor: d(500), packageSize: d(1000) })]);

  it("rounds the units up to whole packages", () => {
    expect(amount(pricing, 0)).toBe(0n); // 0 packages
    expect(amount(pricing, 1)).toBe(500n); // ceil(1/1000) = 1 package
    expect(amount(pricing, 1000)).toBe(500n); // exactly one package
    expect(amount(pricing, 1001)).toBe(1000n); // ceil(1001/1000) = 2 packages × 500¢
    expect(amount(pricing, 2500)).toBe(1500n); // 3 packages × 500¢
  });

  it("shows the packages in words", () => {
    const rated = line(pricing, 2500);
    expect(rated.description).toBe("API calls: 2,500 calls = 3 packages of 1,000 at $5.00 = $15.00");
    expect(rated.breakdown[0]?.packages?.toFixed()).toBe("3");
    expect(line(pricing, 1).description).toBe("API calls: 1 call = 1 package of 1,000 at $5.00 = $5.00");
  });

  it("counts packages above the included quantity", () => {
    const included = plan([charge({ model: "PACKAGE", unitPriceMinor: d(500), packageSize: d(1000), includedQuantity: d(100) })]);
    expect(amount(included, 100)).toBe(0n);
    expect(amount(included, 1100)).toBe(500n); // 1,000 overage → 1 package
    expect(amount(included, 1101)).toBe(1000n); // 1,001 overage → 2 packages
  });
});

describe("graduated tiers", () => {
  const pricing = plan([charge({ model: "GRADUATED", tiers: DOC_TIERS })]);

  it("matches Stripe's documented example: 15,000 units", () => {
    // 1,000 × 0¢ + 9,000 × 2¢ + 5,000 × 1¢ = 23,000¢
    const rated = line(pricing, 15_000);
    expect(rated.amountMinor).toBe(23_000n);
    expect(rated.description).toBe("API calls: tier 1: 1,000 calls at $0.00; tier 2: 9,000 calls at $0.02; tier 3: 5,000 calls at $0.01 = $230.00");
    expect(rated.breakdown.map((step) => [step.tier, step.quantity.toFixed(), step.amountMinor.toFixed()])).toEqual([
      [0, "1000", "0"],
      [1, "9000", "18000"],
      [2, "5000", "5000"],
    ]);
  });

  it("puts a unit exactly at up_to in that tier, and the next one in the next tier", () => {
    expect(amount(pricing, 1000)).toBe(0n); // 1,000 × 0¢
    expect(amount(pricing, 1001)).toBe(2n); // 1,000 × 0¢ + 1 × 2¢
    expect(amount(pricing, 10_000)).toBe(18_000n); // 9,000 × 2¢
    expect(amount(pricing, 10_001)).toBe(18_001n); // 9,000 × 2¢ + 1 × 1¢
    expect(line(pricing, 1000).breakdown).toHaveLength(1);
  });

  it("charges each reached tier's flat amount once; the first tier's even at zero usage", () => {
    // up to 100 at 10¢ + $5.00 flat, then 5¢ + $10.00 flat
    const flats = plan([charge({ model: "GRADUATED", tiers: [tier(100, 10, 500), tier(null, 5, 1000)] })]);
    expect(amount(flats, 0)).toBe(500n); // quantity 0 lies in tier 1: its flat 500¢
    expect(line(flats, 0).description).toBe("API calls: tier 1: 0 calls at $0.10 + $5.00 flat = $5.00");
    expect(amount(flats, 1)).toBe(510n); // 1 × 10 + 500
    expect(amount(flats, 100)).toBe(1500n); // 100 × 10 + 500
    expect(amount(flats, 101)).toBe(2505n); // 1500 + 1 × 5 + 1000
  });

  it("counts tiers from the first unit above the included quantity", () => {
    const included = plan([charge({ model: "GRADUATED", includedQuantity: d(1000), tiers: [tier(100, 10, 500), tier(null, 5, 1000)] })]);
    expect(amount(included, 0)).toBe(0n); // inside the included quantity: no priced tier reached
    expect(amount(included, 1000)).toBe(0n);
    expect(amount(included, 1001)).toBe(510n); // 1 overage unit in tier 1: 1 × 10 + 500
    expect(amount(included, 1100)).toBe(1500n); // 100 × 10 + 500
    expect(amount(included, 1101)).toBe(2505n); // 1500 + 1 × 5 + 1000
    expect(line(included, 1101).description).toBe(
      "API calls: included 1,000 calls; tier 1: 100 overage calls at $0.10 + $5.00 flat; tier 2: 1 overage call at $0.05 + $10.00 flat = $25.05",
    );
  });

  it("rounds once per line, not per tier", () => {
    // 3 units in each tier at 0.5¢: 1.5¢ + 1.5¢ = 3¢. Rounding per tier would give 2¢ + 2¢ = 4¢.
    const halves = plan([charge({ model: "GRADUATED", tiers: [tier(3, "0.5"), tier(null, "0.5")] })]);
    const rated = line(halves, 6);
    expect(rated.breakdown.map((step) => step.amountMinor.toFixed())).toEqual(["1.5", "1.5"]);
    expect(rated.amountMinor).toBe(3n);
  });

  it("prices fractional usage inside the tiers", () => {
    expect(line(pricing, "1000.5").exactAmountMinor.toFixed()).toBe("1"); // 0.5 × 2¢
  });
});

describe("volume tiers", () => {
  const pricing = plan([charge({ model: "VOLUME", tiers: DOC_TIERS })]);

  it("prices every unit at the one tier holding the total: Stripe's example", () => {
    // 15,000 falls in tier 3: 15,000 × 1¢
    const rated = line(pricing, 15_000);
    expect(rated.amountMinor).toBe(15_000n);
    expect(rated.description).toBe("API calls: all 15,000 calls at $0.01 (tier 3) = $150.00");
  });

  it("puts a quantity exactly at up_to in that tier, and one above in the next", () => {
    expect(amount(pricing, 1000)).toBe(0n); // tier 1: 1,000 × 0¢
    expect(amount(pricing, 1001)).toBe(2002n); // tier 2: 1,001 × 2¢
    expect(amount(pricing, 10_000)).toBe(20_000n); // tier 2: 10,000 × 2¢
    expect(amount(pricing, 10_001)).toBe(10_001n); // tier 3: 10,001 × 1¢
  });

  it("is not monotonic: one more unit can cost less (a hand counterexample, not a property)", () => {
    // 10,000 units: all at 2¢ = $200.00; 10,001 units: all at 1¢ = $100.01.
    expect(amount(pricing, 10_001) < amount(pricing, 10_000)).toBe(true);
  });

  it("charges the first tier's flat amount at zero usage, and the containing tier's flat above", () => {
    // up to 10 at 0¢ + $7.00 flat; above, 50¢ each + $1.00 flat
    const flats = plan([charge({ model: "VOLUME", tiers: [tier(10, 0, 700), tier(null, 50, 100)] })]);
    expect(amount(flats, 0)).toBe(700n);
    expect(amount(flats, 10)).toBe(700n);
    expect(amount(flats, 11)).toBe(650n); // 11 × 50 + 100
    expect(line(flats, 11).description).toBe("API calls: all 11 calls at $0.50 (tier 2) + $1.00 flat = $6.50");
  });

  it("prices the overage above an included quantity by its own tier", () => {
    const included = plan([charge({ model: "VOLUME", includedQuantity: d(500), tiers: DOC_TIERS })]);
    expect(amount(included, 500)).toBe(0n);
    expect(amount(included, 1501)).toBe(2002n); // overage 1,001 → tier 2: 1,001 × 2¢
  });
});

describe("credits", () => {
  const graduated = plan([charge({ model: "GRADUATED", tiers: DOC_TIERS })], { baseFeeMinor: 4900n });
  const calls = (quantity: Decimal.Value, reason = "outage"): TRateCredit => ({ kind: "QUANTITY", meterId: "calls", quantity: d(quantity), reason });
  const money = (amountMinor: bigint, reason: string, creditId?: string): TRateCredit => ({ kind: "AMOUNT", amountMinor, currency: "usd", reason, creditId });

  it("takes free units off the usage before pricing", () => {
    // 15,000 − 5,000 = 10,000 priced: 9,000 × 2¢ = 18,000¢
    const rated = line(graduated, 15_000, [calls(5000)]);
    expect(rated.creditedQuantity.toFixed()).toBe("5000");
    expect(rated.amountMinor).toBe(18_000n);
    expect(rated.description).toBe("API calls: 5,000 calls credited; tier 1: 1,000 calls at $0.00; tier 2: 9,000 calls at $0.02 = $180.00");
  });

  it("adds several quantity credits of a meter, ignores other meters', and never goes below zero", () => {
    // 2,000 + 1,000 credited of 15,000: 12,000 priced = 9,000 × 2 + 2,000 × 1 = 20,000¢
    const other: TRateCredit = { kind: "QUANTITY", meterId: "tokens", quantity: d(1_000_000), reason: "x" };
    expect(line(graduated, 15_000, [calls(2000), calls(1000), other]).amountMinor).toBe(20_000n);
    const all = line(graduated, 300, [calls(1000)]);
    expect(all.creditedQuantity.toFixed()).toBe("300");
    expect(all.billableQuantity.toFixed()).toBe("0");
    expect(all.amountMinor).toBe(0n);
  });

  it("takes amount credits off the usage lines as negative lines, in order, never below zero nor off the base fee", () => {
    // base 4,900 + usage 23,000 = 27,900; credit 1,000 → 26,900
    const one = rate(graduated, { calls: 15_000 }, [money(1000n, "Goodwill", "cr_1")]);
    expect(one.subtotalMinor).toBe(27_900n);
    expect(one.creditsMinor).toBe(1000n);
    expect(one.totalMinor).toBe(26_900n);
    expect(one.lines.at(-1)).toEqual({ kind: "CREDIT", description: "Credit: Goodwill", creditId: "cr_1", reason: "Goodwill", amountMinor: -1000n });

    // base 4,900 + 3,450 calls (1,000 free, 2,450 × 2¢ = 4,900): Stripe's billing
    // credits apply to metered lines only, so at most 4,900 of credit applies and the base fee stays.
    const capped = rate(graduated, { calls: 3_450 }, [money(4000n, "Migration"), money(2000n, "SLA"), money(500n, "Spare")]);
    expect(capped.subtotalMinor).toBe(9_800n);
    expect(capped.creditsMinor).toBe(4_900n);
    expect(capped.totalMinor).toBe(4_900n);
    expect(capped.lines.map((entry) => [entry.kind, entry.amountMinor, entry.description])).toEqual([
      ["BASE_FEE", 4900n, "Base fee"],
      ["USAGE", 4900n, "API calls: tier 1: 1,000 calls at $0.00; tier 2: 2,450 calls at $0.02 = $49.00"],
      ["CREDIT", -4000n, "Credit: Migration"],
      ["CREDIT", -900n, "Credit: SLA ($9.00 of $20.00)"],
    ]);

    // No usage: nothing for a credit to apply to, the base fee is billed whole.
    const idle = rate(graduated, { calls: 0 }, [money(4000n, "Migration")]);
    expect(idle).toMatchObject({ subtotalMinor: 4_900n, creditsMinor: 0n, totalMinor: 4_900n });
    expect(idle.lines.some((entry) => entry.kind === "CREDIT")).toBe(false);
  });

  it("refuses a credit in another currency and negative credits", () => {
    const euros: TRateCredit = { kind: "AMOUNT", amountMinor: 100n, currency: "eur", reason: "x" };
    expect(() => rate(graduated, { calls: 1 }, [euros])).toThrow(/eur credit cannot apply to a usd invoice/);
    expect(() => rate(graduated, { calls: 1 }, [money(-1n, "x")])).toThrow(/cannot be negative/);
    expect(() => rate(graduated, { calls: 1 }, [calls(-1)])).toThrow(/zero or more/);
  });
});

describe("currencies", () => {
  it("rounds yen to whole yen (0 decimals) and writes them without decimals", () => {
    const yen = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("0.5") })], { currency: "jpy", baseFeeMinor: 1000n });
    const rated = rate(yen, { calls: 3 });
    // 3 × ¥0.5 = ¥1.5 → ¥2; + ¥1,000 base
    expect(rated.totalMinor).toBe(1002n);
    expect(rated.lines.map((entry) => entry.description)).toEqual(["Base fee", "API calls: 3 calls at ¥0.5 = ¥2"]);
  });

  it("works in a 3-decimal currency (Bahraini dinar: 1,000 fils)", () => {
    const dinar = plan([charge({ model: "PER_UNIT", unitPriceMinor: d("2.5") })], { currency: "BHD", baseFeeMinor: 12_500n });
    const rated = rate(dinar, { calls: 3 });
    // 3 × 2.5 fils = 7.5 fils → 8 fils; + 12,500 fils base
    expect(rated.currency).toBe("bhd");
    expect(rated.totalMinor).toBe(12_508n);
    // Intl writes a no-break space between a currency code and the number.
    expect(rated.lines[1]?.description).toBe("API calls: 3 calls at BHD\u00a00.0025 = BHD\u00a00.008");
  });
});

describe("the invoice", () => {
  const pricing = plan(
    [
      charge({ model: "PER_UNIT", unitPriceMinor: d("0.1"), includedQuantity: d(1000) }),
      charge({ model: "GRADUATED", meterId: "tokens", meterName: "AI tokens", unitLabel: "token", tiers: DOC_TIERS }),
    ],
    { baseFeeMinor: 2000n },
  );

  it("lists the base fee, then one line per charge in order; total = subtotal = sum of lines", () => {
    // base 2,000; calls: (11,000 − 1,000) × 0.1 = 1,000; tokens: 1,000 × 0 + 1 × 2 = 2
    const rated = rate(pricing, { calls: 11_000, tokens: 1001 });
    expect(rated.lines.map((entry) => [entry.kind, entry.amountMinor])).toEqual([
      ["BASE_FEE", 2000n],
      ["USAGE", 1000n],
      ["USAGE", 2n],
    ]);
    expect(rated.subtotalMinor).toBe(3002n);
    expect(rated.creditsMinor).toBe(0n);
    expect(rated.totalMinor).toBe(3002n);
  });

  it("counts a meter missing from the usage as 0 and ignores meters the plan does not charge", () => {
    const rated = rate(pricing, { unknown: 5 });
    expect(rated.lines.map((entry) => entry.amountMinor)).toEqual([2000n, 0n, 0n]);
  });

  it("has no base fee line when the base fee is 0", () => {
    const free = plan([charge({ model: "PER_UNIT", unitPriceMinor: d(1) })]);
    expect(rate(free, { calls: 2 }).lines.map((entry) => entry.kind)).toEqual(["USAGE"]);
  });

  it("is deterministic", () => {
    expect(rate(pricing, { calls: 123_456, tokens: 98_765 })).toEqual(rate(pricing, { calls: 123_456, tokens: 98_765 }));
  });
});

describe("caller bugs throw", () => {
  const pricing = plan([charge({ model: "PER_UNIT", unitPriceMinor: d(1) })]);

  it("refuses negative or non-finite usage", () => {
    expect(() => rate(pricing, { calls: -1 })).toThrow(/Usage of meter calls must be a finite quantity ≥ 0/);
    expect(() => rate(pricing, { calls: "NaN" })).toThrow(/finite/);
    expect(() => rate(pricing, { calls: "Infinity" })).toThrow(/finite/);
  });

  it("refuses a charge that cannot be priced", () => {
    const noInfinity = plan([charge({ model: "GRADUATED", tiers: [tier(10, 1)] })]);
    expect(() => rate(noInfinity, {})).toThrow("The charge for API calls cannot be priced: The last tier must go up to infinity.");
    const unordered = plan([charge({ model: "VOLUME", tiers: [tier(10, 1), tier(5, 1), tier(null, 1)] })]);
    expect(() => rate(unordered, {})).toThrow(/Tier 2 must go up to more than tier 1's 10/);
    expect(() => rate(plan([charge({ model: "PACKAGE", unitPriceMinor: d(1) })]), {})).toThrow(/package size/);
    expect(() => rate(plan([charge({ model: "PER_UNIT" })]), {})).toThrow(/unit price/);
    expect(() => rate(plan([], { baseFeeMinor: -1n }), {})).toThrow(/base fee/);
  });
});
