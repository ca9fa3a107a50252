// Retrying held and dead-lettered report lines: their events go back to the reporter's queue, the
// lines become RELEASED with an audit entry each, and nothing else moves — not lines in another
// status, not lines of another code, not a line released a second time (or from two tabs at once).
import { describe, expect, it } from "vitest";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db, type PrismaClient } from "@/lib/db";
import { releaseReportLines, type TReleasedReportLines } from "@/lib/stripe/reporter/release-report-lines";
import { createUser } from "./factories";
import { createReportingCustomer, createReportLine } from "./report-line-helpers";
import { withOwnDatabase } from "./test-database";

async function adminContext(): Promise<TAuditContext> {
  const admin = await createUser({ staffRole: "ADMIN" });
  return { actor: { kind: "USER", userId: admin.id }, requestId: "req_release_test" };
}

async function eventsOf(client: PrismaClient, lineId: bigint) {
  return client.usageEvent.count({ where: { reportLineId: lineId } });
}

/** Waits until this many sessions of the test's database wait for a lock. */
async function waitForBlockedSessions(client: PrismaClient, count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const [row] = await client.$queryRaw<{ blocked: bigint }[]>`
      SELECT count(*) AS blocked FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
    if (Number(row?.blocked ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`fewer than ${count} sessions blocked`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function auditsOf(client: PrismaClient, lineId: bigint) {
  return client.auditLog.findMany({ where: { entityType: "report_line", entityId: lineId.toString() }, orderBy: { id: "asc" } });
}

describe("releaseReportLines", () => {
  it("puts the events of held and dead lines back in the queue, marks the lines RELEASED and audits each", async () => {
    const context = await adminContext();
    const { customer, meter, batch } = await createReportingCustomer(db);
    const line = { customerId: customer.id, meterId: meter.id, batchId: batch.id, eventName: meter.eventName };
    const held = await createReportLine(db, { ...line, status: "HELD", events: 3, heldCode: "no_subscription", heldReason: "The customer has no Stripe subscription." });
    const dead = await createReportLine(db, { ...line, status: "DEAD", events: 2, heldCode: "stripe_rejected", heldReason: "Stripe refused the event.", lastError: "400 invalid" });
    const sent = await createReportLine(db, { ...line, status: "SENT", events: 4, sentAt: new Date() });
    const pending = await createReportLine(db, { ...line, status: "PENDING", events: 1 });

    const before = new Date();
    const result = await releaseReportLines({ lineIds: [held.id, dead.id, sent.id, pending.id].map(String) }, context);
    expect(result).toEqual({ released: 2, events: 5 });

    for (const released of [held, dead]) {
      const after = await db.reportLine.findUniqueOrThrow({ where: { id: released.id } });
      expect(after.status).toBe("RELEASED");
      expect(after.releasedAt?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
      // Code, reason and error stay: the history of why it was held.
      expect(after.heldCode).toBe(released.heldCode);
      expect(await eventsOf(db, released.id)).toBe(0);
    }
    const unclaimed = await db.usageEvent.findMany({ where: { customerId: customer.id, reportLineId: null } });
    expect(unclaimed).toHaveLength(5);
    expect(unclaimed.every((event) => event.reportedAt === null)).toBe(true);

    // The SENT and PENDING lines named with them did not move.
    expect(await db.reportLine.findUniqueOrThrow({ where: { id: sent.id } })).toMatchObject({ status: "SENT", releasedAt: null });
    expect(await db.reportLine.findUniqueOrThrow({ where: { id: pending.id } })).toMatchObject({ status: "PENDING", releasedAt: null });
    expect(await eventsOf(db, sent.id)).toBe(4);
    expect(await eventsOf(db, pending.id)).toBe(1);
    expect(await auditsOf(db, sent.id)).toEqual([]);
    expect(await auditsOf(db, pending.id)).toEqual([]);

    const [heldAudit] = await auditsOf(db, held.id);
    expect(heldAudit).toMatchObject({
      action: "report_line.released",
      actorKind: "USER",
      actorUserId: context.actor.kind === "USER" ? context.actor.userId : null,
      customerId: customer.id,
      requestId: "req_release_test",
      before: { status: "HELD", heldCode: "no_subscription", heldReason: "The customer has no Stripe subscription." },
      after: { status: "RELEASED", events: 3 },
    });
    expect(await auditsOf(db, dead.id)).toMatchObject([
      { before: { status: "DEAD", heldCode: "stripe_rejected", heldReason: "Stripe refused the event." }, after: { status: "RELEASED", events: 2 } },
    ]);
  });

  it("releases a line once when asked twice", async () => {
    const context = await adminContext();
    const { customer, meter, batch } = await createReportingCustomer(db);
    const held = await createReportLine(db, { customerId: customer.id, meterId: meter.id, batchId: batch.id, eventName: meter.eventName, status: "HELD", events: 2 });
    expect(await releaseReportLines({ lineIds: [String(held.id)] }, context)).toEqual({ released: 1, events: 2 });
    expect(await releaseReportLines({ lineIds: [String(held.id)] }, context)).toEqual({ released: 0, events: 0 });
    expect(await auditsOf(db, held.id)).toHaveLength(1);
    expect(await db.reportLine.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: "RELEASED" });
  });

  it("releases a line once when two tabs release it at the same time", async () => {
    // A database of its own: the test waits until exactly its two releases are blocked.
    await withOwnDatabase(async (client) => {
      const context = { actor: { kind: "SYSTEM" as const } };
      const { customer, meter, batch } = await createReportingCustomer(client);
      const line = { customerId: customer.id, meterId: meter.id, batchId: batch.id, eventName: meter.eventName, status: "HELD" as const };
      const a = await createReportLine(client, { ...line, events: 3 });
      const b = await createReportLine(client, { ...line, events: 4 });
      const ids = [String(a.id), String(b.id)];

      // Hold the lines' events so both releases are in flight together before either can finish.
      let releases: Promise<TReleasedReportLines[]> | undefined;
      await client.$transaction(
        async (blocker) => {
          await blocker.$queryRaw`SELECT id FROM usage_events WHERE report_line_id = ANY(${[a.id, b.id]}::bigint[]) FOR UPDATE`;
          releases = Promise.all([releaseReportLines({ lineIds: ids }, context, client), releaseReportLines({ lineIds: [...ids].reverse() }, context, client)]);
          await waitForBlockedSessions(client, 2);
        },
        { timeout: 30_000 },
      );
      const results = (await releases) ?? [];

      expect(results.map((result) => result.released).sort()).toEqual([0, 2]);
      expect(results.map((result) => result.events).sort()).toEqual([0, 7]);
      expect(await auditsOf(client, a.id)).toHaveLength(1);
      expect(await auditsOf(client, b.id)).toHaveLength(1);
      expect(await client.usageEvent.count({ where: { reportLineId: null } })).toBe(7);
    });
  });

  it("by code releases the held and dead lines with that code only", async () => {
    // A database of its own: a code is shared by every customer, and other test files hold lines too.
    await withOwnDatabase(async (client) => {
      const context = { actor: { kind: "SYSTEM" as const } };
      const first = await createReportingCustomer(client);
      const second = await createReportingCustomer(client);
      const lineOf = ({ customer, meter, batch }: Awaited<ReturnType<typeof createReportingCustomer>>) => ({
        customerId: customer.id,
        meterId: meter.id,
        batchId: batch.id,
        eventName: meter.eventName,
      });
      const noSubscription = { heldCode: "no_subscription", heldReason: "No Stripe subscription." };
      const firstHeld = await createReportLine(client, { ...lineOf(first), status: "HELD", events: 2, ...noSubscription });
      const secondHeld = await createReportLine(client, { ...lineOf(second), status: "HELD", events: 5, ...noSubscription });
      // The same customer's lines of other codes, and a line of this code already released.
      const otherCode = await createReportLine(client, { ...lineOf(first), status: "HELD", events: 1, heldCode: "meter_not_in_stripe" });
      const dead = await createReportLine(client, { ...lineOf(first), status: "DEAD", events: 1, heldCode: "stripe_rejected" });
      const releasedBefore = await createReportLine(client, { ...lineOf(first), status: "RELEASED", ...noSubscription });

      expect(await releaseReportLines({ heldCode: "no_subscription" }, context, client)).toEqual({ released: 2, events: 7 });

      const statuses = await client.reportLine.findMany({ select: { id: true, status: true }, orderBy: { id: "asc" } });
      expect(statuses).toEqual([
        { id: firstHeld.id, status: "RELEASED" },
        { id: secondHeld.id, status: "RELEASED" },
        { id: otherCode.id, status: "HELD" },
        { id: dead.id, status: "DEAD" },
        { id: releasedBefore.id, status: "RELEASED" },
      ]);
      expect(await eventsOf(client, otherCode.id)).toBe(1);
      expect(await eventsOf(client, dead.id)).toBe(1);
      expect(await client.usageEvent.count({ where: { reportLineId: null } })).toBe(7);
      const audits = await client.auditLog.findMany({ orderBy: { entityId: "asc" } });
      expect(audits.map((audit) => [audit.entityId, audit.customerId, audit.actorKind])).toEqual([
        [firstHeld.id.toString(), first.customer.id, "SYSTEM"],
        [secondHeld.id.toString(), second.customer.id, "SYSTEM"],
      ]);

      // Dead lines of a code go the same way.
      expect(await releaseReportLines({ heldCode: "stripe_rejected" }, context, client)).toEqual({ released: 1, events: 1 });
      expect(await client.reportLine.findUniqueOrThrow({ where: { id: otherCode.id } })).toMatchObject({ status: "HELD" });
    });
  });

  it("joins the caller's transaction: a failure after it rolls the release back", async () => {
    const context = await adminContext();
    const { customer, meter, batch } = await createReportingCustomer(db);
    const held = await createReportLine(db, { customerId: customer.id, meterId: meter.id, batchId: batch.id, eventName: meter.eventName, status: "HELD", events: 2 });
    await expect(
      db.$transaction(async (tx) => {
        await releaseReportLines({ lineIds: [String(held.id)] }, context, tx);
        throw new Error("caller fails");
      }),
    ).rejects.toThrow("caller fails");
    expect(await db.reportLine.findUniqueOrThrow({ where: { id: held.id } })).toMatchObject({ status: "HELD" });
    expect(await eventsOf(db, held.id)).toBe(2);
    expect(await auditsOf(db, held.id)).toEqual([]);
  });
});
