// A customer's credits in force at an instant, as the pricing engine takes them (rateUsage's
// `credits`), the way Stripe will apply them: AMOUNT credits that reached Stripe, in the plan's
// currency, each for what is left of it (lib/credits/compute-credit-balance.ts); QUANTITY credits
// of a meter for their free units left; both in Stripe's order (the soonest expiry first, then the
// earliest effective, then the oldest).
import type { TRateCredit } from "@/lib/billing/rate-usage";
import { compareCredits, computeCreditBalance } from "@/lib/credits/compute-credit-balance";
import type { TDb } from "@/lib/db";

export async function findRateCredits(db: TDb, customerId: string, currency: string, at: Date): Promise<TRateCredit[]> {
  const credits = await db.credit.findMany({
    where: { customerId, voidedAt: null, effectiveAt: { lte: at }, OR: [{ expiresAt: null }, { expiresAt: { gt: at } }] },
    include: { applications: { select: { amountMinor: true, quantity: true } } },
  });
  return credits.sort(compareCredits).flatMap((credit): TRateCredit[] => {
    const balance = computeCreditBalance(credit, credit.applications, at);
    if (balance.status !== "ACTIVE") return [];
    if (credit.kind === "AMOUNT" && balance.remainingMinor !== null && credit.currency?.toLowerCase() === currency.toLowerCase()) {
      return [{ kind: "AMOUNT", creditId: credit.id, amountMinor: balance.remainingMinor, currency, reason: credit.reason }];
    }
    if (credit.kind === "QUANTITY" && credit.meterId && balance.remainingQuantity !== null) {
      return [{ kind: "QUANTITY", creditId: credit.id, meterId: credit.meterId, quantity: balance.remainingQuantity, reason: credit.reason }];
    }
    return [];
  });
}
