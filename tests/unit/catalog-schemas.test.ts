// The catalog's input schemas: what the admin forms and the REST API accept, and the field each
// refusal points at.
import { describe, expect, it } from "vitest";
import { ZCustomerInput, ZCustomerUpdate, ZMeterInput, ZMeterUpdate, ZPlanInput, ZPlanVersionInput } from "@/lib/catalog/schemas";
import { ZSubscriptionPlanChangeInput } from "@/lib/subscriptions/schemas";

const METER = "0190f0a0-0000-7000-8000-000000000001";

function issuePaths(result: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) {
  return (result.error?.issues ?? []).map((issue) => issue.path.join("."));
}

const tiered = (tiers: unknown[], extra: Record<string, unknown> = {}) =>
  ZPlanVersionInput.safeParse({ currency: "USD", charges: [{ meterId: METER, pricingModel: "GRADUATED", tiers, ...extra }] });

describe("ZMeterInput / ZMeterUpdate", () => {
  it("parses a meter with defaults, exact decimals and trimmed names", () => {
    const meter = ZMeterInput.parse({ eventName: "api_requests", displayName: " API requests ", aggregation: "SUM", unitLabel: "request", valueScale: "0.001" });
    expect(meter).toMatchObject({ displayName: "API requests", rounding: "HALF_UP", allowNegative: false });
    expect(meter.valueScale.toString()).toBe("0.001");
    expect(ZMeterInput.parse({ eventName: "x", displayName: "X", aggregation: "COUNT", unitLabel: "x" }).valueScale.toString()).toBe("1");
  });

  it("refuses MAX with the reason, bad event names, zero scales and too many decimals", () => {
    const max = ZMeterInput.safeParse({ eventName: "storage", displayName: "Storage", aggregation: "MAX", unitLabel: "GB" });
    expect(max.success).toBe(false);
    expect(max.error?.issues[0]).toMatchObject({ path: ["aggregation"], message: expect.stringContaining("no maximum") });
    expect(issuePaths(ZMeterInput.safeParse({ eventName: "API Requests", displayName: "x", aggregation: "SUM", unitLabel: "x" }))).toEqual(["eventName"]);
    expect(issuePaths(ZMeterInput.safeParse({ eventName: "a", displayName: "x", aggregation: "SUM", unitLabel: "x", valueScale: "0" }))).toEqual(["valueScale"]);
    expect(issuePaths(ZMeterInput.safeParse({ eventName: "a", displayName: "x", aggregation: "SUM", unitLabel: "x", valueScale: "0.0000000000001" }))).toEqual(["valueScale"]);
  });

  it("cannot change the event name or the aggregation, and needs something to change", () => {
    expect(ZMeterUpdate.safeParse({ eventName: "other" }).success).toBe(false);
    expect(ZMeterUpdate.safeParse({ aggregation: "COUNT" }).success).toBe(false);
    expect(ZMeterUpdate.safeParse({}).success).toBe(false);
    expect(ZMeterUpdate.parse({ rounding: "UP" })).toEqual({ rounding: "UP" });
  });
});

