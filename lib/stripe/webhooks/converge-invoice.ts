// The one shape of every invoice.* handler: take the id from the payload, re-read the invoice from
// Stripe (outside the transaction), and converge Tally's copy inside it.
import { applyInvoiceSnapshot, fetchInvoiceSnapshot } from "@/lib/stripe/sync-invoice";
import type { TWebhookHandler } from "./types";

export function convergeInvoice(stripeInvoiceId: string): TWebhookHandler {
  return async () => {
    const snapshot = await fetchInvoiceSnapshot(stripeInvoiceId);
    return {
      apply: async (tx) => {
        await applyInvoiceSnapshot(snapshot, tx);
      },
    };
  };
}
