// The `usage.period_summary` and `invoice.finalized` webhooks, against the real database, the Stripe
// emulator and a real HTTP receiver: summaries carry the rollups' quantities and the pricing engine's
// projected invoice (the usage page's figure), are queued once per customer, endpoint and schedule
// slot however many runs, not at all without a subscribed endpoint, and once, final, after an ended
// period's grace; an invoice's finalization is announced once whichever path sees it first. Other
// files share the database: every assertion is scoped to this file's customers, endpoints and
// event ids, and every endpoint is deleted after its test.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterEach, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { getUsageDashboard } from "@/lib/billing/get-usage-dashboard";
import { findUsageSummaries } from "@/lib/connectors/find-usage-summaries";
import {
  computeUsageSummarySlot,
  recordUsageSummaryWebhooks,
  toUsageSummaryData,
  usageSummaryEventId,
} from "@/lib/connectors/record-usage-summary-webhooks";
import { createCredit } from "@/lib/credits/create-credit";
import { ZCreditGrantInput } from "@/lib/credits/schemas";
import { db, type Prisma } from "@/lib/db";
import { env } from "@/lib/env";
import { getStripe } from "@/lib/stripe/client";
import { syncInvoice } from "@/lib/stripe/sync-invoice";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deliverWebhooks } from "@/lib/webhooks/deliver-webhooks";
import { invoiceFinalizedEventId } from "@/lib/webhooks/record-invoice-finalized-webhook";
import { ZWebhookEndpointCreateInput } from "@/lib/webhooks/schemas";
import { verifyWebhookSignature } from "@/lib/webhooks/sign-webhook";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";
import { adminContext, clockAdvance, JAN_1, meter } from "./catalog-helpers";
import { createCustomer, createUser } from "./factories";
import { at, cycleInvoice, DAY, drain, HOUR, recordEvents, reporterOptions, subscribedCustomer, testSender } from "./reporter-helpers";
import { createLiveSubscription, createUsageMeter } from "./usage-helpers";

// lib/env reads process.env once, at import: the Stripe webhook route's secret is set before.
const STRIPE_SECRET = vi.hoisted(() => {
  const secret = "whsec_connector_webhooks_test_0123456789";
  process.env.STRIPE_WEBHOOK_SECRET = secret;
  return secret;
});

const FEB_1 = JAN_1 + 31 * DAY;
const MINUTE = 60_000;

type TReceived = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver that answers 200 to everything and keeps what it got. */
async function startReceiver() {
  const requests: TReceived[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    of: (eventId: string) => requests.filter((request) => request.headers["tally-event-id"] === eventId),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function endpoint(context: TAuditContext, url: string, eventTypes: string[]) {
  const created = await createWebhookEndpoint(ZWebhookEndpointCreateInput.parse({ url, description: "connector webhook tests", eventTypes }), context);
  cleanups.push(() => db.webhookEndpoint.deleteMany({ where: { id: created.id } }));
  return created;
}

/** This endpoint's delivery of this event, or null. */
const deliveryOf = (endpointId: string, eventId: string) => db.webhookDelivery.findUnique({ where: { endpointId_eventId: { endpointId, eventId } } });

/** Delivers one delivery to its receiver; returns the request the receiver got, checked against the endpoint's secret. */
async function deliverAndVerify(delivery: { id: string; eventId: string }, receiver: { of: (eventId: string) => TReceived[] }, secret: string) {
  expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 1, retried: 0, failed: 0 });
  const received = receiver.of(delivery.eventId);
  expect(received).toHaveLength(1);
  const [request] = received;
  expect(verifyWebhookSignature(String(request?.headers["tally-signature"]), request?.body ?? "", secret)).toBe(true);
  expect(() => verifyWebhookSignature(String(request?.headers["tally-signature"]), request?.body ?? "", `${secret}x`)).toThrow(/no signature matches/);
  return JSON.parse(request?.body ?? "") as { id: string; type: string; created: number; data: Record<string, unknown> };
}

