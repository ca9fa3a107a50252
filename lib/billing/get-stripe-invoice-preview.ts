// Stripe's own preview of a subscription's coming invoice (POST /v1/invoices/create_preview): what
// Stripe will bill from the usage it has received so far. The dashboard shows it beside the engine's
// preview, so a customer (and we) can see the two agree to the cent once usage has been reported.
import Stripe from "stripe";
import { getStripe } from "@/lib/stripe/client";

export type TStripeInvoicePreview =
  | {
      available: true;
      currency: string;
      subtotalMinor: bigint;
      totalMinor: bigint;
      lines: { description: string; amountMinor: bigint; quantity: number | null; proration: boolean }[];
    }
  | { available: false; reason: string };

export async function getStripeInvoicePreview(stripeSubscriptionId: string): Promise<TStripeInvoicePreview> {
  try {
    const invoice = await getStripe().invoices.createPreview({ subscription: stripeSubscriptionId });
    return {
      available: true,
      currency: invoice.currency,
      subtotalMinor: BigInt(invoice.subtotal),
      totalMinor: BigInt(invoice.total),
      lines: invoice.lines.data.map((line) => ({
        description: line.description ?? "",
        amountMinor: BigInt(line.amount),
        quantity: line.quantity ?? null,
        proration: line.parent?.subscription_item_details?.proration ?? line.parent?.invoice_item_details?.proration ?? false,
      })),
    };
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return { available: false, reason: error.message };
    throw error;
  }
}
