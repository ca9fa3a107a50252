// What is left of a credit at an instant, and its status. Pure: the caller reads the credit and
// what it already gave (its CreditApplication rows: AMOUNT credits' share of finalized invoices'
// billing credits, QUANTITY credits' free units on drafted invoices).
//
// Status, first match: VOIDED; NOT_IN_STRIPE (an AMOUNT credit whose Stripe grant was never
// confirmed: it gives nothing); SCHEDULED (not yet effective); EXPIRED; USED_UP (nothing left);
// ACTIVE. Only ACTIVE credits are in force.
import type Decimal from "decimal.js";
import { ExactDecimal } from "@/lib/money/currency";

export type TCreditStatus = "ACTIVE" | "SCHEDULED" | "EXPIRED" | "VOIDED" | "USED_UP" | "NOT_IN_STRIPE";

export type TCreditForBalance = {
  kind: "AMOUNT" | "QUANTITY";
  amountMinor: bigint | null;
  quantity: Decimal.Value | null;
  effectiveAt: Date;
  expiresAt: Date | null;
  voidedAt: Date | null;
  stripeCreditGrantId: string | null;
};

export type TCreditApplied = { amountMinor: bigint; quantity: Decimal.Value | null };

export type TCreditBalance = {
  status: TCreditStatus;
  /** AMOUNT: minor units left; QUANTITY: the value given so far (informative). */
  remainingMinor: bigint | null;
  /** QUANTITY: free units left. */
  remainingQuantity: Decimal | null;
  /** Given so far, in minor units (both kinds). */
  usedMinor: bigint;
};

export function computeCreditBalance(credit: TCreditForBalance, applied: readonly TCreditApplied[], at: Date): TCreditBalance {
  const usedMinor = applied.reduce((sum, entry) => sum + entry.amountMinor, 0n);
  const usedQuantity = applied.reduce((sum, entry) => sum.plus(entry.quantity ?? 0), new ExactDecimal(0));
  const remainingMinor = credit.kind === "AMOUNT" ? maxBig(0n, (credit.amountMinor ?? 0n) - usedMinor) : null;
  const remainingQuantity = credit.kind === "QUANTITY" ? ExactDecimal.max(0, new ExactDecimal(credit.quantity ?? 0).minus(usedQuantity)) : null;
  const left = credit.kind === "AMOUNT" ? (remainingMinor ?? 0n) > 0n : (remainingQuantity?.greaterThan(0) ?? false);
  const status: TCreditStatus = credit.voidedAt
    ? "VOIDED"
    : credit.kind === "AMOUNT" && !credit.stripeCreditGrantId
      ? "NOT_IN_STRIPE"
      : credit.effectiveAt > at
        ? "SCHEDULED"
        : credit.expiresAt && credit.expiresAt <= at
          ? "EXPIRED"
          : !left
            ? "USED_UP"
            : "ACTIVE";
  return { status, remainingMinor, remainingQuantity, usedMinor };
}

/** Stripe's order among Tally's grants (same priority and category): the soonest expiry (none last), then the earliest effective, then the oldest. */
export function compareCredits(a: { expiresAt: Date | null; effectiveAt: Date; createdAt: Date }, b: { expiresAt: Date | null; effectiveAt: Date; createdAt: Date }): number {
  const expiry = (credit: { expiresAt: Date | null }) => credit.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY;
  return expiry(a) - expiry(b) || a.effectiveAt.getTime() - b.effectiveAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime();
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
