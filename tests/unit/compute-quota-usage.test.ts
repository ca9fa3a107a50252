import { describe, expect, it } from "vitest";
import { computeQuotaUsage } from "@/lib/metering/compute-quota-usage";
import { ExactDecimal } from "@/lib/money/currency";

const period = { periodStart: new Date("2026-11-01T00:00:00Z"), periodEnd: new Date("2026-12-01T00:00:00Z") };
const d = (value: string) => new ExactDecimal(value);

describe("computeQuotaUsage", () => {
  it("reports percent used, remaining and over quota against the included quantity", () => {
    const now = new Date("2026-11-16T00:00:00Z"); // half-way
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("750"), included: d("1000"), period, now })).toEqual({
      usage: "750",
      included: "1000",
      percentUsed: 75,
      projectedUsage: "1500",
      remaining: "250",
      overQuota: false,
    });
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("1000"), included: d("1000"), period, now })).toMatchObject({ remaining: "0", overQuota: false, percentUsed: 100 });
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("1000.5"), included: d("1000"), period, now })).toMatchObject({ remaining: "0", overQuota: true, percentUsed: 100.05 });
  });

  it("has no percentage without a positive quota, and no quota without a charge", () => {
    const now = new Date("2026-11-16T00:00:00Z");
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("5"), included: d("0"), period, now })).toMatchObject({ percentUsed: null, overQuota: true, remaining: "0" });
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("5"), included: null, period, now })).toMatchObject({ percentUsed: null, overQuota: false, remaining: null, included: null });
  });

  it("projects sums linearly, but not from the first minutes, and not gauges (LAST, MAX)", () => {
    const early = new Date("2026-11-01T00:01:00Z");
    // Extrapolated from a whole day, not one minute: 10 × 30 days.
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("10"), included: null, period, now: early }).projectedUsage).toBe("300");
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("10"), included: null, period, now: new Date("2026-11-01T23:00:00Z") }).projectedUsage).toBe("300");
    const now = new Date("2026-11-11T00:00:00Z"); // a third
    expect(computeQuotaUsage({ aggregation: "COUNT", usage: d("100"), included: null, period, now }).projectedUsage).toBe("300");
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("1"), included: null, period, now: new Date("2026-11-04T00:00:00Z") }).projectedUsage).toBe("10");
    expect(computeQuotaUsage({ aggregation: "LAST", usage: d("42"), included: null, period, now }).projectedUsage).toBe("42");
    expect(computeQuotaUsage({ aggregation: "SUM", usage: d("42"), included: null, period, now: period.periodEnd }).projectedUsage).toBe("42");
  });
});
