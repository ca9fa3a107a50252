// POST /api/webhooks/stripe against the real database and the run's Stripe emulator, with real
// signatures: the secret is the one the emulator returned for a webhook endpoint of this file's own,
// so deliveries the emulator signs itself verify too (the end-to-end test at the bottom).
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { POST } from "@/app/api/webhooks/stripe/route";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { applyInvoiceSnapshot, fetchInvoiceSnapshot } from "@/lib/stripe/sync-invoice";
import { createCustomer, unique } from "./factories";

// lib/env parses process.env once, at import: the endpoint (and so its secret) must exist before
// any import runs. vi.hoisted runs first; it talks to the emulator over plain HTTP.
const endpoint = await vi.hoisted(async () => {
  const apiUrl = process.env.STRIPE_API_URL ?? "";
  const headers = { authorization: `Bearer ${process.env.STRIPE_SECRET_KEY ?? ""}`, "content-type": "application/x-www-form-urlencoded" };
  const created = await fetch(`${apiUrl}/v1/webhook_endpoints`, {
    method: "POST",
    headers,
    body: new URLSearchParams({ url: "http://127.0.0.1:9/not-yet", "enabled_events[]": "*" }),
  });
  const body = (await created.json()) as { id: string; secret: string };
  // Disabled until the end-to-end test points it at its forwarder.
  await fetch(`${apiUrl}/v1/webhook_endpoints/${body.id}`, { method: "POST", headers, body: new URLSearchParams({ disabled: "true" }) });
  process.env.STRIPE_WEBHOOK_SECRET = body.secret;
  return body;
});


const stripe = getStripe();
const apiUrl = process.env.STRIPE_API_URL ?? "";
const DAY = 86_400;

type TRawEvent = { id: string; type: string; created: number; data: { object: { id: string } } };

function signed(payload: string, secret = endpoint.secret, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, ...(timestamp ? { timestamp } : {}) });
}

async function deliver(payload: string, signature: string | null = signed(payload)) {
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (signature !== null) headers["stripe-signature"] = signature;
  const response = await POST(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers, body: payload }));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The emulator's events about one object, oldest first, exactly as its API serves them (raw JSON). */
async function eventsAbout(objectId: string, type: string): Promise<TRawEvent[]> {
  const found: TRawEvent[] = [];
  let startingAfter: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ type, limit: "100", ...(startingAfter ? { starting_after: startingAfter } : {}) });
    const response = await fetch(`${apiUrl}/v1/events?${query}`, { headers: { authorization: `Bearer ${process.env.STRIPE_SECRET_KEY}` } });
    const page = (await response.json()) as { data: TRawEvent[]; has_more: boolean };
    found.push(...page.data.filter((event) => event.data.object.id === objectId));
    if (!page.has_more || page.data.length === 0) break;
    startingAfter = page.data.at(-1)?.id;
  }
  return found.reverse();
}

async function onlyEvent(objectId: string, type: string): Promise<TRawEvent> {
  const [event, ...more] = await eventsAbout(objectId, type);
  if (!event || more.length) throw new Error(`expected one ${type} for ${objectId}, found ${more.length + (event ? 1 : 0)}`);
  return event;
}

async function waitForClock(clockId: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if ((await stripe.testHelpers.testClocks.retrieve(clockId)).status === "ready") return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`test clock ${clockId} did not become ready`);
}

/** A Stripe customer on a test clock with a monthly subscription (base fee + metered usage), and its Tally customer. */
async function billedCustomer(options: { tally?: boolean; onStripeCustomer?: (stripeCustomerId: string) => void } = {}) {
  const start = Math.floor(Date.UTC(2026, 0, 1) / 1000);
  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: start });
  const stripeCustomer = await stripe.customers.create({ name: unique("Webhook Co"), test_clock: clock.id });
  options.onStripeCustomer?.(stripeCustomer.id);
  const eventName = unique("wh_calls").replaceAll("-", "_");
  const meter = await stripe.billing.meters.create({
    display_name: "Calls",
    event_name: eventName,
    default_aggregation: { formula: "sum" },
    customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
    value_settings: { event_payload_key: "value" },
  });
  const product = await stripe.products.create({ name: unique("Plan") });
  const base = await stripe.prices.create({ product: product.id, currency: "usd", unit_amount: 2_500, recurring: { interval: "month" } });
  const metered = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount_decimal: Stripe.Decimal.from("1.5"),
    recurring: { interval: "month", usage_type: "metered", meter: meter.id },
  });
  // Tally knows the customer before Stripe bills it (as the customer service does it).
  const customer = options.tally === false ? null : await createCustomer();
  if (customer) await db.customer.update({ where: { id: customer.id }, data: { stripeCustomerId: stripeCustomer.id } });
  const subscription = await stripe.subscriptions.create({ customer: stripeCustomer.id, items: [{ price: base.id }, { price: metered.id }] });
  const firstInvoiceId = typeof subscription.latest_invoice === "string" ? subscription.latest_invoice : (subscription.latest_invoice?.id ?? "");
  return { start, clock, stripeCustomer, customer, meter, eventName, base, metered, subscription, firstInvoiceId };
}

