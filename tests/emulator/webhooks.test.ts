// Webhook endpoints, events and delivery, through the official SDK, with a real HTTP receiver on
// 127.0.0.1. Retry delays are the harness's short schedule ([50, 100, 200] ms).
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { TDelivery } from "../../tools/stripe-emulator/webhooks/dispatcher";
import { validateResponses } from "./contract";
import { startTestEmulator, type TTestEmulator } from "./harness";

type TReceived = { body: string; headers: IncomingHttpHeaders; receivedAt: number; answeredAt?: number };
/** What the receiver answers to its n-th request (0-based): a status (now or later), or "hang". */
type TRespond = (index: number, received: TReceived) => number | "hang" | Promise<number>;

async function startReceiver(respond: TRespond = () => 200) {
  const received: TReceived[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry: TReceived = { body: Buffer.concat(chunks).toString("utf8"), headers: request.headers, receivedAt: performance.now() };
      received.push(entry);
      const answer = respond(received.length - 1, entry);
      if (answer === "hang") return;
      void Promise.resolve(answer).then((status) => {
        entry.answeredAt = performance.now();
        response.writeHead(status, { "content-type": "text/plain" }).end(`answered ${status}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/stripe`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `check` returns a value (not undefined/false), or fails after the deadline. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An object of a type the contract has no schema for, to drive the dispatcher directly. */
const thing = (id: string) => ({ id, object: "emulator_test_thing" });

let e: TTestEmulator;
const receivers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
  await e.control("POST", "/_emulator/config", { webhookRetryDelaysMs: [50, 100, 200], webhookTimeoutMs: 5_000 });
});

async function receiver(respond?: TRespond) {
  const started = await startReceiver(respond);
  receivers.push(started);
  return started;
}

async function deliveries(query = ""): Promise<TDelivery[]> {
  const result = (await e.control("GET", `/_emulator/webhook_deliveries${query}`)) as { data: TDelivery[] };
  return result.data;
}

describe("webhook endpoints", () => {
  it("shows the secret only when created, and supports retrieve, update, list and delete", async () => {
    const created = await e.stripe.webhookEndpoints.create({
      url: "https://tally.example/api/webhooks/stripe",
      enabled_events: ["customer.created", "invoice.paid"],
      description: "Tally",
      metadata: { env: "test" },
      api_version: "2026-10-28.endive",
    });
    expect(created.id).toMatch(/^we_/);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(created).toMatchObject({
      object: "webhook_endpoint",
      status: "enabled",
      url: "https://tally.example/api/webhooks/stripe",
      enabled_events: ["customer.created", "invoice.paid"],
      description: "Tally",
      metadata: { env: "test" },
      api_version: "2026-10-28.endive",
      application: null,
      livemode: false,
    });

    const retrieved = await e.stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    expect(retrieved.url).toBe(created.url);

    const updated = await e.stripe.webhookEndpoints.update(created.id, {
      url: "https://tally.example/hooks",
      enabled_events: ["*"],
      disabled: true,
      description: "",
      metadata: { env: "", team: "billing" },
    });
    expect(updated).toMatchObject({ url: "https://tally.example/hooks", enabled_events: ["*"], status: "disabled", description: null, metadata: { team: "billing" } });
    expect(updated.secret).toBeUndefined();
    expect((await e.stripe.webhookEndpoints.update(created.id, { disabled: false })).status).toBe("enabled");

    const second = await e.stripe.webhookEndpoints.create({ url: "http://127.0.0.1:1/x", enabled_events: ["*"] });
    expect(second.api_version).toBeNull();
    const list = await e.stripe.webhookEndpoints.list();
    expect(list.data.map((endpoint) => endpoint.id)).toEqual([second.id, created.id]);
    expect(list.data.every((endpoint) => endpoint.secret === undefined)).toBe(true);

    expect(await e.stripe.webhookEndpoints.del(created.id)).toEqual({ id: created.id, object: "webhook_endpoint", deleted: true });
    const missing = await e.stripe.webhookEndpoints.retrieve(created.id).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("refuses a bad url, an empty or malformed event list, and unknown parameters", async () => {
    const badUrl = await e.stripe.webhookEndpoints.create({ url: "not a url", enabled_events: ["*"] }).catch((error: unknown) => error);
    expect(badUrl).toMatchObject({ statusCode: 400, param: "url" });
    const badEvent = await e.stripe.webhookEndpoints
      .create({ url: "https://x.example", enabled_events: ["Not An Event" as "*"] })
      .catch((error: unknown) => error);
    expect(badEvent).toMatchObject({ statusCode: 400, param: "enabled_events[0]" });
    const missing = await e.stripe.webhookEndpoints.create({ url: "https://x.example" } as Stripe.WebhookEndpointCreateParams).catch((error: unknown) => error);
    expect(missing).toMatchObject({ statusCode: 400, param: "enabled_events", code: "parameter_missing" });
    const unknown = await e.stripe.webhookEndpoints
      .create({ url: "https://x.example", enabled_events: ["*"], colour: "blue" } as Stripe.WebhookEndpointCreateParams)
      .catch((error: unknown) => error);
    expect(unknown).toMatchObject({ statusCode: 400, param: "colour" });
    expect((await e.stripe.webhookEndpoints.list()).data).toEqual([]);
  });
});

describe("webhook delivery", () => {
  it("POSTs each matching event as JSON with a signature the SDK verifies", async () => {
    const hook = await receiver();
    const endpoint = await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["customer.created"] });
    const other = await receiver();
    await e.stripe.webhookEndpoints.create({ url: other.url, enabled_events: ["invoice.paid"] });

    const event = e.emulator.emit("customer.created", thing("thing_1"));
    expect(event.pending_webhooks).toBe(1);
    await until(() => hook.received.length === 1);

    const [delivery] = hook.received;
    expect(delivery?.headers["content-type"]).toBe("application/json; charset=utf-8");
    const header = String(delivery?.headers["stripe-signature"]);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const verified = e.stripe.webhooks.constructEvent(delivery?.body ?? "", header, endpoint.secret ?? "");
    expect(verified.id).toBe(event.id);
    expect(verified.type).toBe("customer.created");
    expect(verified.data.object).toEqual(thing("thing_1"));
    // A tampered body or another secret fails verification.
    expect(() => e.stripe.webhooks.constructEvent(`${delivery?.body ?? ""} `, header, endpoint.secret ?? "")).toThrow(Stripe.errors.StripeSignatureVerificationError);
    expect(() => e.stripe.webhooks.constructEvent(delivery?.body ?? "", header, "whsec_other")).toThrow(Stripe.errors.StripeSignatureVerificationError);

    // The invoice.paid endpoint never heard of it; the event is fully delivered.
    await until(async () => (await e.stripe.events.retrieve(event.id)).pending_webhooks === 0);
    expect(other.received).toHaveLength(0);
  });

  it("delivers events caused by API requests without holding the request, linked to it", async () => {
    const hook = await receiver((index) => (index === 0 ? "hang" : 200));
    const endpoint = await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["customer.created"] });
    // The receiver never answers the first delivery, yet the create call returns.
    const customer = await e.stripe.customers.create({ email: "ada@tally.example" }, { idempotencyKey: "create-ada" });
    await until(() => hook.received.length === 1);
    const delivered = e.stripe.webhooks.constructEvent(hook.received[0]?.body ?? "", String(hook.received[0]?.headers["stripe-signature"]), endpoint.secret ?? "");
    expect(delivered.type).toBe("customer.created");
    expect(delivered.data.object).toMatchObject({ id: customer.id, object: "customer", email: "ada@tally.example" });
    expect(delivered.request).toEqual({ id: customer.lastResponse.requestId, idempotency_key: "create-ada" });
    expect(delivered.pending_webhooks).toBe(1);
    // The payload holds to the same contract as GET /v1/events/:id.
    expect(validateResponses([{ method: "GET", path: `/v1/events/${delivered.id}`, status: 200, body: JSON.parse(hook.received[0]?.body ?? "{}") }])).toEqual([]);
  });

  it("dates test clock events in simulated time but delivers them now", async () => {
    const hook = await receiver();
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["customer.created"] });
    // 2024-01-01T00:00:00Z
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: 1_704_067_200 });
    const customer = await e.stripe.customers.create({ test_clock: clock.id });
    await until(() => hook.received.length === 1);
    const delivered = JSON.parse(hook.received[0]?.body ?? "{}") as Stripe.Event;
    expect(delivered.data.object).toMatchObject({ id: customer.id });
    expect(delivered.created).toBe(1_704_067_200);
    const signedAt = Number(/^t=(\d+)/.exec(String(hook.received[0]?.headers["stripe-signature"]))?.[1]);
    expect(Math.abs(signedAt - Date.now() / 1000)).toBeLessThan(5);
  });

  it("keeps thin (v2) events away from classic endpoints and from /v1/events", async () => {
    const hook = await receiver();
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    const thin = e.emulator.emit("v1.billing.meter.no_meter_found", thing("thing_thin"));
    const snapshot = e.emulator.emit("customer.created", thing("thing_snapshot"));
    expect(thin.pending_webhooks).toBe(0);
    await until(() => hook.received.length === 1);
    expect((JSON.parse(hook.received[0]?.body ?? "{}") as Stripe.Event).id).toBe(snapshot.id);
    expect((await e.stripe.events.list()).data.map((event) => event.id)).toEqual([snapshot.id]);
    expect(await e.stripe.events.retrieve(thin.id).catch((error: unknown) => error)).toMatchObject({ statusCode: 404 });
  });

  it("delivers to every endpoint that listens, '*' included, and skips disabled ones", async () => {
    const all = await receiver();
    const some = await receiver();
    const disabled = await receiver();
    await e.stripe.webhookEndpoints.create({ url: all.url, enabled_events: ["*"] });
    await e.stripe.webhookEndpoints.create({ url: some.url, enabled_events: ["product.created"] });
    const off = await e.stripe.webhookEndpoints.create({ url: disabled.url, enabled_events: ["*"] });
    await e.stripe.webhookEndpoints.update(off.id, { disabled: true });

    const first = e.emulator.emit("customer.created", thing("thing_a"));
    const second = e.emulator.emit("product.created", thing("thing_b"));
    // "*" endpoint: both; product endpoint: one; disabled: none.
    expect([first.pending_webhooks, second.pending_webhooks]).toEqual([1, 2]);
    await until(() => all.received.length === 2 && some.received.length === 1);
    expect(all.received.map((received) => (JSON.parse(received.body) as Stripe.Event).id)).toEqual([first.id, second.id]);
    expect((JSON.parse(some.received[0]?.body ?? "{}") as Stripe.Event).id).toBe(second.id);
    expect(disabled.received).toHaveLength(0);
  });

  it("keeps the emission order per endpoint: the next event waits for the slow answer to the previous", async () => {
    // Every other answer takes 60 ms.
    const hook = await receiver((index) => (index % 2 === 0 ? new Promise((resolve) => setTimeout(() => resolve(200), 60)) : 200));
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    const ids = Array.from({ length: 6 }, (_, index) => e.emulator.emit("customer.updated", thing(`thing_${index}`)).id);
    await until(() => hook.received.length === 6);
    expect(hook.received.map((received) => (JSON.parse(received.body) as Stripe.Event).id)).toEqual(ids);
    for (let index = 1; index < hook.received.length; index += 1) {
      expect(hook.received[index]?.receivedAt).toBeGreaterThanOrEqual(hook.received[index - 1]?.answeredAt ?? Infinity);
    }
  });

  it("retries a non-2xx answer on the retry schedule, then records the success", async () => {
    // 500, 503, then 200: three attempts, the event is delivered after the third.
    const hook = await receiver((index) => [500, 503][index] ?? 200);
    const endpoint = await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    const event = e.emulator.emit("invoice.paid", thing("thing_retry"));

    const [delivery] = await until(async () => {
      const log = await deliveries(`?event=${event.id}`);
      return log[0]?.state === "succeeded" ? log : undefined;
    });
    expect(delivery?.attempts.map((attempt) => attempt.status)).toEqual([500, 503, 200]);
    expect(delivery?.attempts.map((attempt) => attempt.error)).toEqual(["HTTP 500", "HTTP 503", null]);
    // Every attempt carries its own valid signature over the exact body sent.
    for (const received of hook.received) {
      expect(e.stripe.webhooks.constructEvent(received.body, String(received.headers["stripe-signature"]), endpoint.secret ?? "").id).toBe(event.id);
    }
    expect((await e.stripe.events.retrieve(event.id)).pending_webhooks).toBe(0);
  });

  it("signs each attempt anew with its own timestamp", async () => {
    await e.control("POST", "/_emulator/config", { webhookRetryDelaysMs: [1_100] });
    const hook = await receiver((index) => (index === 0 ? 500 : 200));
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    e.emulator.emit("invoice.paid", thing("thing_time"));
    await until(() => hook.received.length === 2);
    const timestamps = hook.received.map((received) => Number(/^t=(\d+)/.exec(String(received.headers["stripe-signature"]))?.[1]));
    expect(timestamps[1]).toBeGreaterThan(timestamps[0] ?? Infinity);
  });

  it("gives up after the last retry; the event stays pending and delivery_success=false finds it", async () => {
    const hook = await receiver(() => 500);
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    const failing = e.emulator.emit("invoice.payment_failed", thing("thing_fail"));

    // 1 attempt + 3 retries ([50, 100, 200] ms) = 4, then nothing more.
    const [delivery] = await until(async () => {
      const log = await deliveries(`?event=${failing.id}`);
      return log[0]?.state === "failed" ? log : undefined;
    });
    expect(delivery?.attempts).toHaveLength(4);
    expect(delivery?.nextAttemptAt).toBeNull();
    expect(hook.received).toHaveLength(4);

    const undelivered = await e.stripe.events.list({ delivery_success: false });
    expect(undelivered.data.map((event) => event.id)).toEqual([failing.id]);
    expect(undelivered.data[0]?.pending_webhooks).toBe(1);
    expect((await e.stripe.events.list({ delivery_success: true })).data).toEqual([]);
  });

  it("counts a timeout and a refused connection as failures and retries them", async () => {
    await e.control("POST", "/_emulator/config", { webhookTimeoutMs: 200 });
    const slow = await receiver((index) => (index === 0 ? "hang" : 200));
    await e.stripe.webhookEndpoints.create({ url: slow.url, enabled_events: ["customer.created"] });
    const closed = await startReceiver();
    await closed.close();
    await e.stripe.webhookEndpoints.create({ url: closed.url, enabled_events: ["customer.created"] });

    const event = e.emulator.emit("customer.created", thing("thing_timeout"));
    const log = await until(async () => {
      const entries = await deliveries(`?event=${event.id}`);
      return entries.every((entry) => entry.state !== "pending") ? entries : undefined;
    });
    const bySlow = log.find((entry) => entry.url === slow.url);
    const byClosed = log.find((entry) => entry.url === closed.url);
    expect(bySlow?.state).toBe("succeeded");
    expect(bySlow?.attempts.map((attempt) => attempt.error)).toEqual(["timed out after 200 ms", null]);
    expect(byClosed?.state).toBe("failed");
    expect(byClosed?.attempts).toHaveLength(4);
    expect(byClosed?.attempts[0]?.error).toMatch(/ECONNREFUSED/);
    // One of the two endpoints got it.
    expect((await e.stripe.events.retrieve(event.id)).pending_webhooks).toBe(1);
  });

  it("never holds up the emitter: a hanging receiver leaves the delivery pending", async () => {
    const hook = await receiver(() => "hang");
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    const started = Date.now();
    const event = e.emulator.emit("customer.created", thing("thing_async"));
    expect(Date.now() - started).toBeLessThan(50);
    await until(() => hook.received.length === 1);
    expect((await deliveries(`?event=${event.id}`))[0]?.state).toBe("pending");
    // Another API call answers while the receiver still hangs.
    expect((await e.stripe.events.retrieve(event.id)).pending_webhooks).toBe(1);
  });

  it("forgets deliveries on reset", async () => {
    const hook = await receiver(() => 500);
    await e.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    e.emulator.emit("customer.created", thing("thing_reset"));
    await until(() => hook.received.length >= 1);
    await e.control("POST", "/_emulator/reset");
    expect(await deliveries()).toEqual([]);
    const count = hook.received.length;
    // The retry that was due in 50 ms never comes: wait past the whole schedule (350 ms).
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(hook.received).toHaveLength(count);
  });

  it("stops delivering when the emulator stops", async () => {
    const other = await startTestEmulator();
    const hook = await receiver(() => 500);
    await other.stripe.webhookEndpoints.create({ url: hook.url, enabled_events: ["*"] });
    other.emulator.emit("customer.created", thing("thing_stop"));
    await until(() => hook.received.length >= 1);
    await other.close();
    // Without the stop, retries would follow at 50, 150 and 350 ms (4 requests in all).
    const count = hook.received.length;
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(hook.received).toHaveLength(count);
    expect(count).toBeLessThan(4);
  });
});