/** A customer with a live subscription as rows (no Stripe side), on a plan of 1¢ a unit above 100 included units. */
async function rowCustomer(period: { start: Date; end: Date }, meters: Prisma.MeterModel[], since = period.start) {
  const customer = await createCustomer();
  const { plan, subscription } = await createLiveSubscription(customer.id, period, meters.map((usageMeter) => ({ meter: usageMeter, quantity: "100" })));
  const planVersionId = plan.versions[0]?.id ?? "";
  // The plan in force since the start: what a past period is priced with.
  await db.subscriptionChange.create({ data: { subscriptionId: subscription.id, kind: "CREATED", toPlanVersionId: planVersionId, effectiveAt: since } });
  return { customer, subscription, planVersionId };
}

describe("findUsageSummaries", () => {
  it("gives each customer's current period, usage per meter and the engine's projected invoice, as the usage page shows it", async () => {
    // $10 + 1¢ a unit for two meters (the second a COUNT), a third meter outside the plan, a $5 credit.
    const { context, meters, customer } = await subscribedCustomer(2);
    const [calls, requests] = meters as [Prisma.MeterModel, Prisma.MeterModel];
    const storage = await meter(context, { displayName: "Storage", unitLabel: "GB" });
    const finance = await createUser({ staffRole: "FINANCE" });
    await createCredit(
      ZCreditGrantInput.parse({ customerId: customer.id, kind: "AMOUNT", amount: "5.00", currency: "usd", reason: "Outage" }),
      { actor: { kind: "USER", userId: finance.id } },
      { now: at(JAN_1 + HOUR) },
    );
    const now = at(JAN_1 + 10 * DAY);
    await recordEvents(
      customer.externalId,
      [
        { meter: calls.eventName, value: 600, at: at(JAN_1 + DAY) },
        { meter: calls.eventName, value: 400, at: at(JAN_1 + 3 * DAY + 30 * 60) },
        ...Array.from({ length: 5 }, (_, index) => ({ meter: requests.eventName, value: 1, at: at(JAN_1 + 2 * DAY + index * HOUR) })),
        { meter: storage.eventName, value: "2.5", at: at(JAN_1 + 4 * DAY) },
      ],
      now,
    );
    // An archived customer is never summarized, live subscription or not.
    const archived = await rowCustomer({ start: at(JAN_1), end: at(FEB_1) }, [calls]);
    await db.customer.update({ where: { id: archived.customer.id }, data: { archivedAt: now } });

    const summaries = await findUsageSummaries({ now, customerIds: [customer.id, archived.customer.id] });
    // Ten of 31 days: the projection is 3.1 × the usage. 3,100 calls = $31.00; 15.5 requests = 16¢;
    // storage is not in the plan (no charge); − $5 credit on the usage lines; + $10 base fee.
    expect(summaries).toEqual([
      {
        customerId: customer.id,
        externalId: customer.externalId,
        name: customer.name,
        email: customer.email,
        periodStart: at(JAN_1),
        periodEnd: at(FEB_1),
        meters: [
          { eventName: calls.eventName, displayName: "API calls", unitLabel: "call", quantity: "1000" },
          { eventName: requests.eventName, displayName: "API calls", unitLabel: "call", quantity: "5" },
          { eventName: storage.eventName, displayName: "Storage", unitLabel: "GB", quantity: "2.5" },
        ],
        projectedInvoiceMinor: 3_100n + 16n - 500n + 1_000n,
        currency: "usd",
      },
    ]);
    const dashboard = await getUsageDashboard(customer.id, { now });
    expect(dashboard.preview?.projected.totalMinor).toBe(summaries[0]?.projectedInvoiceMinor);
  });
});