/** Tally's side of a Stripe subscription, as the subscription service leaves it before the first sync. */
async function tallySubscription(customerId: string, stripeSubscriptionId: string, stripeBasePriceId: string) {
  const plan = await db.plan.create({ data: { key: unique("wh-plan"), name: "Webhook plan" } });
  const version = await db.planVersion.create({
    data: { planId: plan.id, version: 1, status: "PUBLISHED", currency: "usd", baseFeeMinor: 2_500n, stripeBasePriceId, publishedAt: new Date() },
  });
  const placeholder = new Date("2000-01-01T00:00:00Z");
  return db.subscription.create({
    data: {
      customerId,
      planVersionId: version.id,
      status: "INCOMPLETE",
      stripeSubscriptionId,
      billingCycleAnchorAt: placeholder,
      currentPeriodStart: placeholder,
      currentPeriodEnd: new Date("2000-02-01T00:00:00Z"),
      startedAt: placeholder,
    },
  });
}

async function expectInvoiceMatchesStripe(stripeInvoiceId: string): Promise<void> {
  const invoice = await stripe.invoices.retrieve(stripeInvoiceId);
  const copy = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId }, include: { lines: true } });
  expect({
    status: copy.status,
    currency: copy.currency,
    subtotal: copy.subtotalMinor,
    total: copy.totalMinor,
    amountDue: copy.amountDueMinor,
    number: copy.number,
    periodStart: copy.periodStart.getTime() / 1000,
    periodEnd: copy.periodEnd.getTime() / 1000,
  }).toEqual({
    status: invoice.status?.toUpperCase(),
    currency: invoice.currency,
    subtotal: BigInt(invoice.subtotal),
    total: BigInt(invoice.total),
    amountDue: BigInt(invoice.amount_due),
    number: invoice.number,
    periodStart: invoice.period_start,
    periodEnd: invoice.period_end,
  });
  const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const lines = [...invoice.lines.data].sort(byId);
  expect(
    [...copy.lines].sort((a, b) => byId({ id: a.stripeLineId }, { id: b.stripeLineId })).map((line) => ({
      id: line.stripeLineId,
      amount: line.amountMinor,
      price: line.stripePriceId,
      quantity: line.quantity?.toString(),
      start: line.periodStart.getTime() / 1000,
      end: line.periodEnd.getTime() / 1000,
      proration: line.proration,
    })),
  ).toEqual(
    lines.map((line) => ({
      id: line.id,
      amount: BigInt(line.amount),
      price: line.pricing?.price_details?.price,
      quantity: String(line.quantity_decimal ?? line.quantity),
      start: line.period.start,
      end: line.period.end,
      proration: line.parent?.subscription_item_details?.proration ?? false,
    })),
  );
}

async function addFault(fault: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${apiUrl}/_emulator/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(fault) });
  expect(response.status).toBe(200);
}

async function faultsOn(pathPrefix: string): Promise<unknown[]> {
  const response = await fetch(`${apiUrl}/_emulator/faults`);
  const { data } = (await response.json()) as { data: { path: string }[] };
  return data.filter((fault) => fault.path === pathPrefix);
}

afterAll(async () => {
  await stripe.webhookEndpoints.del(endpoint.id);
});

