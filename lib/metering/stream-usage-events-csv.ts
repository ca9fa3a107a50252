// A customer's raw usage events in a period as a CSV download: the customer and meter are checked
// and the download is audit-logged before the first byte, then the events stream page by page
// (findUsageEvents), each page read only when the client has taken the bytes before it, so a
// year of events costs the memory of one page. Events recorded while a download runs may or may
// not be in it; every event of the period that existed when it started is in it exactly once.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { createCsvStream } from "@/lib/csv/create-csv-stream";
import type { TCsvColumn } from "@/lib/csv/csv-columns";
import { toCsvFilename } from "@/lib/csv/csv-filename";
import { getCustomer } from "@/lib/customers/get-customer";
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TPeriod } from "@/lib/time/period";
import { getUtcMonth } from "@/lib/time/utc-month";
import { findUsageEvents, USAGE_EVENTS_PAGE_SIZE, type TUsageEventRecord } from "./find-usage-events-page";

/** The download's columns, in order (documented in the README). */
export const USAGE_EVENTS_CSV_COLUMNS: readonly TCsvColumn<TUsageEventRecord>[] = [
  { header: "id", kind: "text", value: (event) => event.id },
  { header: "occurred_at", kind: "datetime", value: (event) => event.occurredAt },
  { header: "received_at", kind: "datetime", value: (event) => event.receivedAt },
  { header: "meter", kind: "text", value: (event) => event.meter },
  { header: "quantity", kind: "number", value: (event) => event.quantity },
  { header: "idempotency_key", kind: "text", value: (event) => event.idempotencyKey },
  { header: "properties", kind: "text", value: (event) => event.properties },
  { header: "status", kind: "text", value: (event) => event.status },
  { header: "reported_at", kind: "datetime", value: (event) => event.reportedAt },
  { header: "stripe_identifier", kind: "text", value: (event) => event.reportIdentifier },
];

export type TUsageEventsCsv = { filename: string; period: TPeriod; stream: ReadableStream<Uint8Array> };

/**
 * `period: "current"` is the live subscription's current period, else the UTC month of `now`.
 * Throws not_found for an unknown (or archived) customer or an unknown meter.
 */
export async function streamUsageEventsCsv(
  input: { customerId: string; period: TPeriod | "current"; meter: string | null },
  options: { audit: TAuditContext; now?: Date; pageSize?: number; db?: TDb },
): Promise<TUsageEventsCsv> {
  const client = options.db ?? defaultDb;
  const customer = await getCustomer(input.customerId, client);
  const period: TPeriod =
    input.period !== "current"
      ? input.period
      : customer.subscription
        ? { periodStart: customer.subscription.currentPeriodStart, periodEnd: customer.subscription.currentPeriodEnd }
        : getUtcMonth(options.now ?? new Date());
  const meter = input.meter === null ? null : await client.meter.findUnique({ where: { eventName: input.meter }, select: { id: true } });
  if (input.meter !== null && !meter) throw new AppError("not_found", `No meter "${input.meter}".`);

  await recordAudit(client, {
    actor: options.audit.actor,
    action: "usage_events_csv.downloaded",
    entityType: "customer",
    entityId: customer.id,
    customerId: customer.id,
    after: { periodStart: period.periodStart, periodEnd: period.periodEnd, meter: input.meter },
    requestId: options.audit.requestId ?? null,
  });

  const events = findUsageEvents({ customerId: customer.id, period, meterId: meter?.id ?? null, limit: options.pageSize ?? USAGE_EVENTS_PAGE_SIZE }, client);
  return {
    filename: toCsvFilename(customer.externalId, "events", period),
    period,
    stream: createCsvStream(USAGE_EVENTS_CSV_COLUMNS, events),
  };
}