describe("usage.period_summary", () => {
  it("queues the summary for a subscribed endpoint, signed and delivered with the engine's figures", async () => {
    const { context, meters, customer } = await subscribedCustomer(1);
    const [calls] = meters as [Prisma.MeterModel];
    const now = at(JAN_1 + 10 * DAY);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 1_000, at: at(JAN_1 + DAY) }], now);
    const receiver = await startReceiver();
    const target = await endpoint(context, receiver.url, ["usage.period_summary"]);

    const result = await recordUsageSummaryWebhooks({ now, customerIds: [customer.id], intervalMinutes: 15 });
    expect(result).toMatchObject({ customers: 1, finals: 0 });
    expect(result.queued).toBeGreaterThanOrEqual(1);
    const eventId = usageSummaryEventId({ customerId: customer.id, periodStart: at(JAN_1) }, now);
    const delivery = await deliveryOf(target.id, eventId);
    expect(delivery).toMatchObject({ status: "PENDING", eventType: "usage.period_summary", customerId: customer.id });

    const body = await deliverAndVerify({ id: delivery?.id ?? "", eventId }, receiver, target.secret);
    expect(body).toEqual({
      id: eventId,
      type: "usage.period_summary",
      created: Math.floor(now.getTime() / 1000),
      data: {
        customer: { id: customer.id, external_id: customer.externalId, name: customer.name },
        period: { start: at(JAN_1).toISOString(), end: at(FEB_1).toISOString() },
        final: false,
        meters: [{ meter: calls.eventName, display_name: "API calls", unit: "call", quantity: "1000" }],
        // 3,100 calls projected at 1¢ + the $10 base fee.
        projected_invoice: { amount_minor: "4100", currency: "usd" },
        as_of: now.toISOString(),
      },
    });
  });

  it("queues one event per customer, endpoint and slot however many runs; the next slot queues again", async () => {
    const context = await adminContext();
    const usageMeter = await createUsageMeter("SUM");
    const period = { start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") };
    const first = await rowCustomer(period, [usageMeter]);
    const second = await rowCustomer(period, [usageMeter]);
    const receiver = await startReceiver();
    const endpoints = [await endpoint(context, receiver.url, ["usage.period_summary"]), await endpoint(context, receiver.url, ["usage.threshold_crossed", "usage.period_summary"])];
    const customerIds = [first.customer.id, second.customer.id];
    const ours = async () =>
      db.webhookDelivery.findMany({
        where: { endpointId: { in: endpoints.map((row) => row.id) }, customerId: { in: customerIds } },
        select: { endpointId: true, eventId: true },
      });

    // Three workers at once in the 10:00 slot, then one more later in it: queued once.
    const tenOhSeven = new Date("2026-11-10T10:07:00Z");
    await Promise.all([0, 1, 2].map(() => recordUsageSummaryWebhooks({ now: tenOhSeven, customerIds, intervalMinutes: 15 })));
    expect(await recordUsageSummaryWebhooks({ now: new Date("2026-11-10T10:14:59Z"), customerIds, intervalMinutes: 15 })).toMatchObject({ queued: 0 });
    const slot = computeUsageSummarySlot(tenOhSeven, 15);
    expect(slot).toEqual(new Date("2026-11-10T10:00:00Z"));
    const idsAt = (slotStart: Date) => customerIds.map((customerId) => usageSummaryEventId({ customerId, periodStart: period.start }, slotStart)).sort();
    const sorted = (rows: { endpointId: string; eventId: string }[]) => rows.map((row) => `${row.endpointId} ${row.eventId}`).sort();
    const expected = (slotStarts: Date[]) => sorted(endpoints.flatMap((row) => slotStarts.flatMap((slotStart) => idsAt(slotStart).map((eventId) => ({ endpointId: row.id, eventId })))));
    expect(sorted(await ours())).toEqual(expected([slot]));

    // 10:15: a new slot, a new event per customer and endpoint.
    const next = await recordUsageSummaryWebhooks({ now: new Date("2026-11-10T10:15:00Z"), customerIds, intervalMinutes: 15 });
    expect(next).toMatchObject({ customers: 2 });
    expect(next.queued).toBeGreaterThanOrEqual(4);
    expect(sorted(await ours())).toEqual(expected([slot, new Date("2026-11-10T10:15:00Z")]));
  });

  it("computes a slot once over all customers: the worker that takes it first, the other runs in it skip", async () => {
    const context = await adminContext();
    const usageMeter = await createUsageMeter("SUM");
    const { customer } = await rowCustomer({ start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") }, [usageMeter]);
    const receiver = await startReceiver();
    const target = await endpoint(context, receiver.url, ["usage.period_summary"]);
    // A slot later than any other run's (the cursor only moves forward).
    const now = new Date("2031-03-01T10:07:00Z");
    const slot = computeUsageSummarySlot(now, 15);

    const taken = await recordUsageSummaryWebhooks({ now, intervalMinutes: 15 });
    expect(taken.customers).toBeGreaterThanOrEqual(1);
    expect(await deliveryOf(target.id, usageSummaryEventId({ customerId: customer.id, periodStart: new Date("2026-11-01T00:00:00Z") }, slot))).not.toBeNull();
    expect(await recordUsageSummaryWebhooks({ now: new Date(now.getTime() + 5 * MINUTE), intervalMinutes: 15 })).toEqual({ customers: 0, finals: 0, queued: 0 });
    expect((await db.workerCursor.findUniqueOrThrow({ where: { name: "usage_summaries" } })).position).toEqual(slot);
  });

  it("computes and queues nothing when no enabled endpoint subscribes to it", async () => {
    const context = await adminContext();
    const usageMeter = await createUsageMeter("SUM");
    const { customer } = await rowCustomer({ start: new Date("2026-11-01T00:00:00Z"), end: new Date("2026-12-01T00:00:00Z") }, [usageMeter]);
    const receiver = await startReceiver();
    const otherType = await endpoint(context, receiver.url, ["usage.threshold_crossed"]);
    const disabled = await endpoint(context, receiver.url, ["usage.period_summary"]);
    await updateWebhookEndpoint(disabled.id, { enabled: false }, context);
    const cursor = await db.workerCursor.findUnique({ where: { name: "usage_summaries" } });

    const now = new Date("2026-11-10T10:07:00Z");
    expect(await recordUsageSummaryWebhooks({ now, customerIds: [customer.id] })).toEqual({ customers: 0, finals: 0, queued: 0 });
    expect(await recordUsageSummaryWebhooks({ now: new Date(Date.UTC(2032, 0, 1)) })).toEqual({ customers: 0, finals: 0, queued: 0 });
    expect(await db.webhookDelivery.count({ where: { endpointId: { in: [otherType.id, disabled.id] } } })).toBe(0);
    // Not even the slot was taken.
    expect(await db.workerCursor.findUnique({ where: { name: "usage_summaries" } })).toEqual(cursor);
  });

  it("queues a period's final summary once, after the grace period and not before; never for a period that ended long ago", async () => {
    const context = await adminContext();
    const usageMeter = await createUsageMeter("SUM", { displayName: "Rows", unitLabel: "row" });
    const previous = { start: new Date("2026-09-01T00:00:00Z"), end: new Date("2026-10-01T00:00:00Z") };
    const { customer, subscription } = await rowCustomer({ start: previous.end, end: new Date("2026-11-01T00:00:00Z") }, [usageMeter], previous.start);
    await db.subscription.update({ where: { id: subscription.id }, data: { previousPeriodStart: previous.start, previousPeriodEnd: previous.end } });
    await recordEvents(customer.externalId, [{ meter: usageMeter.eventName, value: 250, at: new Date("2026-09-20T12:00:00Z") }], new Date("2026-09-21T00:00:00Z"));
    // Late usage for September, inside the grace period; and October's first.
    await recordEvents(
      customer.externalId,
      [
        { meter: usageMeter.eventName, value: 40, at: new Date("2026-09-30T23:30:00Z") },
        { meter: usageMeter.eventName, value: 30, at: new Date("2026-10-01T00:10:00Z") },
      ],
      new Date("2026-10-01T00:20:00Z"),
    );
    // Another customer whose previous period ended 40 days before: out of reach.
    const old = await rowCustomer({ start: new Date("2026-08-22T01:05:00Z"), end: new Date("2026-09-22T01:05:00Z") }, [usageMeter]);
    await db.subscription.update({ where: { id: old.subscription.id }, data: { previousPeriodStart: new Date("2026-07-22T01:05:00Z"), previousPeriodEnd: new Date("2026-08-22T01:05:00Z") } });
    const customerIds = [customer.id, old.customer.id];
    const receiver = await startReceiver();
    const target = await endpoint(context, receiver.url, ["usage.period_summary"]);
    const finalId = usageSummaryEventId({ customerId: customer.id, periodStart: previous.start }, "final");
    const grace = env.TALLY_STRIPE_INVOICE_GRACE_SECONDS * 1000;

    const before = await recordUsageSummaryWebhooks({ now: new Date(previous.end.getTime() + grace - 1_000), customerIds, intervalMinutes: 15 });
    expect(before).toMatchObject({ customers: 2, finals: 0 });
    expect(await deliveryOf(target.id, finalId)).toBeNull();

    const now = new Date(previous.end.getTime() + grace + 5 * MINUTE);
    expect(await recordUsageSummaryWebhooks({ now, customerIds, intervalMinutes: 15 })).toMatchObject({ customers: 2, finals: 1 });
    const delivery = await deliveryOf(target.id, finalId);
    expect(delivery).toMatchObject({ eventType: "usage.period_summary", customerId: customer.id });
    const body = await deliverAndVerify({ id: delivery?.id ?? "", eventId: finalId }, receiver, target.secret);
    // September's 290 rows, 100 included, 190 at 1¢.
    expect(body.data).toEqual({
      customer: { id: customer.id, external_id: customer.externalId, name: customer.name },
      period: { start: previous.start.toISOString(), end: previous.end.toISOString() },
      final: true,
      meters: [{ meter: usageMeter.eventName, display_name: "Rows", unit: "row", quantity: "290" }],
      projected_invoice: { amount_minor: "190", currency: "usd" },
      as_of: now.toISOString(),
    });
    const [past] = await findUsageSummaries({ now, customerIds: [customer.id], periodStart: previous.start });
    expect(body.data).toEqual(toUsageSummaryData(past ?? ({} as never), { final: true, asOf: now }));

    // Later slots: recorded already, so nothing more, not even for an endpoint added since; the
    // current period's summary goes on.
    const added = await endpoint(context, receiver.url, ["usage.period_summary"]);
    const later = await recordUsageSummaryWebhooks({ now: new Date(now.getTime() + HOUR * 1000), customerIds, intervalMinutes: 15 });
    expect(later).toMatchObject({ customers: 2, finals: 0 });
    const finals = await db.webhookDelivery.findMany({ where: { endpointId: { in: [target.id, added.id] }, customerId: { in: customerIds }, eventId: { endsWith: "_final" } } });
    expect(finals.map((row) => [row.endpointId, row.eventId])).toEqual([[target.id, finalId]]);
    expect(await db.webhookDelivery.count({ where: { endpointId: added.id, customerId: customer.id } })).toBe(1); // this slot's current summary
  });
});

/** The emulator's events about one object, oldest first, as its API serves them. */
async function eventsAbout(objectId: string, type: string): Promise<{ id: string; data: { object: { id: string } } }[]> {
  const response = await fetch(`${process.env.STRIPE_API_URL}/v1/events?${new URLSearchParams({ type, limit: "100" })}`, {
    headers: { authorization: `Bearer ${process.env.STRIPE_SECRET_KEY}` },
  });
  const page = (await response.json()) as { data: { id: string; data: { object: { id: string } } }[] };
  return page.data.filter((event) => event.data.object.id === objectId).reverse();
}

/** POSTs a Stripe event to Tally's webhook route, signed as Stripe signs it. */
async function deliverStripeEvent(event: unknown): Promise<string> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: STRIPE_SECRET });
  const response = await POST(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload }));
  expect(response.status).toBe(200);
  return String(((await response.json()) as { outcome: string }).outcome);
}

