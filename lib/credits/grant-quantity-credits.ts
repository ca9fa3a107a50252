// QUANTITY credits reach Stripe invoice by invoice (Stripe's billing credits are monetary only).
// When Stripe drafts an invoice (`invoice.created`), for each metered line of a meter the customer
// has free units of, Tally works out what those units are worth on this line with the pricing
// engine — amount(q) − amount(q − free units), q being Stripe's line quantity, so tiers and the
// included quantity count exactly as on the invoice — and grants that value to the invoice's
// customer as a billing credit grant scoped to the line's price, with priority 0 so Stripe applies
// it before the AMOUNT credits (priority 50) when it finalizes the invoice (an hour later).
// The units used and their value are recorded (CreditApplication), so the next invoice only gets
// what is left.
//
// Safe to run twice: units already given on this invoice are skipped, and the grant is found by its
// metadata (tally_credit_id + tally_invoice_id) or created with Idempotency-Key
// `tally-credit-<credit id>-<invoice id>`. The invoice's line quantity can still grow with late
// usage in the grace period; the free units keep the value they had on the draft.
import type Decimal from "decimal.js";
import type Stripe from "stripe";
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { rateUsage } from "@/lib/billing/rate-usage";
import type { TCharge } from "@/lib/billing/types";
import { getPlanVersion } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { db as defaultDb, type TDb } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import { getStripe } from "@/lib/stripe/client";
import { CREDIT_ID_KEY, findStripeCreditGrant, INVOICE_ID_KEY } from "./find-stripe-credit-grant";

export type TQuantityCreditGrant = { creditId: string; quantity: string; amountMinor: bigint; stripeCreditGrantId: string | null };

export async function grantQuantityCredits(stripeInvoiceId: string, db: TDb = defaultDb): Promise<TQuantityCreditGrant[]> {
  const stripe = getStripe();
  const invoice = await stripe.invoices.retrieve(stripeInvoiceId);
  const stripeCustomerId = typeof invoice.customer === "string" ? invoice.customer : invoice.customer?.id;
  if (invoice.status !== "draft" || !stripeCustomerId) return [];
  const customer = await db.customer.findUnique({ where: { stripeCustomerId } });
  if (!customer) return [];
  const at = new Date(invoice.created * 1000);
  const credits = (await findRateCredits(db, customer.id, invoice.currency, at)).flatMap((credit) => (credit.kind === "QUANTITY" && credit.creditId ? [{ ...credit, creditId: credit.creditId }] : []));
  const given = await db.creditApplication.findMany({ where: { stripeInvoiceId, credit: { kind: "QUANTITY" } }, include: { credit: { select: { meterId: true } } } });
  if (credits.length === 0) return [];

  const lines = invoice.lines.has_more ? await stripe.invoices.listLineItems(stripeInvoiceId, { limit: 100 }).autoPagingToArray({ limit: 10_000 }) : invoice.lines.data;
  const granted: TQuantityCreditGrant[] = [];
  for (const line of lines) {
    const priceRef = line.pricing?.price_details?.price;
    const priceId = typeof priceRef === "string" ? priceRef : priceRef?.id;
    if (!priceId || line.parent?.subscription_item_details?.proration) continue;
    const planCharge = await db.planCharge.findUnique({ where: { stripePriceId: priceId } });
    if (!planCharge) continue;
    const meterCredits = credits.filter((credit) => credit.meterId === planCharge.meterId && !given.some((entry) => entry.creditId === credit.creditId));
    if (meterCredits.length === 0) continue;
    const charge = toPlanPricing(await getPlanVersion(planCharge.planVersionId, db)).charges.find((candidate) => candidate.meterId === planCharge.meterId);
    if (!charge) continue;
    const quantity = new ExactDecimal(String(line.quantity_decimal ?? line.quantity ?? 0));
    // Units already made free on this invoice (a second run) come off first.
    let left = quantity.minus(given.filter((entry) => entry.credit.meterId === planCharge.meterId).reduce((sum, entry) => sum.plus(entry.quantity?.toString() ?? 0), new ExactDecimal(0)));
    for (const credit of meterCredits) {
      const free = ExactDecimal.min(credit.quantity, ExactDecimal.max(0, left));
      if (free.isZero()) break;
      const amountMinor = amountOf(charge, invoice.currency, left) - amountOf(charge, invoice.currency, left.minus(free));
      left = left.minus(free);
      const grant = amountMinor > 0n ? await grantFor(invoice, stripeCustomerId, credit.creditId, priceId, amountMinor, credit.reason) : null;
      await db.creditApplication.createMany({
        data: [{ creditId: credit.creditId, stripeInvoiceId, quantity: free.toFixed(), amountMinor, stripeCreditGrantId: grant?.id ?? null }],
        skipDuplicates: true,
      });
      granted.push({ creditId: credit.creditId, quantity: free.toFixed(), amountMinor, stripeCreditGrantId: grant?.id ?? null });
    }
  }
  return granted;
}

/** What the engine charges for this one charge at `quantity` (the line's amount, as Stripe bills it). */
function amountOf(charge: TCharge, currency: string, quantity: Decimal): bigint {
  return rateUsage({ currency, baseFeeMinor: 0n, charges: [charge] }, new Map([[charge.meterId, quantity]])).totalMinor;
}

async function grantFor(invoice: Stripe.Invoice, stripeCustomerId: string, creditId: string, priceId: string, amountMinor: bigint, reason: string): Promise<Stripe.Billing.CreditGrant> {
  const existing = await findStripeCreditGrant(stripeCustomerId, creditId, invoice.id);
  if (existing) return existing;
  return getStripe().billing.creditGrants.create(
    {
      customer: stripeCustomerId,
      amount: { type: "monetary", monetary: { currency: invoice.currency, value: Number(amountMinor) } },
      applicability_config: { scope: { prices: [{ id: priceId }] } },
      category: "promotional",
      priority: 0,
      name: `Free units: ${reason}`.slice(0, 100),
      effective_at: invoice.created,
      metadata: { [CREDIT_ID_KEY]: creditId, [INVOICE_ID_KEY]: invoice.id },
    },
    { idempotencyKey: `tally-credit-${creditId}-${invoice.id}` },
  );
}