describe("ZPlanVersionInput", () => {
  it("parses a version: lower-cased currency, bigint base fee, sorted thresholds, decimal tiers", () => {
    const version = ZPlanVersionInput.parse({
      currency: "USD",
      baseFeeMinor: "4900",
      alertThresholds: [100, 75, 90, 75],
      charges: [
        { meterId: METER, pricingModel: "GRADUATED", includedQuantity: 1000, tiers: [{ upTo: "10000", unitPriceMinor: "0.000000000001" }, { upTo: null, unitPriceMinor: 0.2 }] },
      ],
    });
    expect(version).toMatchObject({ currency: "usd", baseFeeMinor: 4900n, interval: "MONTH", intervalCount: 1, alertThresholds: [75, 90, 100] });
    const charge = version.charges[0];
    expect(charge?.pricingModel === "GRADUATED" && charge.tiers.map((tier) => [tier.upTo?.toString() ?? null, tier.unitPriceMinor.toString()])).toEqual([
      ["10000", "1e-12"],
      [null, "0.2"],
    ]);
  });

  it("refuses tiers out of order, an unbounded tier before the last, a bounded last tier, negatives and 13 decimals", () => {
    expect(issuePaths(tiered([{ upTo: "100" }, { upTo: "100" }, { upTo: null }]))).toEqual(["charges.0.tiers.1.upTo"]);
    expect(issuePaths(tiered([{ upTo: null }, { upTo: null }]))).toEqual(["charges.0.tiers.0.upTo"]);
    expect(issuePaths(tiered([{ upTo: "100" }]))).toEqual(["charges.0.tiers.0.upTo"]);
    expect(issuePaths(tiered([{ upTo: null, unitPriceMinor: "-1" }]))).toEqual(["charges.0.tiers.0.unitPriceMinor"]);
    expect(issuePaths(tiered([{ upTo: null, unitPriceMinor: "0.0000000000001" }]))).toEqual(["charges.0.tiers.0.unitPriceMinor"]);
    expect(issuePaths(tiered([]))).toEqual(["charges.0.tiers"]);
  });

  it("requires each model's fields", () => {
    const perUnit = ZPlanVersionInput.safeParse({ currency: "usd", charges: [{ meterId: METER, pricingModel: "PER_UNIT" }] });
    expect(issuePaths(perUnit)).toEqual(["charges.0.unitPriceMinor"]);
    const pkg = ZPlanVersionInput.safeParse({ currency: "usd", charges: [{ meterId: METER, pricingModel: "PACKAGE", unitPriceMinor: "100", packageSize: "0" }] });
    expect(issuePaths(pkg)).toEqual(["charges.0.packageSize"]);
    const twice = ZPlanVersionInput.safeParse({
      currency: "usd",
      charges: [
        { meterId: METER, pricingModel: "PER_UNIT", unitPriceMinor: "1" },
        { meterId: METER, pricingModel: "PER_UNIT", unitPriceMinor: "2" },
      ],
    });
    expect(issuePaths(twice)).toEqual(["charges.1.meterId"]);
  });

  it("refuses what Stripe cannot bill, on the field: an included quantity with volume or package pricing", () => {
    const volume = tiered([{ upTo: "100", unitPriceMinor: "2" }, { upTo: null, unitPriceMinor: "1" }], { pricingModel: "VOLUME", includedQuantity: "50" });
    expect(volume.success).toBe(false);
    expect(volume.error?.issues).toEqual([expect.objectContaining({ path: ["charges", 0, "includedQuantity"], message: expect.stringContaining("volume") })]);
    const pkg = ZPlanVersionInput.safeParse({
      currency: "usd",
      charges: [{ meterId: METER, pricingModel: "PACKAGE", unitPriceMinor: "100", packageSize: "1000", includedQuantity: "10" }],
    });
    expect(pkg.error?.issues.map((issue) => issue.path.join("."))).toEqual(["charges.0.includedQuantity"]);
    expect(tiered([{ upTo: "100", unitPriceMinor: "2" }, { upTo: null, unitPriceMinor: "1" }], { includedQuantity: "50" }).success).toBe(true);
  });

  it("keeps Stripe's interval limit (one year) and base fee bounds", () => {
    expect(issuePaths(ZPlanVersionInput.safeParse({ currency: "usd", interval: "MONTH", intervalCount: 13 }))).toEqual(["intervalCount"]);
    expect(issuePaths(ZPlanVersionInput.safeParse({ currency: "usd", baseFeeMinor: -1 }))).toEqual(["baseFeeMinor"]);
    expect(issuePaths(ZPlanVersionInput.safeParse({ currency: "usd", baseFeeMinor: "12.50" }))).toEqual(["baseFeeMinor"]);
    expect(issuePaths(ZPlanVersionInput.safeParse({ currency: "dollars" }))).toEqual(["currency"]);
  });
});

describe("ZPlanInput, ZCustomerInput, subscription inputs", () => {
  it("parses a plan with its first version and refuses a bad key", () => {
    expect(ZPlanInput.parse({ key: "team", name: "Team", version: { currency: "eur" } })).toMatchObject({ key: "team", description: "", sortOrder: 0, version: { currency: "eur" } });
    expect(issuePaths(ZPlanInput.safeParse({ key: "Team Plan", name: "Team", version: { currency: "eur" } }))).toEqual(["key"]);
  });

  it("parses customers: slug external ids up to 100 characters, lower-cased emails", () => {
    expect(ZCustomerInput.parse({ externalId: "acme-corp", name: "Acme", email: "Billing@Acme.TEST" })).toEqual({ externalId: "acme-corp", name: "Acme", email: "billing@acme.test" });
    expect(ZCustomerInput.parse({ externalId: "acme", name: "Acme" }).email).toBeNull();
    expect(issuePaths(ZCustomerInput.safeParse({ externalId: "Acme Corp", name: "Acme" }))).toEqual(["externalId"]);
    expect(issuePaths(ZCustomerInput.safeParse({ externalId: "a".repeat(101), name: "Acme" }))).toEqual(["externalId"]);
    expect(issuePaths(ZCustomerInput.safeParse({ externalId: "acme", name: "Acme", email: "nope" }))).toEqual(["email"]);
    expect(ZCustomerUpdate.safeParse({ externalId: "other" }).success).toBe(false);
  });

  it("defaults a plan change to now and refuses other timings", () => {
    expect(ZSubscriptionPlanChangeInput.parse({ planVersionId: METER })).toEqual({ planVersionId: METER, when: "now" });
    expect(ZSubscriptionPlanChangeInput.safeParse({ planVersionId: METER, when: "tomorrow" }).success).toBe(false);
  });
});
