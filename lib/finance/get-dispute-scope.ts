// What a dispute download covers: the customer, the period, the meter (or every meter) and the
// invoice line asked about, resolved from the query. An invoice line given alone brings its own
// period and the meter its price bills. Throws not_found for an unknown customer, meter or invoice
// line — another customer's invoice line is not found either.
import { getCustomer } from "@/lib/customers/get-customer";
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TPeriod } from "@/lib/time/period";
import type { TDisputeQuery } from "./dispute-schemas";
import { findMeteredInvoiceLines, type TMeteredInvoiceLine } from "./find-metered-invoice-lines";

export type TDisputeScope = {
  customer: { id: string; externalId: string };
  period: TPeriod;
  /** null: every meter. */
  meter: { id: string; eventName: string } | null;
  invoiceLine: TMeteredInvoiceLine | null;
};

export async function getDisputeScope(input: TDisputeQuery & { customerId: string }, db: TDb = defaultDb): Promise<TDisputeScope> {
  const customer = await getCustomer(input.customerId, db);
  let invoiceLine: TMeteredInvoiceLine | null = null;
  if (input.invoiceLineId !== null) {
    const [line] = await findMeteredInvoiceLines({ customerId: customer.id, from: new Date(0), until: null, lineId: input.invoiceLineId }, db);
    if (!line) throw new AppError("not_found", `No metered invoice line "${input.invoiceLineId}".`);
    invoiceLine = line;
  }
  let meter = invoiceLine?.meter ?? null;
  if (input.meter !== null) {
    meter = await db.meter.findUnique({ where: { eventName: input.meter }, select: { id: true, eventName: true } });
    if (!meter) throw new AppError("not_found", `No meter "${input.meter}".`);
    if (invoiceLine && invoiceLine.meter.id !== meter.id) {
      throw new AppError("unprocessable", `Invoice line "${input.invoiceLineId}" bills the meter "${invoiceLine.meter.eventName}", not "${input.meter}".`);
    }
  }
  const period = input.period ?? (invoiceLine ? { periodStart: invoiceLine.periodStart, periodEnd: invoiceLine.periodEnd } : null);
  // The query schema requires a period or an invoice line.
  if (!period) throw new AppError("bad_request", "Give periodStart and periodEnd, or invoiceLineId.");
  return { customer: { id: customer.id, externalId: customer.externalId }, period, meter, invoiceLine };
}
