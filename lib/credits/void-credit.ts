// Finance voids a credit: from now on it gives nothing (what it already gave on finalized invoices
// stays). Stripe first, then Tally: the credit's grant is voided (the grant id on the row, or one
// found by metadata for a credit whose grant was never confirmed), and for a QUANTITY credit so is
// any grant it made for an invoice that is still a draft (that invoice then bills the units). Only
// then are `voidedAt` and the `credit.voided` audit entry written, together. A Stripe failure
// changes nothing in Tally and voiding again is safe (an already voided grant is left alone).
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";
import { findStripeCreditGrant } from "./find-stripe-credit-grant";

export async function voidCredit(creditId: string, context: TAuditContext, options: { now?: Date; db?: TDb } = {}) {
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const credit = await db.credit.findUnique({ where: { id: creditId }, include: { customer: true, applications: true } });
  if (!credit) throw new AppError("not_found", "No such credit.");
  if (credit.voidedAt) throw new AppError("conflict", "This credit is already void.");
  const stripeCustomerId = credit.customer.stripeCustomerId;
  const stripe = getStripe();
  const voidGrant = async (grantId: string) => {
    const grant = await stripe.billing.creditGrants.retrieve(grantId);
    if (grant.voided_at === null) await stripe.billing.creditGrants.voidGrant(grantId, {}, { idempotencyKey: `tally-credit-void-${grantId}` });
  };

  if (credit.kind === "AMOUNT" && stripeCustomerId) {
    const grantId = credit.stripeCreditGrantId ?? (await findStripeCreditGrant(stripeCustomerId, credit.id))?.id;
    if (grantId) await voidGrant(grantId);
  }
  const withdrawn: string[] = [];
  for (const application of credit.applications) {
    if (!application.stripeCreditGrantId) continue;
    const invoice = await stripe.invoices.retrieve(application.stripeInvoiceId);
    if (invoice.status !== "draft") continue;
    await voidGrant(application.stripeCreditGrantId);
    withdrawn.push(application.id);
  }

  return db.$transaction(async (tx) => {
    if (withdrawn.length > 0) await tx.creditApplication.deleteMany({ where: { id: { in: withdrawn } } });
    const voided = await tx.credit.update({ where: { id: credit.id }, data: { voidedAt: now } });
    const { customer: _customer, applications: _applications, ...before } = credit;
    await recordAudit(tx, { actor: context.actor, action: "credit.voided", entityType: "credit", entityId: credit.id, customerId: credit.customerId, before, after: voided, requestId: context.requestId });
    return voided;
  });
}
