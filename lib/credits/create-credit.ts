// Finance grants a credit to a customer (issue #8): an AMOUNT in the customer's plan currency, or a
// QUANTITY of free units of a meter the plan charges; a reason; an optional expiry in the future.
//
// An AMOUNT credit is a Stripe billing credit grant (monetary, promotional, applicable to metered
// prices, metadata tally_credit_id), which Stripe applies at each invoice's finalization. The order
// keeps Tally and Stripe from ever disagreeing for good:
// 1. the row is inserted first (its id is the key of everything after; it counts for nothing while
//    it has no grant id: lib/billing/find-rate-credits.ts skips it);
// 2. Stripe is called with Idempotency-Key `tally-credit-<id>` (a retry never grants twice);
// 3. the grant id and the `credit.granted` audit entry are written in one transaction.
// If Stripe fails at 2, the grant is looked up by its metadata (a lost answer to a call Stripe did
// carry out is adopted); when there is none the row is deleted and the call fails: nothing was
// granted, finance can try again. Only a crash between 1 and 3, or Stripe being unreachable for the
// lookup too, leaves the row behind: it is listed as "Not in Stripe" and can be voided (which voids
// any grant found by metadata).
//
// A QUANTITY credit needs nothing from Stripe now (Stripe's grants are monetary): each time Stripe
// drafts an invoice, grant-quantity-credits.ts turns the free units into a grant for that invoice.
import type Decimal from "decimal.js";
import Stripe from "stripe";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { toMinorUnits } from "@/lib/money/currency";
import { getStripe } from "@/lib/stripe/client";
import { CREDIT_ID_KEY, findStripeCreditGrant } from "./find-stripe-credit-grant";
import type { TCreditGrantInput } from "./schemas";

const fieldError = (pointer: string, detail: string) => new AppError("invalid_params", detail, { errors: [{ pointer, detail }] });

export const creditIdempotencyKey = (creditId: string) => `tally-credit-${creditId}`;

export async function createCredit(input: TCreditGrantInput, context: TAuditContext, options: { now?: Date; db?: TDb } = {}) {
  const db = options.db ?? defaultDb;
  const now = options.now ?? new Date();
  const customer = await db.customer.findFirst({
    where: { id: input.customerId, archivedAt: null },
    include: { subscriptions: { where: { endedAt: null }, take: 1, include: { planVersion: { include: { charges: true } } } } },
  });
  if (!customer) throw fieldError("/customerId", "No such customer.");
  if (input.expiresAt && input.expiresAt <= now) throw fieldError("/expiresAt", "The expiry must be in the future.");
  const plan = customer.subscriptions[0]?.planVersion;

  if (input.kind === "QUANTITY") {
    const meter = await db.meter.findFirst({ where: { id: input.meterId, archivedAt: null } });
    if (!meter) throw fieldError("/meterId", "No such meter.");
    if (!plan?.charges.some((charge) => charge.meterId === meter.id)) throw fieldError("/meterId", `The customer's plan does not charge ${meter.displayName}: free units of it would change nothing.`);
    return db.$transaction(async (tx) => {
      const credit = await tx.credit.create({
        data: { customerId: customer.id, kind: "QUANTITY", meterId: meter.id, quantity: input.quantity.toFixed(), reason: input.reason, effectiveAt: now, expiresAt: input.expiresAt, grantedById: grantedBy(context) },
      });
      await recordAudit(tx, { actor: context.actor, action: "credit.granted", entityType: "credit", entityId: credit.id, customerId: customer.id, after: credit, requestId: context.requestId });
      return credit;
    });
  }

  if (!plan || !customer.stripeCustomerId) throw fieldError("/customerId", "The customer has no plan yet: an amount credit is in the plan's currency and applies to its invoices.");
  if (plan.currency.toLowerCase() !== input.currency) throw fieldError("/currency", `The customer is billed in ${plan.currency.toUpperCase()}, not ${input.currency.toUpperCase()}.`);
  const amountMinor = toAmountMinor(input.amount, input.currency);
  const credit = await db.credit.create({
    data: { customerId: customer.id, kind: "AMOUNT", amountMinor, currency: input.currency, reason: input.reason, effectiveAt: now, expiresAt: input.expiresAt, grantedById: grantedBy(context) },
  });
  const stripeCustomerId = customer.stripeCustomerId;
  let grant: Stripe.Billing.CreditGrant;
  try {
    grant = await getStripe().billing.creditGrants.create(
      {
        customer: stripeCustomerId,
        amount: { type: "monetary", monetary: { currency: input.currency, value: Number(amountMinor) } },
        applicability_config: { scope: { price_type: "metered" } },
        category: "promotional",
        name: input.reason.slice(0, 100),
        effective_at: Math.floor(now.getTime() / 1000),
        ...(input.expiresAt ? { expires_at: Math.floor(input.expiresAt.getTime() / 1000) } : {}),
        metadata: { [CREDIT_ID_KEY]: credit.id },
      },
      { idempotencyKey: creditIdempotencyKey(credit.id) },
    );
  } catch (error) {
    const adopted = await findStripeCreditGrant(stripeCustomerId, credit.id).catch(() => undefined);
    if (!adopted) {
      if (adopted === null) await db.credit.delete({ where: { id: credit.id } });
      const reason = error instanceof Stripe.errors.StripeError ? error.message : "no answer";
      throw new AppError(
        "service_unavailable",
        adopted === null
          ? `Stripe did not accept the credit (${reason}). Nothing was granted: try again.`
          : `Stripe did not answer (${reason}). The credit is listed as not in Stripe: void it, then grant it again.`,
        { cause: error },
      );
    }
    grant = adopted;
  }
  return db.$transaction(async (tx) => {
    const granted = await tx.credit.update({ where: { id: credit.id }, data: { stripeCreditGrantId: grant.id } });
    await recordAudit(tx, { actor: context.actor, action: "credit.granted", entityType: "credit", entityId: credit.id, customerId: customer.id, after: granted, requestId: context.requestId });
    return granted;
  });
}

function toAmountMinor(amount: Decimal, currency: string): bigint {
  try {
    const minor = toMinorUnits(amount, currency);
    if (minor > 99_999_999_999n) throw fieldError("/amount", "Too large for Stripe.");
    return minor;
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw fieldError("/amount", error instanceof Error ? error.message : "Not an amount of this currency.");
  }
}

const grantedBy = (context: TAuditContext) => (context.actor.kind === "USER" ? context.actor.userId : null);
