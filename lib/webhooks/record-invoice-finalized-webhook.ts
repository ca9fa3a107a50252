// `invoice.finalized` webhooks. lib/stripe/sync-invoice.ts records one in the transaction that first
// writes Tally's copy of a Stripe invoice as finalized (out of draft), whichever path sees it first:
// the invoice.finalized or invoice.paid webhook, or a sync. Its id derives from Stripe's invoice id,
// so paths racing each other queue it once per endpoint, and a later sync or a replayed webhook
// finds the copy finalized already and records nothing.
import type { InvoiceStatus, TDb } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import { recordWebhookEvent } from "./record-webhook-event";

/** The invoice as Tally's copy holds it (lib/stripe/sync-invoice.ts), lines in Stripe's order. */
export type TFinalizedInvoice = {
  stripeInvoiceId: string;
  number: string | null;
  status: InvoiceStatus;
  currency: string;
  subtotalMinor: bigint;
  totalMinor: bigint;
  amountDueMinor: bigint;
  periodStart: Date;
  periodEnd: Date;
  hostedUrl: string | null;
  finalizedAt: Date | null;
  lines: { description: string; stripePriceId: string | null; quantity: string | number | null; amountMinor: bigint }[];
};

export type TInvoiceCustomer = { id: string; externalId: string; name: string };

/** evt_invfin_<Stripe invoice id>: the same whichever path records it. */
export function invoiceFinalizedEventId(stripeInvoiceId: string): string {
  return `evt_invfin_${stripeInvoiceId}`;
}

/** Returns how many deliveries were queued (0: no endpoint wants it, or recorded already). */
export async function recordInvoiceFinalizedWebhook(
  db: TDb,
  input: { invoice: TFinalizedInvoice; customer: TInvoiceCustomer; createdAt: Date },
): Promise<number> {
  const priceIds = [...new Set(input.invoice.lines.flatMap((line) => (line.stripePriceId ? [line.stripePriceId] : [])))];
  const charges = priceIds.length > 0
    ? await db.planCharge.findMany({ where: { stripePriceId: { in: priceIds } }, select: { stripePriceId: true, meter: { select: { eventName: true } } } })
    : [];
  const meterByPrice = new Map(charges.map((charge) => [charge.stripePriceId ?? "", charge.meter.eventName]));
  return recordWebhookEvent(db, {
    type: "invoice.finalized",
    eventId: invoiceFinalizedEventId(input.invoice.stripeInvoiceId),
    customerId: input.customer.id,
    createdAt: input.createdAt,
    data: toInvoiceFinalizedData(input.invoice, input.customer, meterByPrice),
  });
}

/**
 * The event's `data`, in the conventions of Tally's other events: instants as ISO strings, amounts
 * (minor units) and quantities as exact decimal strings, Stripe's lower-case status; a line's
 * `meter` is the event name of the meter its price bills (null for the base fee and other lines).
 */
export function toInvoiceFinalizedData(invoice: TFinalizedInvoice, customer: TInvoiceCustomer, meterByPrice: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    invoice: {
      id: invoice.stripeInvoiceId,
      number: invoice.number,
      status: invoice.status.toLowerCase(),
      currency: invoice.currency,
      subtotal_minor: invoice.subtotalMinor.toString(),
      total_minor: invoice.totalMinor.toString(),
      amount_due_minor: invoice.amountDueMinor.toString(),
      period: { start: invoice.periodStart.toISOString(), end: invoice.periodEnd.toISOString() },
      hosted_invoice_url: invoice.hostedUrl,
      finalized_at: invoice.finalizedAt?.toISOString() ?? null,
      lines: invoice.lines.map((line) => ({
        description: line.description,
        meter: (line.stripePriceId && meterByPrice.get(line.stripePriceId)) || null,
        quantity: line.quantity === null ? null : new ExactDecimal(line.quantity).toFixed(),
        amount_minor: line.amountMinor.toString(),
      })),
    },
    customer: { id: customer.id, external_id: customer.externalId, name: customer.name },
  };
}
