// The Stripe billing credit grant Tally made for a credit (and, for a QUANTITY credit, one invoice),
// found by its metadata among the customer's grants. How a grant call whose answer was lost (a
// dropped connection, a crash) converges: the grant is found and adopted, never made twice, even
// after Stripe has forgotten the call's Idempotency-Key (24 hours).
import type Stripe from "stripe";
import { getStripe } from "@/lib/stripe/client";

/** Metadata keys Tally puts on its grants. */
export const CREDIT_ID_KEY = "tally_credit_id";
export const INVOICE_ID_KEY = "tally_invoice_id";

export async function findStripeCreditGrant(stripeCustomerId: string, creditId: string, stripeInvoiceId: string | null = null): Promise<Stripe.Billing.CreditGrant | null> {
  for await (const grant of getStripe().billing.creditGrants.list({ customer: stripeCustomerId, limit: 100 })) {
    if (grant.metadata[CREDIT_ID_KEY] === creditId && (grant.metadata[INVOICE_ID_KEY] ?? null) === stripeInvoiceId) return grant;
  }
  return null;
}
