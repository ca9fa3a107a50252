// A credit's remaining balance and status (lib/credits/compute-credit-balance.ts), and Stripe's
// application order among Tally's grants.
import { describe, expect, it } from "vitest";
import { compareCredits, computeCreditBalance, type TCreditForBalance } from "@/lib/credits/compute-credit-balance";

const at = (iso: string) => new Date(iso);
const amount: TCreditForBalance = { kind: "AMOUNT", amountMinor: 1500n, quantity: null, effectiveAt: at("2024-01-01T00:00:00Z"), expiresAt: null, voidedAt: null, stripeCreditGrantId: "credgr_1" };
const units: TCreditForBalance = { ...amount, kind: "QUANTITY", amountMinor: null, quantity: "3000", stripeCreditGrantId: null };
const now = at("2024-02-10T00:00:00Z");

describe("computeCreditBalance", () => {
  it("takes what earlier invoices used off the value", () => {
    expect(computeCreditBalance(amount, [{ amountMinor: 1000n, quantity: null }], now)).toMatchObject({ status: "ACTIVE", remainingMinor: 500n, usedMinor: 1000n });
    expect(computeCreditBalance(amount, [{ amountMinor: 1000n, quantity: null }, { amountMinor: 500n, quantity: null }], now)).toMatchObject({ status: "USED_UP", remainingMinor: 0n });
    const left = computeCreditBalance(units, [{ amountMinor: 1150n, quantity: "2500.5" }], now);
    expect(left.status).toBe("ACTIVE");
    expect(left.remainingQuantity?.toFixed()).toBe("499.5");
    expect(computeCreditBalance(units, [{ amountMinor: 0n, quantity: "3000" }], now).status).toBe("USED_UP");
  });

  it("says why a credit gives nothing: void, not in Stripe, not yet effective, expired", () => {
    expect(computeCreditBalance({ ...amount, voidedAt: now }, [], now).status).toBe("VOIDED");
    expect(computeCreditBalance({ ...amount, stripeCreditGrantId: null }, [], now).status).toBe("NOT_IN_STRIPE");
    expect(computeCreditBalance(units, [], now).status).toBe("ACTIVE"); // free units need no grant of their own
    expect(computeCreditBalance({ ...amount, effectiveAt: at("2024-03-01T00:00:00Z") }, [], now).status).toBe("SCHEDULED");
    expect(computeCreditBalance({ ...amount, expiresAt: now }, [], now).status).toBe("EXPIRED");
    expect(computeCreditBalance({ ...amount, expiresAt: at("2024-02-10T00:00:01Z") }, [], now).status).toBe("ACTIVE");
  });
});

describe("compareCredits", () => {
  it("orders as Stripe applies grants: the soonest expiry (none last), then the earliest effective, then the oldest", () => {
    const credit = (id: string, expiresAt: string | null, effectiveAt: string, createdAt = effectiveAt) => ({ id, expiresAt: expiresAt ? at(expiresAt) : null, effectiveAt: at(effectiveAt), createdAt: at(createdAt) });
    const sorted = [
      credit("never", null, "2024-01-01T00:00:00Z"),
      credit("late", "2024-06-01T00:00:00Z", "2024-01-01T00:00:00Z"),
      credit("soon-newer", "2024-03-01T00:00:00Z", "2024-01-02T00:00:00Z"),
      credit("soon-older", "2024-03-01T00:00:00Z", "2024-01-01T00:00:00Z"),
    ].sort(compareCredits);
    expect(sorted.map((entry) => entry.id)).toEqual(["soon-older", "soon-newer", "late", "never"]);
  });
});
