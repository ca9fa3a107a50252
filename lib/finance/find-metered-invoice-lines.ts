// A customer's metered invoice lines (Tally's copy of Stripe's invoices, kept by the invoice
// webhooks), each with the meter its price bills (plan_charges.stripe_price_id): what a dispute
// compares the raw events with. Void invoices are left out (they bill nothing).
import { db as defaultDb, type TDb } from "@/lib/db";

export type TMeteredInvoiceLine = {
  /** Tally's id of the line. */
  id: string;
  stripeInvoiceId: string;
  stripeLineId: string;
  invoiceStatus: string;
  currency: string;
  meter: { id: string; eventName: string };
  /** Exact decimal (Stripe's quantity_decimal when it has one); null when Stripe gave none. */
  quantity: string | null;
  amountMinor: bigint;
  periodStart: Date;
  periodEnd: Date;
  proration: boolean;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Lines whose period overlaps [from, until) (`until` null: no end), of one meter when `meterId` is
 * set, or the one line `lineId` (Tally's id or Stripe's) when set; in period order.
 */
export async function findMeteredInvoiceLines(
  input: { customerId: string; from: Date; until: Date | null; meterId?: string | null; lineId?: string | null },
  db: TDb = defaultDb,
): Promise<TMeteredInvoiceLine[]> {
  const { lineId } = input;
  const lines = await db.invoiceLine.findMany({
    where: {
      invoice: { customerId: input.customerId, status: { not: "VOID" } },
      stripePriceId: { not: null },
      periodEnd: { gt: input.from },
      ...(input.until ? { periodStart: { lt: input.until } } : {}),
      ...(lineId ? { OR: [{ stripeLineId: lineId }, ...(UUID.test(lineId) ? [{ id: lineId }] : [])] } : {}),
    },
    include: { invoice: { select: { stripeInvoiceId: true, status: true, currency: true } } },
    orderBy: [{ periodStart: "asc" }, { id: "asc" }],
  });
  const prices = [...new Set(lines.map((line) => line.stripePriceId as string))];
  const charges = prices.length === 0 ? [] : await db.planCharge.findMany({ where: { stripePriceId: { in: prices } }, select: { stripePriceId: true, meter: { select: { id: true, eventName: true } } } });
  const meterOf = new Map(charges.map((charge) => [charge.stripePriceId, charge.meter]));
  return lines.flatMap((line): TMeteredInvoiceLine[] => {
    const meter = meterOf.get(line.stripePriceId);
    if (!meter || (input.meterId && meter.id !== input.meterId)) return [];
    return [
      {
        id: line.id,
        stripeInvoiceId: line.invoice.stripeInvoiceId,
        stripeLineId: line.stripeLineId,
        invoiceStatus: line.invoice.status,
        currency: line.invoice.currency,
        meter,
        quantity: line.quantity === null ? null : line.quantity.toFixed(),
        amountMinor: line.amountMinor,
        periodStart: line.periodStart,
        periodEnd: line.periodEnd,
        proration: line.proration,
      },
    ];
  });
}

/** The line that billed a meter event Stripe received with timestamp `at` (its period holds it), if any. */
export function invoiceLineAt(lines: readonly TMeteredInvoiceLine[], meterEventName: string, at: Date): TMeteredInvoiceLine | null {
  return lines.find((line) => line.meter.eventName === meterEventName && line.periodStart <= at && at < line.periodEnd) ?? null;
}
