// The reporter's figures on the sync health page, on a database of their own (they count every row).
import { describe, expect, it } from "vitest";
import { getReporterHealth } from "@/lib/stripe/reporter/get-reporter-health";
import { createReportingCustomer, createReportLine, createUsageEvents } from "./report-line-helpers";
import { withOwnDatabase } from "./test-database";

const now = new Date("2026-03-10T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms);
const MINUTE = 60_000;

describe("getReporterHealth", () => {
  it("counts the queue, the lines in flight, what reached Stripe, what is held and why, and the workers", async () => {
    await withOwnDatabase(async (client) => {
      expect(await getReporterHealth({ now }, client)).toEqual({
        now,
        backlog: { events: 0, oldestReceivedAt: null, oldestOccurredAt: null },
        pending: { lines: 0, retrying: 0, oldestCreatedAt: null },
        sent: { lastMinute: 0, lastHour: 0, eventsLastHour: 0 },
        failures: { lines: 0, recent: [] },
        held: { lines: 0, dead: 0, reasons: [], recent: [] },
        flagged: 0,
        workers: { alive: [], stoppedOrStale: 0 },
      });

      const { customer, meter, batch } = await createReportingCustomer(client);
      const line = { customerId: customer.id, meterId: meter.id, batchId: batch.id, eventName: meter.eventName };
      const events = { customerId: customer.id, meterId: meter.id };

      // The queue: three unclaimed events; the oldest received is not the oldest occurred.
      await createUsageEvents(client, { ...events, count: 1, receivedAt: ago(10 * MINUTE), occurredAt: ago(20 * MINUTE) });
      await createUsageEvents(client, { ...events, count: 1, receivedAt: ago(5 * MINUTE), occurredAt: ago(3 * 86_400_000) });
      await createUsageEvents(client, { ...events, count: 1, receivedAt: ago(MINUTE), occurredAt: ago(MINUTE) });

      // In flight: a fresh line, one being retried after an error, one leased again without an error yet.
      await createReportLine(client, { ...line, status: "PENDING", events: 1, createdAt: ago(2 * MINUTE) });
      const failing = await createReportLine(client, { ...line, status: "PENDING", events: 1, attempts: 3, lastError: "Stripe answered 500", createdAt: ago(30 * MINUTE) });
      await createReportLine(client, { ...line, status: "PENDING", events: 1, attempts: 1, createdAt: ago(4 * MINUTE) });

      // Sent: one in the last minute, one in the last hour, one before that (its events are older
      // than any unclaimed one: claimed events are not the queue). One of them was flagged by Stripe.
      await createReportLine(client, { ...line, status: "SENT", events: 4, sentAt: ago(30_000) });
      await createReportLine(client, { ...line, status: "SENT", events: 6, sentAt: ago(40 * MINUTE), flaggedAt: ago(MINUTE) });
      await createReportLine(client, { ...line, status: "SENT", events: 100, sentAt: ago(2 * 3_600_000) });

      // Held and dead, and a released line that counts nowhere.
      const heldOldest = await createReportLine(client, {
        ...line,
        status: "HELD",
        events: 2,
        heldCode: "no_subscription",
        heldReason: "Older reason.",
        createdAt: ago(50 * MINUTE),
      });
      const heldNewest = await createReportLine(client, {
        ...line,
        status: "HELD",
        events: 1,
        heldCode: "no_subscription",
        heldReason: "The customer has no Stripe subscription.",
        createdAt: ago(20 * MINUTE),
      });
      const meterHeld = await createReportLine(client, {
        ...line,
        status: "HELD",
        events: 1,
        heldCode: "meter_not_in_stripe",
        heldReason: "The meter is not in Stripe.",
        createdAt: ago(40 * MINUTE),
      });
      const dead = await createReportLine(client, {
        ...line,
        status: "DEAD",
        events: 3,
        heldCode: "stripe_rejected",
        heldReason: "Stripe refused the meter event.",
        lastError: "400 resource_missing",
        createdAt: ago(10 * MINUTE),
      });
      await createReportLine(client, { ...line, status: "RELEASED", events: 0, heldCode: "no_subscription", createdAt: ago(90 * MINUTE) });

      await client.reporterWorker.createMany({
        data: [
          { id: "alive-stream", hostname: "web-1", pid: 101, mode: "stream", startedAt: ago(60 * MINUTE), lastSeenAt: ago(5_000) },
          { id: "alive-v1", hostname: "web-2", pid: 102, mode: "v1", startedAt: ago(30 * MINUTE), lastSeenAt: ago(90_000) },
          { id: "stale", hostname: "web-3", pid: 103, mode: "v1", startedAt: ago(60 * MINUTE), lastSeenAt: ago(3 * MINUTE) },
          { id: "stopped", hostname: "web-4", pid: 104, mode: "v1", startedAt: ago(60 * MINUTE), lastSeenAt: ago(5_000), stoppedAt: ago(5_000) },
        ],
      });

      const health = await getReporterHealth({ now }, client);
      expect(health.backlog).toEqual({ events: 3, oldestReceivedAt: ago(10 * MINUTE), oldestOccurredAt: ago(3 * 86_400_000) });
      expect(health.pending).toEqual({ lines: 3, retrying: 2, oldestCreatedAt: ago(30 * MINUTE) });
      expect(health.sent).toEqual({ lastMinute: 1, lastHour: 2, eventsLastHour: 10 });
      expect(health.failures).toEqual({
        lines: 1,
        recent: [
          {
            id: failing.id.toString(),
            customer: { id: customer.id, name: customer.name, externalId: customer.externalId },
            eventName: meter.eventName,
            attempts: 3,
            lastError: "Stripe answered 500",
            nextAttemptAt: failing.nextAttemptAt,
            createdAt: ago(30 * MINUTE),
          },
        ],
      });
      expect(health.held.lines).toBe(3);
      expect(health.held.dead).toBe(1);
      expect(health.held.reasons).toEqual([
        { status: "DEAD", code: "stripe_rejected", reason: "Stripe refused the meter event.", lines: 1, oldestCreatedAt: ago(10 * MINUTE) },
        { status: "HELD", code: "no_subscription", reason: "The customer has no Stripe subscription.", lines: 2, oldestCreatedAt: ago(50 * MINUTE) },
        { status: "HELD", code: "meter_not_in_stripe", reason: "The meter is not in Stripe.", lines: 1, oldestCreatedAt: ago(40 * MINUTE) },
      ]);
      expect(health.held.recent.map((held) => held.id)).toEqual([dead.id, heldNewest.id, meterHeld.id, heldOldest.id].map(String));
      expect(health.held.recent[0]).toEqual({
        id: dead.id.toString(),
        status: "DEAD",
        customer: { id: customer.id, name: customer.name, externalId: customer.externalId },
        eventName: meter.eventName,
        windowStart: new Date("2026-03-01T10:00:00Z"),
        windowEnd: new Date("2026-03-01T11:00:00Z"),
        quantity: "4.5",
        stripeValue: "5",
        eventCount: 3,
        heldCode: "stripe_rejected",
        heldReason: "Stripe refused the meter event.",
        lastError: "400 resource_missing",
        createdAt: ago(10 * MINUTE),
      });
      expect(health.flagged).toBe(1);
      expect(health.workers.alive.map((worker) => [worker.id, worker.mode, worker.hostname, worker.pid])).toEqual([
        ["alive-stream", "stream", "web-1", 101],
        ["alive-v1", "v1", "web-2", 102],
      ]);
      expect(health.workers.stoppedOrStale).toBe(2);
    });
  });
});
