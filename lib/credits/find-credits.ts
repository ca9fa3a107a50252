// Credits as people read them: every credit (newest first, optionally one customer's) with what is
// left of it and its status at `now` — the finance credits page; and a customer's credits in force —
// their dashboard and plans page.
import type Decimal from "decimal.js";
import { db as defaultDb, type TDb } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import { compareCredits, computeCreditBalance, type TCreditStatus } from "./compute-credit-balance";

export type TCreditRow = {
  id: string;
  customer: { id: string; name: string };
  kind: "AMOUNT" | "QUANTITY";
  amountMinor: bigint | null;
  currency: string | null;
  meter: { id: string; displayName: string; unitLabel: string } | null;
  quantity: Decimal | null;
  reason: string;
  effectiveAt: Date;
  expiresAt: Date | null;
  voidedAt: Date | null;
  grantedBy: string | null;
  stripeCreditGrantId: string | null;
  createdAt: Date;
  status: TCreditStatus;
  remainingMinor: bigint | null;
  remainingQuantity: Decimal | null;
};

export async function findCredits(options: { customerId?: string; now?: Date; limit?: number } = {}, db: TDb = defaultDb): Promise<TCreditRow[]> {
  const now = options.now ?? new Date();
  const credits = await db.credit.findMany({
    where: options.customerId ? { customerId: options.customerId } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: options.limit ?? 200,
    include: {
      customer: { select: { id: true, name: true } },
      meter: { select: { id: true, displayName: true, unitLabel: true } },
      grantedBy: { select: { name: true, email: true } },
      applications: { select: { amountMinor: true, quantity: true } },
    },
  });
  return credits.map((credit) => {
    const balance = computeCreditBalance(credit, credit.applications, now);
    return {
      id: credit.id,
      customer: credit.customer,
      kind: credit.kind,
      amountMinor: credit.amountMinor,
      currency: credit.currency,
      meter: credit.meter,
      quantity: credit.quantity === null ? null : new ExactDecimal(credit.quantity.toString()),
      reason: credit.reason,
      effectiveAt: credit.effectiveAt,
      expiresAt: credit.expiresAt,
      voidedAt: credit.voidedAt,
      grantedBy: credit.grantedBy?.name ?? null,
      stripeCreditGrantId: credit.stripeCreditGrantId,
      createdAt: credit.createdAt,
      status: balance.status,
      remainingMinor: balance.remainingMinor,
      remainingQuantity: balance.remainingQuantity,
    };
  });
}

/** A customer's credits in force at `now`, in the order Stripe applies them. */
export async function findCreditsInForce(customerId: string, options: { now?: Date } = {}, db: TDb = defaultDb): Promise<TCreditRow[]> {
  const credits = await findCredits({ customerId, now: options.now }, db);
  return credits.filter((credit) => credit.status === "ACTIVE").sort(compareCredits);
}
