// A customer's credits in force at an instant, as the pricing engine takes them (rateUsage's
// `credits`): AMOUNT credits in the plan's currency, QUANTITY credits of a meter; oldest first.
import type { TRateCredit } from "@/lib/billing/rate-usage";
import type { TDb } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";

export async function findRateCredits(db: TDb, customerId: string, currency: string, at: Date): Promise<TRateCredit[]> {
  const credits = await db.credit.findMany({
    where: { customerId, voidedAt: null, effectiveAt: { lte: at }, OR: [{ expiresAt: null }, { expiresAt: { gt: at } }] },
    orderBy: { effectiveAt: "asc" },
  });
  return credits.flatMap((credit): TRateCredit[] => {
    if (credit.kind === "AMOUNT" && credit.amountMinor !== null && credit.currency?.toLowerCase() === currency.toLowerCase()) {
      return [{ kind: "AMOUNT", creditId: credit.id, amountMinor: credit.amountMinor, currency, reason: credit.reason }];
    }
    if (credit.kind === "QUANTITY" && credit.meterId && credit.quantity !== null) {
      return [{ kind: "QUANTITY", creditId: credit.id, meterId: credit.meterId, quantity: new ExactDecimal(credit.quantity.toString()), reason: credit.reason }];
    }
    return [];
  });
}