describe("invoice.finalized", () => {
  it("is queued once when the invoice leaves draft, whichever path sees it first, with Stripe's totals and lines; replays queue nothing", async () => {
    const { context, meters, customer, clock, priceOf } = await subscribedCustomer(2);
    const [calls, requests] = meters as [Prisma.MeterModel, Prisma.MeterModel];
    const receiver = await startReceiver();
    const target = await endpoint(context, receiver.url, ["invoice.finalized"]);
    const stripeCustomerId = customer.stripeCustomerId ?? "";

    await clockAdvance(clock.id, JAN_1 + 10 * DAY);
    await recordEvents(
      customer.externalId,
      [
        { meter: calls.eventName, value: 1_234, at: at(JAN_1 + 2 * DAY) },
        { meter: requests.eventName, value: 1, at: at(JAN_1 + 3 * DAY) },
        { meter: requests.eventName, value: 1, at: at(JAN_1 + 4 * DAY) },
      ],
      at(JAN_1 + 10 * DAY),
    );
    await drain(testSender(), reporterOptions([customer.id], () => at(JAN_1 + 10 * DAY)));

    // Just past the period end the invoice is a draft: no event.
    await clockAdvance(clock.id, FEB_1 + 60);
    const draft = await cycleInvoice(stripeCustomerId, FEB_1);
    expect(draft?.status).toBe("draft");
    const invoiceId = draft?.id ?? "";
    const eventId = invoiceFinalizedEventId(invoiceId);
    expect(await syncInvoice(invoiceId)).toMatchObject({ outcome: "created" });
    expect(await deliveryOf(target.id, eventId)).toBeNull();

    // After the grace hour Stripe finalizes and charges it; invoice.paid and invoice.finalized arrive at once.
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    const [finalized] = await eventsAbout(invoiceId, "invoice.finalized");
    const [paid] = await eventsAbout(invoiceId, "invoice.paid");
    expect(await Promise.all([deliverStripeEvent(paid), deliverStripeEvent(finalized)])).toEqual(["processed", "processed"]);
    // Replays, and a later sync: nothing new, not even for an endpoint added since.
    const added = await endpoint(context, receiver.url, ["invoice.finalized"]);
    expect(await deliverStripeEvent(paid)).toBe("duplicate");
    expect(await syncInvoice(invoiceId)).toMatchObject({ outcome: "updated" });
    expect(await db.webhookDelivery.count({ where: { endpointId: target.id, eventId } })).toBe(1);
    expect(await deliveryOf(added.id, eventId)).toBeNull();

    const invoice = await getStripe().invoices.retrieve(invoiceId);
    expect(invoice).toMatchObject({ status: "paid", subtotal: 1_000 + 1_234 + 2, total: 1_000 + 1_234 + 2 });
    const delivery = await deliveryOf(target.id, eventId);
    expect(delivery).toMatchObject({ eventType: "invoice.finalized", customerId: customer.id });
    const body = await deliverAndVerify({ id: delivery?.id ?? "", eventId }, receiver, target.secret);
    const lineOf = (priceId: string) => invoice.lines.data.find((line) => line.pricing?.price_details?.price === priceId);
    const meteredLine = (priceId: string, eventName: string, quantity: string) => ({
      description: lineOf(priceId)?.description,
      meter: eventName,
      quantity,
      amount_minor: String(lineOf(priceId)?.amount),
    });
    expect(body).toMatchObject({ id: eventId, type: "invoice.finalized" });
    expect(body.data).toEqual({
      invoice: {
        id: invoiceId,
        number: invoice.number,
        status: "paid",
        currency: "usd",
        subtotal_minor: "2236",
        total_minor: "2236",
        amount_due_minor: String(invoice.amount_due),
        period: { start: at(JAN_1).toISOString(), end: at(FEB_1).toISOString() },
        hosted_invoice_url: invoice.hosted_invoice_url ?? null,
        finalized_at: at(invoice.status_transitions.finalized_at ?? 0).toISOString(),
        lines: expect.arrayContaining([
          meteredLine(priceOf(calls.id), calls.eventName, "1234"),
          meteredLine(priceOf(requests.id), requests.eventName, "2"),
          expect.objectContaining({ meter: null, quantity: "1", amount_minor: "1000" }),
        ]),
      },
      customer: { id: customer.id, external_id: customer.externalId, name: customer.name },
    });
    expect((body.data.invoice as { lines: unknown[] }).lines).toHaveLength(invoice.lines.data.length);
    expect(invoice.status_transitions.finalized_at).not.toBeNull();
  });
});
