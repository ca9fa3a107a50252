// The reconciliation arithmetic: what a period should bill, the drift against Stripe and the
// invoice, and which cause and repair each difference calls for.
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import { computeReconciliation, type TReconciliationFigures } from "@/lib/reconciliation/compute-reconciliation";

const d = (value: string | number) => new Decimal(value);
const none = { quantity: d(0), value: 0n };

function figures(overrides: Partial<TReconciliationFigures>): TReconciliationFigures {
  return {
    aggregation: "SUM",
    valueScale: d(1),
    raw: d(100),
    lateOut: d(0),
    lateIn: d(0),
    sent: { quantity: d(100), value: 100n },
    pending: none,
    held: { ...none, lineIds: [] },
    dead: { ...none, lineIds: [] },
    unclaimed: d(0),
    stripeValue: 100n,
    invoiceFinal: false,
    invoicedValue: null,
    adjusted: d(0),
    duplicates: [],
    ...overrides,
  };
}

describe("computeReconciliation", () => {
  it("agrees when raw, reported and Stripe are equal", () => {
    const result = computeReconciliation(figures({}));
    expect(result).toMatchObject({ cause: null, repairAction: null, causes: [] });
    expect([result.drift.toString(), result.driftPercent?.toString()]).toEqual(["0", "0"]);
    expect(computeReconciliation(figures({ raw: d(0), sent: none, stripeValue: 0n })).driftPercent).toBeNull();
  });

  it("tells a rounding remainder (below one Stripe unit) from a lost unit, on a scaled meter", () => {
    // 1.2345 GB at 1,000 per GB: 1,234 sent, 0.5 of a unit carried.
    const carry = computeReconciliation(figures({ valueScale: d(1000), raw: d("1.2345"), sent: { quantity: d("1.2345"), value: 1234n }, stripeValue: 1234n }));
    expect(carry).toMatchObject({ cause: "rounding_carry", repairAction: null, causes: [{ code: "rounding_carry", quantity: "0.0005" }] });
    expect(carry.drift.toString()).toBe("0.0005");
    const lost = computeReconciliation(figures({ valueScale: d(1000), raw: d("1.2345"), sent: { quantity: d("1.2345"), value: 1234n }, stripeValue: 1000n }));
    expect(lost).toMatchObject({ cause: "missing_in_stripe", repairAction: "resend" });
    expect(lost.causes[0]).toEqual({ code: "missing_in_stripe", quantity: "0.234" });
  });

  it("counts late usage where it is billed: out of its own period, into the later one", () => {
    const earlier = computeReconciliation(figures({ raw: d(108), lateOut: d(8), invoiceFinal: true, invoicedValue: 100n }));
    expect(earlier.expected.toString()).toBe("100");
    expect(earlier.cause).toBeNull();
    const later = computeReconciliation(figures({ raw: d(0), lateIn: d(8), sent: { quantity: d(8), value: 8n }, stripeValue: 8n }));
    expect(later.expected.toString()).toBe("8");
    expect(later.cause).toBeNull();
  });

  it("names the cause that needs someone before usage still in flight, and its repair", () => {
    const result = computeReconciliation(figures({ raw: d(150), pending: { quantity: d(20), value: 20n }, dead: { quantity: d(30), value: 30n, lineIds: ["7"] } }));
    expect(result.causes.map((cause) => cause.code)).toEqual(["dead_lettered", "in_flight"]);
    expect(result).toMatchObject({ cause: "dead_lettered", repairAction: "release" });
    expect(result.driftPercent?.toString()).toBe("33.3333");
  });

  it("cancels a duplicate only within Stripe's window and before the invoice; adjusts the next invoice once it is final", () => {
    const duplicate = { id: "1", identifier: "tally_a", stripeValue: 40n, cancellable: true };
    expect(computeReconciliation(figures({ stripeValue: 140n, duplicates: [duplicate] })).repairAction).toBe("cancel_duplicate");
    expect(computeReconciliation(figures({ stripeValue: 140n, duplicates: [{ ...duplicate, cancellable: false }] })).repairAction).toBeNull();
    expect(computeReconciliation(figures({ stripeValue: 140n, duplicates: [] })).repairAction).toBeNull();
    const invoiced = computeReconciliation(figures({ stripeValue: 140n, invoiceFinal: true, invoicedValue: 140n }));
    expect(invoiced).toMatchObject({ cause: "duplicate_in_stripe", repairAction: "adjust_next_invoice" });
    expect(invoiced.drift.toString()).toBe("-40");
  });

  it("counts adjustments with the invoice, so a repaired period agrees and is not adjusted twice", () => {
    const late = figures({ sent: { quantity: d(100), value: 100n }, stripeValue: 100n, invoiceFinal: true, invoicedValue: 70n });
    expect(computeReconciliation(late)).toMatchObject({ cause: "late_after_invoice", repairAction: "adjust_next_invoice" });
    const adjusted = computeReconciliation({ ...late, adjusted: d(30) });
    expect(adjusted).toMatchObject({ cause: null, repairAction: null });
    expect(adjusted.invoiced?.toString()).toBe("100");
  });

  it("explains a latest-value meter's drift by the value still on its way", () => {
    const result = computeReconciliation(figures({ aggregation: "LAST", raw: d(6), sent: none, stripeValue: 0n, unclaimed: d(6) }));
    expect(result).toMatchObject({ cause: "in_flight", repairAction: "send_now", causes: [{ code: "in_flight", quantity: "6" }] });
    expect(result.drift.toString()).toBe("6");
  });
});
