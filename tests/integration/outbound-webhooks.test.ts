// Outbound webhooks against a real HTTP receiver (node:http on port 0) and the real database:
// queued in the caller's transaction, signed, delivered once, retried with backoff, failed, retried
// by an admin. Other files share the database and may record events while these tests run, and
// recordWebhookEvent queues for every enabled endpoint: so every assertion is scoped to this file's
// endpoints and event ids, and every endpoint is deleted after its test.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { createWebhookEndpoint } from "@/lib/webhooks/create-webhook-endpoint";
import { deleteWebhookEndpoint } from "@/lib/webhooks/delete-webhook-endpoint";
import { deliverWebhooks } from "@/lib/webhooks/deliver-webhooks";
import { findWebhookDeliveries } from "@/lib/webhooks/find-webhook-deliveries";
import { findWebhookEndpoints } from "@/lib/webhooks/find-webhook-endpoints";
import { recordWebhookEvent, type TWebhookEventInput } from "@/lib/webhooks/record-webhook-event";
import { retryWebhookDelivery } from "@/lib/webhooks/retry-webhook-delivery";
import { rotateWebhookSecret } from "@/lib/webhooks/rotate-webhook-secret";
import { webhookUrlProblem, ZWebhookEndpointCreateInput, ZWebhookEndpointUpdate } from "@/lib/webhooks/schemas";
import { verifyWebhookSignature } from "@/lib/webhooks/sign-webhook";
import { updateWebhookEndpoint } from "@/lib/webhooks/update-webhook-endpoint";
import { adminContext } from "./catalog-helpers";
import { createCustomer, createUsageAlert } from "./factories";
import { freePort } from "./global-setup";
import { createUsageMeter } from "./usage-helpers";

type TReceived = { method: string; path: string; headers: IncomingHttpHeaders; body: string };
/** What the receiver answers to one request; "hang" never answers. */
type TAnswer = { status: number; body?: string; headers?: Record<string, string> } | "hang";