describe("events", () => {
  it("lists newest first with type, types[], wildcard and created filters, and retrieves by id", async () => {
    const a = e.emulator.emit("customer.created", thing("thing_1"));
    const b = e.emulator.emit("customer.updated", thing("thing_1"), { previousAttributes: { name: null } });
    const c = e.emulator.emit("invoice.paid", thing("thing_2"));

    expect((await e.stripe.events.list()).data.map((event) => event.id)).toEqual([c.id, b.id, a.id]);
    expect((await e.stripe.events.list({ type: "customer.created" })).data.map((event) => event.id)).toEqual([a.id]);
    expect((await e.stripe.events.list({ type: "customer.*" })).data.map((event) => event.id)).toEqual([b.id, a.id]);
    expect((await e.stripe.events.list({ types: ["invoice.paid", "customer.created"] })).data.map((event) => event.id)).toEqual([c.id, a.id]);
    expect((await e.stripe.events.list({ created: { gte: a.created } })).data).toHaveLength(3);
    expect((await e.stripe.events.list({ created: { lt: a.created } })).data).toHaveLength(0);
    expect((await e.stripe.events.list({ limit: 2 })).has_more).toBe(true);

    const retrieved = await e.stripe.events.retrieve(b.id);
    expect(retrieved).toMatchObject({
      id: b.id,
      object: "event",
      api_version: "2026-10-28.endive",
      livemode: false,
      pending_webhooks: 0,
      type: "customer.updated",
      data: { object: thing("thing_1"), previous_attributes: { name: null } },
      request: { id: null, idempotency_key: null },
    });

    const both = await e.stripe.events.list({ type: "invoice.paid", types: ["invoice.paid"] }).catch((error: unknown) => error);
    expect(both).toMatchObject({ statusCode: 400, param: "types" });
    const missing = await e.stripe.events.retrieve("evt_missing").catch((error: unknown) => error);
    expect(missing).toMatchObject({ statusCode: 404, code: "resource_missing", message: "No such event: 'evt_missing'" });
  });
});
