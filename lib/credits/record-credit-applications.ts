// What AMOUNT credits gave on a finalized Stripe invoice, from the invoice itself: each
// `total_pretax_credit_amounts` entry names a credit balance transaction, whose grant is a
// credit's (`credits.stripe_credit_grant_id`). Read from Stripe with the invoice (outside any
// transaction: fetchAppliedCreditGrants), recorded with Tally's copy of it (recordCreditApplications,
// one row per credit and invoice, written again with the same figure on every sync). This is what
// makes a credit's remaining balance, so a credit used up on one invoice is not previewed again.
// (QUANTITY credits' rows are written when their grant is made: grant-quantity-credits.ts.)
import type Stripe from "stripe";
import type { TDb } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";

export type TAppliedCreditGrant = { stripeCreditGrantId: string; amountMinor: bigint };

export async function fetchAppliedCreditGrants(invoice: Stripe.Invoice): Promise<TAppliedCreditGrant[]> {
  if (invoice.status === "draft" || !invoice.id) return [];
  const applied: TAppliedCreditGrant[] = [];
  for (const credit of invoice.total_pretax_credit_amounts ?? []) {
    if (credit.type !== "credit_balance_transaction" || !credit.credit_balance_transaction) continue;
    const reference = credit.credit_balance_transaction;
    const transaction = typeof reference === "string" ? await getStripe().billing.creditBalanceTransactions.retrieve(reference) : reference;
    const grant = transaction.credit_grant;
    applied.push({ stripeCreditGrantId: typeof grant === "string" ? grant : grant.id, amountMinor: BigInt(credit.amount) });
  }
  return applied;
}

export async function recordCreditApplications(db: TDb, stripeInvoiceId: string, applied: readonly TAppliedCreditGrant[]): Promise<void> {
  if (applied.length === 0) return;
  const byGrant = new Map<string, bigint>();
  for (const entry of applied) byGrant.set(entry.stripeCreditGrantId, (byGrant.get(entry.stripeCreditGrantId) ?? 0n) + entry.amountMinor);
  const credits = await db.credit.findMany({ where: { stripeCreditGrantId: { in: [...byGrant.keys()] }, kind: "AMOUNT" }, select: { id: true, stripeCreditGrantId: true } });
  for (const credit of credits) {
    const amountMinor = byGrant.get(credit.stripeCreditGrantId ?? "") ?? 0n;
    await db.creditApplication.upsert({
      where: { creditId_stripeInvoiceId: { creditId: credit.id, stripeInvoiceId } },
      create: { creditId: credit.id, stripeInvoiceId, amountMinor },
      update: { amountMinor },
    });
  }
}