/** A webhook receiver: records every request, answers from `answers` in turn, then `fallback`. */
async function startReceiver() {
  const requests: TReceived[] = [];
  const answers: TAnswer[] = [];
  const state = { fallback: { status: 200, body: "ok" } as TAnswer };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      requests.push({ method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      const answer = answers.shift() ?? state.fallback;
      if (answer === "hang") return;
      response.writeHead(answer.status, { "content-type": "text/plain", ...answer.headers });
      response.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/tally`,
    answers,
    state,
    /** The requests carrying this event (other files' events may reach this receiver too). */
    of: (eventId: string) => requests.filter((request) => request.headers["tally-event-id"] === eventId),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type TReceiver = Awaited<ReturnType<typeof startReceiver>>;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function receiver(): Promise<TReceiver> {
  const started = await startReceiver();
  cleanups.push(started.close);
  return started;
}

async function endpoint(context: TAuditContext, url: string, eventTypes: string[] = ["usage.threshold_crossed"]) {
  const created = await createWebhookEndpoint(ZWebhookEndpointCreateInput.parse({ url, description: "tests", eventTypes }), context);
  // Deleting the endpoint deletes its deliveries: nothing of this test stays for other files to send.
  cleanups.push(() => db.webhookEndpoint.deleteMany({ where: { id: created.id } }));
  return created;
}

const newEventId = () => `evt_test_${randomUUID().replaceAll("-", "")}`;

/** Records one event in a transaction of its own; returns its id and this endpoint's delivery. */
async function recordEvent(endpointId: string, event: Partial<TWebhookEventInput> = {}) {
  const eventId = event.eventId ?? newEventId();
  await db.$transaction((tx) => recordWebhookEvent(tx, { type: "usage.threshold_crossed", data: { threshold_percent: 90 }, ...event, eventId }));
  const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { endpointId_eventId: { endpointId, eventId } } });
  return { eventId, delivery };
}

const reload = (id: string) => db.webhookDelivery.findUniqueOrThrow({ where: { id } });
const SECOND = 1_000;

describe("recordWebhookEvent + deliverWebhooks", () => {
  it("queues the alert's delivery in the alert's transaction and delivers it once, signed, with its headers; the alert is marked", async () => {
    const context = await adminContext();
    const hook = await receiver();
    const target = await endpoint(context, hook.url);
    const customer = await createCustomer();
    const meter = await createUsageMeter("SUM");
    const eventId = newEventId();
    const createdAt = new Date("2026-11-21T10:15:00.000Z");

    const { alert, queued } = await db.$transaction(async (tx) => {
      const alert = await createUsageAlert({ customerId: customer.id, meterId: meter.id }, tx);
      const queued = await recordWebhookEvent(tx, {
        type: "usage.threshold_crossed",
        eventId,
        customerId: customer.id,
        usageAlertId: alert.id,
        createdAt,
        data: { alert_id: alert.id, threshold_percent: 90, usage: "900", included: "1000" },
      });
      return { alert, queued };
    });
    expect(queued).toBeGreaterThanOrEqual(1); // other files' enabled endpoints get one too
    const delivery = await db.webhookDelivery.findUniqueOrThrow({ where: { endpointId_eventId: { endpointId: target.id, eventId } } });
    expect(delivery).toMatchObject({ status: "PENDING", attempts: 0, customerId: customer.id, usageAlertId: alert.id, eventType: "usage.threshold_crossed" });

    expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 1, retried: 0, failed: 0 });

    const received = hook.of(eventId);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request).toMatchObject({ method: "POST", path: "/hooks/tally" });
    expect(request?.headers).toMatchObject({
      "content-type": "application/json",
      "tally-event-id": eventId,
      "tally-event-type": "usage.threshold_crossed",
      "user-agent": "Tally-Webhooks/1.0",
    });
    // The signature covers the raw body, with the endpoint's secret, at about now.
    const signature = String(request?.headers["tally-signature"]);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(signature, request?.body ?? "", target.secret)).toBe(true);
    expect(() => verifyWebhookSignature(signature, request?.body ?? "", `${target.secret}x`)).toThrow(/no signature matches/);
    expect(JSON.parse(request?.body ?? "")).toEqual({
      id: eventId,
      type: "usage.threshold_crossed",
      created: Math.floor(createdAt.getTime() / SECOND),
      data: { alert_id: alert.id, threshold_percent: 90, usage: "900", included: "1000" },
    });

    const sent = await reload(delivery.id);
    expect(sent).toMatchObject({ status: "SENT", attempts: 1, lastStatusCode: 200, lastError: null });
    expect(sent.deliveredAt).toBeInstanceOf(Date);
    expect((await db.usageAlert.findUniqueOrThrow({ where: { id: alert.id } })).webhookDeliveredAt).toEqual(sent.deliveredAt);

    // Delivered means done: another pass sends nothing.
    expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.of(eventId)).toHaveLength(1);
  });

  it("retries a 500 with backoff (status and the start of the body kept), and delivers once the next attempt is due", async () => {
    const context = await adminContext();
    const hook = await receiver();
    const target = await endpoint(context, hook.url);
    const { eventId, delivery } = await recordEvent(target.id);
    const answer = `database is down ${"x".repeat(500)}`;
    hook.answers.push({ status: 500, body: answer });

    const now = new Date();
    expect(await deliverWebhooks({ now, deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const retrying = await reload(delivery.id);
    expect(retrying).toMatchObject({ status: "PENDING", attempts: 1, lastStatusCode: 500, lastAttemptAt: now, deliveredAt: null });
    expect(retrying.lastError).toBe(`HTTP 500: ${answer.slice(0, 200)}`); // the body's first 200 characters
    // The first retry waits 30 s, less up to a quarter (jitter).
    expect(retrying.nextAttemptAt.getTime() - now.getTime()).toBeGreaterThanOrEqual(22.5 * SECOND);
    expect(retrying.nextAttemptAt.getTime() - now.getTime()).toBeLessThanOrEqual(30 * SECOND);

    // Not due yet: nothing is sent.
    expect(await deliverWebhooks({ now: new Date(now.getTime() + 20 * SECOND), deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect(hook.of(eventId)).toHaveLength(1);

    const later = new Date(retrying.nextAttemptAt.getTime() + 1);
    expect(await deliverWebhooks({ now: later, deliveryIds: [delivery.id] })).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await reload(delivery.id)).toMatchObject({ status: "SENT", attempts: 2, lastStatusCode: 200, lastError: null, deliveredAt: later });
    const bodies = hook.of(eventId).map((request) => request.body);
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]); // the same envelope each time, signed afresh
  });

  it("retries a receiver that never answers (timeout), one that refuses the connection, and a redirect it does not follow", async () => {
    const context = await adminContext();
    const hook = await receiver();
    hook.answers.push("hang");
    const slow = await endpoint(context, hook.url);
    const closed = await endpoint(context, `http://127.0.0.1:${await freePort()}/hooks`);
    const redirecting = await receiver();
    redirecting.state.fallback = { status: 302, headers: { location: "https://elsewhere.example/hooks" } };
    const moved = await endpoint(context, redirecting.url);
    const eventId = newEventId();
    await db.$transaction((tx) => recordWebhookEvent(tx, { type: "usage.threshold_crossed", eventId, data: {} }));
    const deliveries = await db.webhookDelivery.findMany({ where: { eventId, endpointId: { in: [slow.id, closed.id, moved.id] } } });
    expect(deliveries).toHaveLength(3);

    const startedAt = performance.now();
    expect(await deliverWebhooks({ timeoutMs: 300, deliveryIds: deliveries.map((delivery) => delivery.id) })).toEqual({ delivered: 0, retried: 3, failed: 0 });
    expect(performance.now() - startedAt).toBeLessThan(5 * SECOND);

    const byEndpoint = new Map((await db.webhookDelivery.findMany({ where: { eventId } })).map((row) => [row.endpointId, row]));
    expect(byEndpoint.get(slow.id)).toMatchObject({ status: "PENDING", attempts: 1, lastStatusCode: null, lastError: "timed out after 300 ms" });
    expect(hook.of(eventId)).toHaveLength(1);
    expect(byEndpoint.get(closed.id)).toMatchObject({ status: "PENDING", attempts: 1, lastStatusCode: null });
    expect(byEndpoint.get(closed.id)?.lastError).toMatch(/ECONNREFUSED/);
    expect(byEndpoint.get(moved.id)).toMatchObject({ status: "PENDING", attempts: 1, lastStatusCode: 302, lastError: "HTTP 302: redirect to https://elsewhere.example/hooks not followed" });
    expect(redirecting.of(eventId)).toHaveLength(1);
    for (const row of byEndpoint.values()) expect(row.lastError).not.toMatch(/\n\s+at /); // no stacks
  });

  it("fails a delivery after maxAttempts; an admin's retry makes it due now, it is delivered, and the retry is audited", async () => {
    const context = await adminContext();
    const hook = await receiver();
    hook.state.fallback = { status: 503, body: "maintenance" };
    const target = await endpoint(context, hook.url);
    const { eventId, delivery } = await recordEvent(target.id);

    const first = new Date();
    expect(await deliverWebhooks({ now: first, maxAttempts: 2, deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 1, failed: 0 });
    const second = new Date((await reload(delivery.id)).nextAttemptAt.getTime() + 1);
    expect(await deliverWebhooks({ now: second, maxAttempts: 2, deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 0, failed: 1 });
    const failed = await reload(delivery.id);
    expect(failed).toMatchObject({ status: "FAILED", attempts: 2, lastStatusCode: 503, lastError: "HTTP 503: maintenance", deliveredAt: null });
    // Failed is final for the passes, however late.
    expect(await deliverWebhooks({ now: new Date(second.getTime() + 86_400 * SECOND), deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 0, failed: 0 });
    expect((await findWebhookDeliveries({ status: "FAILED", endpointId: target.id })).deliveries.map((row) => row.id)).toEqual([delivery.id]);

    hook.state.fallback = { status: 204 };
    const retried = await retryWebhookDelivery(delivery.id, context);
    expect(retried.status).toBe("PENDING");
    expect(await reload(delivery.id)).toMatchObject({ status: "PENDING", nextAttemptAt: retried.nextAttemptAt });
    expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(await reload(delivery.id)).toMatchObject({ status: "SENT", attempts: 3, lastStatusCode: 204, lastError: null });
    expect(hook.of(eventId)).toHaveLength(3);

    const audit = await db.auditLog.findMany({ where: { entityType: "webhook_delivery", entityId: delivery.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: "webhook_delivery.retried", requestId: context.requestId, before: { status: "FAILED", attempts: 2 }, after: { status: "PENDING" } });

    // A delivered one is not retried; an unknown one is not found.
    await expect(retryWebhookDelivery(delivery.id, context)).rejects.toMatchObject({ code: "conflict" });
    await expect(retryWebhookDelivery(randomUUID(), context)).rejects.toMatchObject({ code: "not_found" });
  });

  it("delivers each event once when two passes run at the same time", async () => {
    const context = await adminContext();
    const hook = await receiver();
    const target = await endpoint(context, hook.url);
    const events = await Promise.all(Array.from({ length: 6 }, () => recordEvent(target.id)));
    const deliveryIds = events.map((event) => event.delivery.id);

    const results = await Promise.all([deliverWebhooks({ deliveryIds, concurrency: 2 }), deliverWebhooks({ deliveryIds, concurrency: 2 })]);
    expect(results[0].delivered + results[1].delivered).toBe(6);
    for (const { eventId } of events) expect(hook.of(eventId)).toHaveLength(1);
    const rows = await db.webhookDelivery.findMany({ where: { id: { in: deliveryIds } } });
    expect(rows.map((row) => [row.status, row.attempts])).toEqual(rows.map(() => ["SENT", 1]));
  });

  it("queues nothing for an endpoint not subscribed to the type, a disabled one, a rolled-back transaction, or an event recorded twice", async () => {
    const context = await adminContext();
    const hook = await receiver();
    const subscribed = await endpoint(context, hook.url);
    const otherType = await endpoint(context, hook.url, ["invoice.finalized"]);
    const disabled = await endpoint(context, hook.url);
    await updateWebhookEndpoint(disabled.id, { enabled: false }, context);
    const ours = [subscribed.id, otherType.id, disabled.id];

    const { eventId } = await recordEvent(subscribed.id);
    expect((await db.webhookDelivery.findMany({ where: { eventId, endpointId: { in: ours } } })).map((row) => row.endpointId)).toEqual([subscribed.id]);

    // The same event id again (a retried job): nothing new for anyone.
    expect(await db.$transaction((tx) => recordWebhookEvent(tx, { type: "usage.threshold_crossed", eventId, data: { again: true } }))).toBe(0);
    expect(await db.webhookDelivery.count({ where: { eventId, endpointId: { in: ours } } })).toBe(1);

    const rolledBack = newEventId();
    await expect(
      db.$transaction(async (tx) => {
        expect(await recordWebhookEvent(tx, { type: "usage.threshold_crossed", eventId: rolledBack, data: {} })).toBeGreaterThanOrEqual(1);
        throw new Error("the alert could not be recorded");
      }),
    ).rejects.toThrow("the alert could not be recorded");
    expect(await db.webhookDelivery.count({ where: { eventId: rolledBack } })).toBe(0);
  });

  it("fails, without sending, what was queued for an endpoint disabled since; after enabling it, a retry delivers", async () => {
    const context = await adminContext();
    const hook = await receiver();
    const target = await endpoint(context, hook.url);
    const { eventId, delivery } = await recordEvent(target.id);
    await updateWebhookEndpoint(target.id, { enabled: false }, context);

    expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 0, retried: 0, failed: 1 });
    expect(await reload(delivery.id)).toMatchObject({ status: "FAILED", attempts: 0, lastError: "endpoint disabled", lastAttemptAt: null });
    expect(hook.of(eventId)).toHaveLength(0);
    await expect(retryWebhookDelivery(delivery.id, context)).rejects.toMatchObject({ code: "conflict", message: expect.stringContaining("disabled") });

    await updateWebhookEndpoint(target.id, { enabled: true }, context);
    await retryWebhookDelivery(delivery.id, context);
    expect(await deliverWebhooks({ deliveryIds: [delivery.id] })).toEqual({ delivered: 1, retried: 0, failed: 0 });
    expect(hook.of(eventId)).toHaveLength(1);
  });
});

describe("webhook endpoints (admin)", () => {
  it("creates, updates, rotates and deletes, each with its audit entry and never the secret in it", async () => {
    const context = await adminContext();
    const created = await createWebhookEndpoint(
      ZWebhookEndpointCreateInput.parse({ url: " https://example.com/hooks ", description: "", eventTypes: ["invoice.finalized", "usage.threshold_crossed", "invoice.finalized"] }),
      context,
    );
    cleanups.push(() => db.webhookEndpoint.deleteMany({ where: { id: created.id } }));
    expect(created).toMatchObject({ url: "https://example.com/hooks", description: null, eventTypes: ["usage.threshold_crossed", "invoice.finalized"], disabledAt: null });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect((await findWebhookEndpoints()).find((row) => row.id === created.id)).toMatchObject({ secret: created.secret, pendingDeliveries: 0, failedDeliveries: 0 });

    const disabled = await updateWebhookEndpoint(created.id, ZWebhookEndpointUpdate.parse({ enabled: false, description: "paused" }), context);
    expect(disabled.disabledAt).toBeInstanceOf(Date);
    expect(disabled.description).toBe("paused");
    // Nothing to change: no write, no audit entry.
    await updateWebhookEndpoint(created.id, ZWebhookEndpointUpdate.parse({ enabled: false }), context);
    const rotated = await rotateWebhookSecret(created.id, context);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.secret).toMatch(/^whsec_/);
    await deleteWebhookEndpoint(created.id, context);
    expect(await db.webhookEndpoint.findUnique({ where: { id: created.id } })).toBeNull();

    const audit = await db.auditLog.findMany({ where: { entityType: "webhook_endpoint", entityId: created.id }, orderBy: { id: "asc" } });
    expect(audit.map((entry) => entry.action)).toEqual(["webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.secret_rotated", "webhook_endpoint.deleted"]);
    expect(audit.every((entry) => entry.actorKind === "USER" && entry.requestId === context.requestId)).toBe(true);
    expect(audit[0]?.after).toMatchObject({ url: "https://example.com/hooks", eventTypes: ["usage.threshold_crossed", "invoice.finalized"] });
    expect(audit[1]).toMatchObject({ before: { disabledAt: null, description: null }, after: { description: "paused" } });
    expect((audit[1]?.after as { disabledAt: string }).disabledAt).toBe(disabled.disabledAt?.toISOString());
    const everything = JSON.stringify(audit.map((entry) => [entry.before, entry.after]));
    expect(everything).not.toContain(created.secret);
    expect(everything).not.toContain(rotated.secret);
    expect(everything).not.toContain("whsec_");

    for (const run of [() => updateWebhookEndpoint(created.id, { enabled: true }, context), () => deleteWebhookEndpoint(created.id, context), () => rotateWebhookSecret(created.id, context)]) {
      const error = await run().catch((failure: unknown) => failure);
      expect(isAppError(error) && error.code).toBe("not_found");
    }
  });

  it("accepts http(s) URLs only, https in production except to localhost, and at least one known event type", () => {
    expect(webhookUrlProblem("https://example.com/hooks", { production: true })).toBeNull();
    expect(webhookUrlProblem("http://localhost:4000/hooks", { production: true })).toBeNull();
    expect(webhookUrlProblem("http://127.0.0.1:4000/hooks", { production: true })).toBeNull();
    expect(webhookUrlProblem("http://[::1]:4000/hooks", { production: true })).toBeNull();
    expect(webhookUrlProblem("http://example.com/hooks", { production: true })).toMatch(/https/);
    expect(webhookUrlProblem("http://example.com/hooks", { production: false })).toBeNull();
    expect(webhookUrlProblem("ftp://example.com/hooks", { production: false })).toMatch(/https:\/\/ or http:\/\//);
    expect(webhookUrlProblem("example.com/hooks", { production: false })).toMatch(/full URL/);
    expect(webhookUrlProblem("https://user:pass@example.com/hooks", { production: false })).toMatch(/credentials/);

    const refused = ZWebhookEndpointCreateInput.safeParse({ url: "mailto:ops@example.com", eventTypes: ["usage.exploded"] });
    expect(refused.error?.issues.map((issue) => [issue.path.join("/"), issue.message])).toEqual([
      ["url", "The URL must start with https:// or http://."],
      ["eventTypes/0", "Unknown event type."],
    ]);
    expect(ZWebhookEndpointCreateInput.safeParse({ url: "https://example.com", eventTypes: [] }).error?.issues[0]?.message).toBe("Choose at least one event type.");
    expect(ZWebhookEndpointUpdate.safeParse({}).error?.issues[0]?.message).toBe("Nothing to change.");
  });
});