describe("POST /api/webhooks/stripe: signatures", () => {
  let payload: string;
  let eventId: string;

  beforeAll(async () => {
    const { firstInvoiceId } = await billedCustomer();
    const event = await onlyEvent(firstInvoiceId, "invoice.created");
    payload = JSON.stringify(event);
    eventId = event.id;
  });

  async function nothingRecorded() {
    expect(await db.stripeEvent.count({ where: { id: eventId } })).toBe(0);
    expect(await db.stripeEventFailure.count({ where: { eventId } })).toBe(0);
  }

  it("refuses a delivery without a signature (400 problem, nothing recorded)", async () => {
    const { status, body } = await deliver(payload, null);
    expect(status).toBe(400);
    expect(body).toMatchObject({ code: "bad_request", status: 400 });
    expect(String(body.detail)).toMatch(/Stripe-Signature/);
    await nothingRecorded();
  });

  it("refuses a wrong signature, a wrong secret, a tampered body and a stale timestamp", async () => {
    const tampered = payload.replace('"invoice.created"', '"invoice.paid"');
    const cases = [
      { name: "garbage", body: payload, signature: "t=1,v1=deadbeef" },
      { name: "wrong secret", body: payload, signature: signed(payload, "whsec_not_the_endpoint_secret_000000") },
      { name: "tampered body", body: tampered, signature: signed(payload) },
      { name: "older than the tolerance", body: payload, signature: signed(payload, endpoint.secret, Math.floor(Date.now() / 1000) - 600) },
    ];
    for (const attempt of cases) {
      const { status, body } = await deliver(attempt.body, attempt.signature);
      expect({ name: attempt.name, status, code: body.code }).toEqual({ name: attempt.name, status: 400, code: "bad_request" });
    }
    await nothingRecorded();
    expect(await db.invoice.count({ where: { stripeInvoiceId: JSON.parse(payload).data.object.id } })).toBe(0);
  });

  it("answers 503 when no webhook secret is configured", () => {
    // lib/env is read at import, so a process of its own with the variable unset (empty = unset).
    const script = `
      const { POST } = await import(${JSON.stringify(path.resolve("app/api/webhooks/stripe/route.ts"))});
      const response = await POST(new Request("http://localhost/api/webhooks/stripe", {
        method: "POST", headers: { "stripe-signature": "t=1,v1=00" }, body: "{}" }));
      console.log(JSON.stringify({ status: response.status, body: await response.json() }));
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, STRIPE_WEBHOOK_SECRET: "" },
      encoding: "utf8",
      timeout: 30_000,
    });
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    const { status, body } = JSON.parse(line) as { status: number; body: { code: string } };
    expect(status).toBe(503);
    expect(body.code).toBe("service_unavailable");
  });
});

describe("POST /api/webhooks/stripe: applying events", () => {
  it("applies a valid delivery by re-reading Stripe, and records the event id", async () => {
    const { firstInvoiceId, customer } = await billedCustomer();
    const event = await onlyEvent(firstInvoiceId, "invoice.created");
    const { status, body } = await deliver(JSON.stringify(event));
    expect(status).toBe(200);
    expect(body).toMatchObject({ received: true, event_id: event.id, outcome: "processed" });
    expect(await db.stripeEvent.findUnique({ where: { id: event.id } })).toMatchObject({ type: "invoice.created", stripeCreatedAt: new Date(event.created * 1000) });
    const copy = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: firstInvoiceId } });
    expect(copy.customerId).toBe(customer?.id);
    // The payload showed a draft; Stripe has since finalized and paid it: Tally holds Stripe's state.
    expect(copy.status).toBe("PAID");
    await expectInvoiceMatchesStripe(firstInvoiceId);
  });

  it("treats a second delivery of the same event as done (no effect at all)", async () => {
    const { firstInvoiceId } = await billedCustomer();
    const payload = JSON.stringify(await onlyEvent(firstInvoiceId, "invoice.paid"));
    expect((await deliver(payload)).body.outcome).toBe("processed");
    // Disturb Tally's copy: a redelivery that ran the handler again would repair it.
    await db.invoice.update({ where: { stripeInvoiceId: firstInvoiceId }, data: { status: "OPEN" } });
    const counts = async () => [await db.invoice.count(), await db.invoiceLine.count(), await db.stripeEvent.count()];
    const before = await counts();

    const again = await deliver(payload);
    expect(again.status).toBe(200);
    expect(again.body.outcome).toBe("duplicate");
    expect(await counts()).toEqual(before);
    expect((await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: firstInvoiceId } })).status).toBe("OPEN");
  });

  it("applies concurrent deliveries of one event once, without a 5xx", async () => {
    const { firstInvoiceId } = await billedCustomer();
    const event = await onlyEvent(firstInvoiceId, "invoice.finalized");
    const payload = JSON.stringify(event);
    const results = await Promise.all(Array.from({ length: 4 }, () => deliver(payload)));
    expect(results.map((result) => result.status)).toEqual([200, 200, 200, 200]);
    expect(results.filter((result) => result.body.outcome === "processed")).toHaveLength(1);
    expect(results.filter((result) => result.body.outcome === "duplicate")).toHaveLength(3);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
    expect(await db.stripeEventFailure.count({ where: { eventId: event.id } })).toBe(0);
    expect(await db.invoice.count({ where: { stripeInvoiceId: firstInvoiceId } })).toBe(1);
    await expectInvoiceMatchesStripe(firstInvoiceId);
  });

  it("ends in Stripe's newest state whatever order the events of an invoice cycle arrive in", async () => {
    const { clock, start, meter, eventName, stripeCustomer, subscription } = await billedCustomer();
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: stripeCustomer.id, value: "41" }, timestamp: start + 60 });
    // Just past the period end: the cycle invoice exists as a draft (finalized after the grace hour).
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 31 * DAY + 60 });
    await waitForClock(clock.id);
    const cycleInvoice = (await stripe.invoices.list({ subscription: subscription.id, limit: 10 })).data.find(
      (invoice) => invoice.billing_reason === "subscription_cycle",
    );
    expect(cycleInvoice?.status).toBe("draft");
    const invoiceId = cycleInvoice?.id ?? "";
    const created = await onlyEvent(invoiceId, "invoice.created");
    expect((await deliver(JSON.stringify(created))).status).toBe(200);
    expect((await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoiceId } })).status).toBe("DRAFT");
    await expectInvoiceMatchesStripe(invoiceId);

    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 31 * DAY + 2 * 3_600 });
    await waitForClock(clock.id);
    const finalized = await onlyEvent(invoiceId, "invoice.finalized");
    const paid = await onlyEvent(invoiceId, "invoice.paid");

    // paid before finalized, then the old invoice.created once more (as a retry would bring it).
    for (const event of [paid, finalized]) expect((await deliver(JSON.stringify(event))).body.outcome).toBe("processed");
    expect((await deliver(JSON.stringify(created))).body.outcome).toBe("duplicate");
    const copy = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoiceId }, include: { lines: true } });
    expect(copy.status).toBe("PAID");
    expect(copy.paidAt).not.toBeNull();
    expect(copy.lines.find((line) => line.stripePriceId && line.quantity?.toString() === "41")).toBeDefined();
    await expectInvoiceMatchesStripe(invoiceId);
    expect(meter.id).toMatch(/^mtr_/);
  });

  it("never lets an older snapshot overwrite a newer one (two syncs racing)", async () => {
    const { clock, start, subscription } = await billedCustomer();
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 31 * DAY + 60 });
    await waitForClock(clock.id);
    const invoiceId = (await stripe.invoices.list({ subscription: subscription.id, limit: 10 })).data.find((invoice) => invoice.status === "draft")?.id ?? "";
    const older = await fetchInvoiceSnapshot(invoiceId);
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 31 * DAY + 2 * 3_600 });
    await waitForClock(clock.id);
    const newer = await fetchInvoiceSnapshot(invoiceId);

    expect(await applyInvoiceSnapshot(newer)).toMatchObject({ outcome: "created" });
    expect(await applyInvoiceSnapshot(older)).toMatchObject({ outcome: "stale" });
    expect((await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoiceId } })).status).toBe("PAID");
    await expectInvoiceMatchesStripe(invoiceId);
  });

  it("ignores an invoice of a customer Tally does not know (200, recorded)", async () => {
    const { firstInvoiceId } = await billedCustomer({ tally: false });
    const event = await onlyEvent(firstInvoiceId, "invoice.created");
    const { status, body } = await deliver(JSON.stringify(event));
    expect(status).toBe(200);
    expect(body.outcome).toBe("processed");
    expect(await db.invoice.count({ where: { stripeInvoiceId: firstInvoiceId } })).toBe(0);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
  });

  it("acknowledges a type without a handler with 200 and remembers it", async () => {
    const product = await stripe.products.create({ name: unique("Unhandled") });
    const event = await onlyEvent(product.id, "product.created");
    const first = await deliver(JSON.stringify(event));
    expect(first).toMatchObject({ status: 200, body: { outcome: "ignored", type: "product.created" } });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
    expect((await deliver(JSON.stringify(event))).body.outcome).toBe("duplicate");
  });

  it("answers 500 when the handler fails, records the failure and none of the effects; a redelivery succeeds", async () => {
    const { firstInvoiceId } = await billedCustomer();
    const event = await onlyEvent(firstInvoiceId, "invoice.paid");
    const payload = JSON.stringify(event);
    // Stripe unreachable for this invoice: the first try and the SDK's two retries all fail.
    const faultPath = `/v1/invoices/${firstInvoiceId}`;
    await addFault({ method: "GET", path: faultPath, action: "error", count: 3, status: 500 });

    const failed = await deliver(payload);
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ code: "internal" });
    expect(JSON.stringify(failed.body)).not.toMatch(/injected by the Stripe emulator|stack/);
    expect(await faultsOn(faultPath)).toEqual([]);
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    expect(await db.invoice.count({ where: { stripeInvoiceId: firstInvoiceId } })).toBe(0);
    const failures = await db.stripeEventFailure.findMany({ where: { eventId: event.id } });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ type: "invoice.paid" });
    expect(failures[0]?.error).toMatch(/injected/);

    const retried = await deliver(payload);
    expect(retried).toMatchObject({ status: 200, body: { outcome: "processed" } });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
    await expectInvoiceMatchesStripe(firstInvoiceId);
  });
});

describe("POST /api/webhooks/stripe: subscriptions", () => {
  it("converges Tally's subscription on created, out-of-order updated, and deleted", async () => {
    const { customer, subscription, base } = await billedCustomer();
    const local = await tallySubscription(customer?.id ?? "", subscription.id, base.id);

    const created = await onlyEvent(subscription.id, "customer.subscription.created");
    expect((await deliver(JSON.stringify(created))).body.outcome).toBe("processed");
    const item = (await stripe.subscriptions.retrieve(subscription.id)).items.data[0];
    expect(await db.subscription.findUniqueOrThrow({ where: { id: local.id } })).toMatchObject({
      status: "ACTIVE",
      cancelAtPeriodEnd: false,
      currentPeriodStart: new Date((item?.current_period_start ?? 0) * 1000),
      currentPeriodEnd: new Date((item?.current_period_end ?? 0) * 1000),
    });

    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true });
    await stripe.subscriptions.update(subscription.id, { cancel_at_period_end: false });
    const [scheduled, unscheduled] = (await eventsAbout(subscription.id, "customer.subscription.updated")).slice(-2);
    expect(scheduled?.data.object).toMatchObject({ cancel_at_period_end: true });
    // The newer one first, then the older one, whose payload says "cancels at period end".
    expect((await deliver(JSON.stringify(unscheduled))).body.outcome).toBe("processed");
    expect((await deliver(JSON.stringify(scheduled))).body.outcome).toBe("processed");
    expect((await db.subscription.findUniqueOrThrow({ where: { id: local.id } })).cancelAtPeriodEnd).toBe(false);

    await stripe.subscriptions.cancel(subscription.id);
    const deleted = await onlyEvent(subscription.id, "customer.subscription.deleted");
    expect((await deliver(JSON.stringify(deleted))).status).toBe(200);
    const ended = await db.subscription.findUniqueOrThrow({ where: { id: local.id } });
    expect(ended.status).toBe("CANCELED");
    expect(ended.endedAt).not.toBeNull();
  });

  it("acknowledges events of a subscription Tally does not have", async () => {
    const { subscription } = await billedCustomer({ tally: false });
    const event = await onlyEvent(subscription.id, "customer.subscription.created");
    expect(await deliver(JSON.stringify(event))).toMatchObject({ status: 200, body: { outcome: "processed" } });
    expect(await db.subscription.count({ where: { stripeSubscriptionId: subscription.id } })).toBe(0);
  });
});

describe("POST /api/webhooks/stripe: meter error reports", () => {
  async function reportLines(count: number, options: { sentAt: Date }) {
    const customer = await createCustomer();
    const meter = await db.meter.create({
      data: { eventName: unique("err_calls"), displayName: "Calls", aggregation: "SUM", unitLabel: "call", stripeMeterId: unique("mtr_test") },
    });
    const batch = await db.reportBatch.create({ data: { workerId: "test", eventCount: count, lineCount: count } });
    const lines = [];
    for (let index = 0; index < count; index++) {
      lines.push(
        await db.reportLine.create({
          data: {
            identifier: unique("line"),
            batchId: batch.id,
            customerId: customer.id,
            meterId: meter.id,
            eventName: meter.eventName,
            eventCount: 1,
            windowStart: new Date("2026-01-01T00:00:00Z"),
            windowEnd: new Date("2026-01-01T01:00:00Z"),
            periodStart: new Date("2026-01-01T00:00:00Z"),
            periodEnd: new Date("2026-02-01T00:00:00Z"),
            quantity: "10",
            stripeValue: 10n,
            eventAt: new Date("2026-01-01T00:30:00Z"),
            status: "SENT",
            sentAt: options.sentAt,
          },
        }),
      );
    }
    return { customer, meter, lines };
  }

  /** A v2 thin event as an event destination posts it, with the report the SDK types describe. */
  function errorReport(stripeMeterId: string, report: { errorCount: number; samples: { identifier: string; message: string }[]; start: Date; end: Date }) {
    return {
      id: `evt_test_${unique("report").replaceAll("-", "")}`,
      object: "v2.core.event",
      type: "v1.billing.meter.error_report_triggered",
      created: new Date().toISOString(),
      livemode: false,
      related_object: { id: stripeMeterId, type: "billing.meter", url: `/v1/billing/meters/${stripeMeterId}` },
      data: {
        developer_message_summary: `There are ${report.errorCount} invalid events`,
        reason: {
          error_count: report.errorCount,
          error_types: [
            {
              code: "meter_event_customer_not_found",
              error_count: report.errorCount,
              sample_errors: report.samples.map((sample) => ({ error_message: sample.message, request: { identifier: sample.identifier } })),
            },
          ],
        },
        validation_start: report.start.toISOString(),
        validation_end: report.end.toISOString(),
      },
    };
  }

  it("flags the report lines Stripe names, keeping the reason in the audit log", async () => {
    const sentAt = new Date("2026-01-05T10:00:00Z");
    const { meter, lines } = await reportLines(3, { sentAt });
    const [named, alsoNamed, innocent] = lines;
    const event = errorReport(meter.stripeMeterId ?? "", {
      errorCount: 2,
      samples: [
        { identifier: named?.identifier ?? "", message: "No customer found with id cus_gone" },
        { identifier: alsoNamed?.identifier ?? "", message: "No customer found with id cus_gone" },
      ],
      start: new Date("2026-01-05T10:00:00Z"),
      end: new Date("2026-01-05T10:05:00Z"),
    });
    const { status, body } = await deliver(JSON.stringify(event));
    expect(status).toBe(200);
    expect(body).toMatchObject({ outcome: "processed", type: "v1.billing.meter.error_report_triggered" });

    const after = await db.reportLine.findMany({ where: { meterId: meter.id }, orderBy: { id: "asc" } });
    expect(after.map((line) => line.flaggedAt !== null)).toEqual([true, true, false]);
    expect(innocent?.flaggedAt).toBeNull();
    const audit = await db.auditLog.findMany({ where: { action: "report_line.flagged", entityId: { in: lines.map((line) => String(line.id)) } } });
    expect(audit).toHaveLength(2);
    expect(audit[0]?.after).toMatchObject({ code: "meter_event_customer_not_found", reason: "No customer found with id cus_gone", stripe_event_id: event.id });
    expect(await db.stripeEvent.count({ where: { id: event.id } })).toBe(1);
  });

  it("flags the meter's lines sent in the validation window when Stripe reports more errors than it samples", async () => {
    const { meter, lines } = await reportLines(2, { sentAt: new Date("2026-01-06T08:02:00Z") });
    const outside = await reportLines(1, { sentAt: new Date("2026-01-06T12:00:00Z") });
    await db.reportLine.update({ where: { id: outside.lines[0]?.id }, data: { meterId: meter.id } });
    const event = errorReport(meter.stripeMeterId ?? "", {
      errorCount: 5,
      samples: [],
      start: new Date("2026-01-06T08:00:00Z"),
      end: new Date("2026-01-06T08:05:00Z"),
    });
    expect((await deliver(JSON.stringify(event))).status).toBe(200);
    const flagged = await db.reportLine.findMany({ where: { meterId: meter.id, flaggedAt: { not: null } }, select: { id: true } });
    expect(flagged.map((line) => line.id).sort()).toEqual(lines.map((line) => line.id).sort());
  });
});

describe("POST /api/webhooks/stripe: deliveries from the emulator itself", () => {
  let forwarder: Server;
  /** The emulator is shared by every test file: only this test's customer's events reach the route. */
  let forwardFor = "";

  beforeAll(async () => {
    // Stands in for the deployed route: hands the raw body and signature header to the handler.
    forwarder = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks);
        const about = (JSON.parse(body.toString("utf8")) as { data?: { object?: { customer?: unknown } } }).data?.object?.customer;
        if (about !== forwardFor) {
          response.writeHead(200).end();
          return;
        }
        const headers = new Headers({ "content-type": String(request.headers["content-type"] ?? "application/json") });
        const signature = request.headers["stripe-signature"];
        if (typeof signature === "string") headers.set("stripe-signature", signature);
        void POST(new Request("http://localhost:3000/api/webhooks/stripe", { method: "POST", headers, body })).then(async (answer) => {
          response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
          response.end(await answer.text());
        });
      });
    });
    await new Promise<void>((resolve) => forwarder.listen(0, "127.0.0.1", resolve));
    const { port } = forwarder.address() as AddressInfo;
    await stripe.webhookEndpoints.update(endpoint.id, { url: `http://127.0.0.1:${port}/api/webhooks/stripe`, disabled: false });
  });

  afterAll(async () => {
    await stripe.webhookEndpoints.update(endpoint.id, { disabled: true });
    await new Promise((resolve) => forwarder.close(resolve));
  });

  it("converges Tally's invoices to Stripe's over a real billing cycle", async () => {
    const { clock, start, eventName, stripeCustomer, subscription, customer, base } = await billedCustomer({
      onStripeCustomer: (id) => {
        forwardFor = id;
      },
    });
    const local = await tallySubscription(customer?.id ?? "", subscription.id, base.id);
    await stripe.billing.meterEvents.create({ event_name: eventName, payload: { stripe_customer_id: stripeCustomer.id, value: "1234" }, timestamp: start + 60 });
    await stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: start + 31 * DAY + 2 * 3_600 });
    await waitForClock(clock.id);
    const invoices = (await stripe.invoices.list({ subscription: subscription.id, limit: 10 })).data;
    expect(invoices.map((invoice) => invoice.status)).toEqual(["paid", "paid"]);

    // Deliveries are asynchronous: wait until every one about this customer's invoices succeeded.
    const invoiceIds = invoices.map((invoice) => invoice.id);
    const types = ["invoice.created", "invoice.finalized", "invoice.paid"];
    const ours = new Set((await Promise.all(invoiceIds.flatMap((id) => types.map((type) => eventsAbout(id, type))))).flat().map((event) => event.id));
    expect(ours.size).toBe(6);
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${apiUrl}/_emulator/webhook_deliveries?endpoint=${endpoint.id}`);
      const { data } = (await response.json()) as { data: { event: string; type: string; state: string }[] };
      const deliveries = data.filter((delivery) => ours.has(delivery.event));
      if (deliveries.length === ours.size && deliveries.every((delivery) => delivery.state === "succeeded")) break;
      if (attempt > 100) throw new Error(`deliveries not done: ${JSON.stringify(deliveries)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    for (const id of invoiceIds) await expectInvoiceMatchesStripe(id);
    const cycle = await db.invoice.findUniqueOrThrow({ where: { stripeInvoiceId: invoices.find((invoice) => invoice.billing_reason === "subscription_cycle")?.id ?? "" }, include: { lines: true } });
    expect(cycle.lines.map((line) => line.quantity?.toString()).sort()).toEqual(["1", "1234"]);
    expect(cycle.subscriptionId).toBe(local.id);
    // The renewal's customer.subscription.updated moved Tally's period to Stripe's.
    const item = (await stripe.subscriptions.retrieve(subscription.id)).items.data[0];
    for (let attempt = 0; attempt < 100; attempt++) {
      const copy = await db.subscription.findUniqueOrThrow({ where: { id: local.id } });
      if (copy.currentPeriodStart.getTime() === (item?.current_period_start ?? 0) * 1000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await db.subscription.findUniqueOrThrow({ where: { id: local.id } })).toMatchObject({
      status: "ACTIVE",
      currentPeriodStart: new Date((item?.current_period_start ?? 0) * 1000),
      currentPeriodEnd: new Date((item?.current_period_end ?? 0) * 1000),
    });
  });
});
