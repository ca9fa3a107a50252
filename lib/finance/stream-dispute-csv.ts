// Finance's dispute CSV: every raw event of a customer in a period (one meter, or the events behind
// one invoice line), with how each reached Stripe — its report line, that line's window, the
// identifier and timestamp Stripe received it under — and the Stripe invoice line that billed it.
// The same page query and writer as the customer's own events download (findUsageEvents,
// createCsvStream): streamed a page at a time at the client's pace, in flat memory; audit-logged
// before the first byte.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { createCsvStream } from "@/lib/csv/create-csv-stream";
import type { TCsvColumn } from "@/lib/csv/csv-columns";
import { toCsvFilename } from "@/lib/csv/csv-filename";
import { db as defaultDb, type TDb } from "@/lib/db";
import { findUsageEvents, USAGE_EVENTS_PAGE_SIZE, type TUsageEventRecord } from "@/lib/metering/find-usage-events-page";
import type { TPeriod } from "@/lib/time/period";
import type { TDisputeQuery } from "./dispute-schemas";
import { findMeteredInvoiceLines, invoiceLineAt, type TMeteredInvoiceLine } from "./find-metered-invoice-lines";
import { getDisputeScope } from "./get-dispute-scope";

export type TDisputeCsvRow = { event: TUsageEventRecord; invoiceLine: TMeteredInvoiceLine | null };

/** The file's columns, in order (documented in the README). */
export const DISPUTE_CSV_COLUMNS: readonly TCsvColumn<TDisputeCsvRow>[] = [
  { header: "id", kind: "text", value: ({ event }) => event.id },
  { header: "occurred_at", kind: "datetime", value: ({ event }) => event.occurredAt },
  { header: "received_at", kind: "datetime", value: ({ event }) => event.receivedAt },
  { header: "idempotency_key", kind: "text", value: ({ event }) => event.idempotencyKey },
  { header: "meter", kind: "text", value: ({ event }) => event.meter },
  { header: "quantity", kind: "number", value: ({ event }) => event.quantity },
  { header: "properties", kind: "text", value: ({ event }) => event.properties },
  { header: "report_line_id", kind: "text", value: ({ event }) => event.reportLineId },
  { header: "report_window_start", kind: "datetime", value: ({ event }) => event.reportWindowStart },
  { header: "report_window_end", kind: "datetime", value: ({ event }) => event.reportWindowEnd },
  { header: "stripe_identifier", kind: "text", value: ({ event }) => event.reportIdentifier },
  { header: "stripe_timestamp", kind: "datetime", value: ({ event }) => event.reportEventAt },
  { header: "reported_at", kind: "datetime", value: ({ event }) => event.reportedAt },
  { header: "status", kind: "text", value: ({ event }) => event.status },
  { header: "stripe_invoice_id", kind: "text", value: ({ invoiceLine }) => invoiceLine?.stripeInvoiceId ?? null },
  { header: "stripe_invoice_line_id", kind: "text", value: ({ invoiceLine }) => invoiceLine?.stripeLineId ?? null },
];

export type TDisputeCsv = { filename: string; period: TPeriod; stream: ReadableStream<Uint8Array> };

/** Throws not_found for an unknown customer, meter or invoice line (see getDisputeScope). */
export async function streamDisputeCsv(
  input: TDisputeQuery & { customerId: string },
  options: { audit: TAuditContext; pageSize?: number; db?: TDb },
): Promise<TDisputeCsv> {
  const db = options.db ?? defaultDb;
  const scope = await getDisputeScope(input, db);
  const { customer, period, meter } = scope;

  await recordAudit(db, {
    actor: options.audit.actor,
    action: "dispute_csv.downloaded",
    entityType: "customer",
    entityId: customer.id,
    customerId: customer.id,
    after: { periodStart: period.periodStart, periodEnd: period.periodEnd, meter: meter?.eventName ?? null, stripeInvoiceLineId: scope.invoiceLine?.stripeLineId ?? null },
    requestId: options.audit.requestId ?? null,
  });

  // Every later line too: usage billed late (in a later period) is attributed to the line that billed it.
  const invoiceLines = await findMeteredInvoiceLines({ customerId: customer.id, from: period.periodStart, until: null, meterId: meter?.id ?? null }, db);
  const events = findUsageEvents({ customerId: customer.id, period, meterId: meter?.id ?? null, limit: options.pageSize ?? USAGE_EVENTS_PAGE_SIZE }, db);
  return {
    filename: toCsvFilename(customer.externalId, "dispute", period),
    period,
    stream: createCsvStream(DISPUTE_CSV_COLUMNS, withInvoiceLines(events, invoiceLines)),
  };
}

async function* withInvoiceLines(events: AsyncIterable<TUsageEventRecord>, lines: readonly TMeteredInvoiceLine[]): AsyncGenerator<TDisputeCsvRow> {
  for await (const event of events) {
    const billed = event.status === "reported" && event.reportEventAt ? invoiceLineAt(lines, event.meter, event.reportEventAt) : null;
    yield { event, invoiceLine: billed };
  }
}
