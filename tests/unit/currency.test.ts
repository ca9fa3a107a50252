// Minor units, the one rounding point, and money for people (lib/money/currency.ts).
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { formatMoney, formatQuantity, fromMinorUnits, minorUnitExponent, roundToMinorUnits, toMinorUnits } from "@/lib/money/currency";

/** Intl separates a currency code from the number with a no-break space. */
const NBSP = "\u00a0";

describe("minor unit exponents", () => {
  it("follows Stripe's lists: 2 by default, 0 for zero-decimal, 3 for three-decimal currencies", () => {
    expect(minorUnitExponent("usd")).toBe(2);
    expect(minorUnitExponent("EUR")).toBe(2);
    for (const code of ["jpy", "krw", "clp", "vnd", "xof", "ugx"]) expect(minorUnitExponent(code)).toBe(0);
    for (const code of ["bhd", "kwd", "jod", "omr", "tnd"]) expect(minorUnitExponent(code)).toBe(3);
    expect(minorUnitExponent("isk")).toBe(2); // zero in ISO 4217, two in Stripe's API
  });

  it("refuses something that is not a currency code", () => {
    expect(() => minorUnitExponent("dollars")).toThrow(/three-letter/);
  });
});

describe("rounding and conversion", () => {
  it("rounds an exact amount to integer minor units half away from zero", () => {
    expect(roundToMinorUnits("493.8268")).toBe(494n);
    expect(roundToMinorUnits("2.5")).toBe(3n);
    expect(roundToMinorUnits("2.4999999999999")).toBe(2n);
    expect(roundToMinorUnits("-2.5")).toBe(-3n);
    expect(roundToMinorUnits("0")).toBe(0n);
    expect(roundToMinorUnits("123456789012345678901234567890.5")).toBe(123456789012345678901234567891n);
  });

  it("turns a major amount into minor units for the currency and refuses extra decimals", () => {
    expect(toMinorUnits("200.00", "usd")).toBe(20_000n);
    expect(toMinorUnits("1200", "jpy")).toBe(1200n);
    expect(toMinorUnits("1.25", "kwd")).toBe(1250n);
    expect(() => toMinorUnits("0.001", "usd")).toThrow(/more than 2 decimal places/);
    expect(() => toMinorUnits("1.5", "jpy")).toThrow(/more than 0 decimal places/);
  });

  it("turns minor units back into an exact major amount", () => {
    expect(fromMinorUnits(20_000n, "usd").toFixed()).toBe("200");
    expect(fromMinorUnits(new Decimal("0.0004"), "usd").toFixed()).toBe("0.000004");
    expect(fromMinorUnits(1200n, "jpy").toFixed()).toBe("1200");
  });
});

describe("formatMoney", () => {
  it("writes whole minor units with the currency's decimals", () => {
    expect(formatMoney(20_000n, "usd")).toBe("$200.00");
    expect(formatMoney(123_456_789n, "usd")).toBe("$1,234,567.89");
    expect(formatMoney(0n, "usd")).toBe("$0.00");
    expect(formatMoney(-1000n, "usd")).toBe("-$10.00");
    expect(formatMoney(1200n, "jpy")).toBe("¥1,200");
    expect(formatMoney(1250n, "bhd")).toBe(`BHD${NBSP}1.250`);
    expect(formatMoney(999n, "eur")).toBe("€9.99");
  });

  it("writes sub-cent unit prices in full, never rounded", () => {
    expect(formatMoney(new Decimal("0.1"), "usd")).toBe("$0.001");
    expect(formatMoney(new Decimal("0.0004"), "usd")).toBe("$0.000004");
    expect(formatMoney(new Decimal("0.000000000001"), "usd")).toBe("$0.00000000000001");
    expect(formatMoney(new Decimal("0.5"), "jpy")).toBe("¥0.5");
    expect(formatMoney(new Decimal("2"), "usd")).toBe("$0.02");
  });

  it("keeps amounts beyond a float's precision exact", () => {
    expect(formatMoney(9_007_199_254_740_993n, "usd")).toBe("$90,071,992,547,409.93");
  });

  it("formats for another locale when asked", () => {
    expect(formatMoney(123_456n, "eur", "de-DE")).toBe(`1.234,56${NBSP}€`);
  });
});

describe("formatQuantity", () => {
  it("groups digits and keeps every decimal", () => {
    expect(formatQuantity(new Decimal(1_000_000))).toBe("1,000,000");
    expect(formatQuantity(new Decimal("2.5"))).toBe("2.5");
    expect(formatQuantity(new Decimal("0.000001"))).toBe("0.000001");
    expect(formatQuantity(new Decimal("12345678901234567890123"))).toBe("12,345,678,901,234,567,890,123");
  });
});
