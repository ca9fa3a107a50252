// A customer's invoices from Stripe (Tally's copy, kept by the invoice webhooks), newest first,
// with their lines. Always scoped to one customer.
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";

export type TCustomerInvoice = Prisma.InvoiceGetPayload<{ include: { lines: true } }>;

export async function findCustomerInvoices(customerId: string, options: { take?: number } = {}, db: TDb = defaultDb): Promise<TCustomerInvoice[]> {
  return db.invoice.findMany({
    where: { customerId },
    include: { lines: { orderBy: [{ periodStart: "asc" }, { amountMinor: "desc" }] } },
    orderBy: [{ createdAt: "desc" }],
    take: options.take ?? 24,
  });
}
