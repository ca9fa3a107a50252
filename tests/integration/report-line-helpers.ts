// Test data for the reporter's admin side: report lines in any status, with usage events claimed by
// them or waiting unclaimed, written as rows (the reporter itself is not under test here). Each helper
// takes the client, so tests on a database of their own (withOwnDatabase) can use them too.
import type { PrismaClient, ReportLineStatus } from "@/lib/db";
import { unique } from "./factories";

type TLineOptions = {
  customerId: string;
  meterId: string;
  batchId: bigint;
  eventName: string;
  status: ReportLineStatus;
  /** Usage events to create, claimed by the line (quantity 1.5 each). */
  events?: number;
  heldCode?: string;
  heldReason?: string;
  lastError?: string;
  attempts?: number;
  sentAt?: Date;
  flaggedAt?: Date;
  createdAt?: Date;
};

export async function createReportingCustomer(client: PrismaClient) {
  const customer = await client.customer.create({ data: { externalId: unique("ext"), name: unique("Customer") } });
  const meter = await client.meter.create({ data: { eventName: unique("api_calls"), displayName: "API calls", aggregation: "SUM", unitLabel: "call" } });
  const batch = await client.reportBatch.create({ data: { workerId: unique("worker"), eventCount: 0, lineCount: 0 } });
  return { customer, meter, batch };
}

export async function createReportLine(client: PrismaClient, options: TLineOptions) {
  const events = options.events ?? 0;
  const line = await client.reportLine.create({
    data: {
      identifier: unique("line"),
      batchId: options.batchId,
      customerId: options.customerId,
      meterId: options.meterId,
      eventName: options.eventName,
      // As claimed (at least one event); a released line keeps its count after its events left.
      eventCount: Math.max(1, events),
      windowStart: new Date("2026-03-01T10:00:00Z"),
      windowEnd: new Date("2026-03-01T11:00:00Z"),
      periodStart: new Date("2026-03-01T00:00:00Z"),
      periodEnd: new Date("2026-04-01T00:00:00Z"),
      quantity: (1.5 * events).toString(),
      stripeValue: BigInt(Math.round(1.5 * events)),
      eventAt: new Date("2026-03-01T10:59:59Z"),
      status: options.status,
      heldCode: options.heldCode ?? null,
      heldReason: options.heldReason ?? null,
      lastError: options.lastError ?? null,
      attempts: options.attempts ?? 0,
      sentAt: options.sentAt ?? null,
      flaggedAt: options.flaggedAt ?? null,
      ...(options.createdAt ? { createdAt: options.createdAt } : {}),
    },
  });
  await createUsageEvents(client, { customerId: options.customerId, meterId: options.meterId, count: events, reportLineId: line.id, reportedAt: options.sentAt ?? null });
  return line;
}

export async function createUsageEvents(
  client: PrismaClient,
  options: { customerId: string; meterId: string; count: number; reportLineId?: bigint | null; reportedAt?: Date | null; occurredAt?: Date; receivedAt?: Date },
) {
  if (options.count === 0) return;
  await client.usageEvent.createMany({
    data: Array.from({ length: options.count }, () => ({
      customerId: options.customerId,
      meterId: options.meterId,
      idempotencyKey: unique("event"),
      quantity: "1.5",
      payloadHash: new Uint8Array(32),
      occurredAt: options.occurredAt ?? new Date("2026-03-01T10:30:00Z"),
      ...(options.receivedAt ? { receivedAt: options.receivedAt } : {}),
      reportLineId: options.reportLineId ?? null,
      reportedAt: options.reportedAt ?? null,
    })),
  });
}
