// Fault injection (`/_emulator/faults`): errors, delays and dropped connections, as a client of
// the emulator sees them through the official SDK.
import { request } from "node:http";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { encodeForm } from "../../tools/stripe-emulator/core/form";
import { startTestEmulator, TEST_SECRET_KEY, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
});

const params: Stripe.WebhookEndpointCreateParams = { url: "https://tally.example/hooks", enabled_events: ["*"] };

async function endpointCount(): Promise<number> {
  return (await e.stripe.webhookEndpoints.list({ limit: 100 })).data.length;
}

/** A raw form POST, to see exactly what the connection does (the SDK retries a reset connection). */
function rawPost(path: string, body: Record<string, unknown>, idempotencyKey: string): Promise<{ status: number } | { error: NodeJS.ErrnoException }> {
  const text = encodeForm(body);
  return new Promise((resolve) => {
    const outgoing = request(
      `${e.url}${path}`,
      {
        method: "POST",
        headers: {
          authorization: `Bearer ${TEST_SECRET_KEY}`,
          "content-type": "application/x-www-form-urlencoded",
          "content-length": Buffer.byteLength(text),
          "idempotency-key": idempotencyKey,
        },
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve({ status: response.statusCode ?? 0 }));
      },
    );
    outgoing.on("error", (error: NodeJS.ErrnoException) => resolve({ error }));
    outgoing.end(text);
  });
}

describe("error faults", () => {
  it("fail the next N matching calls with a StripeAPIError, write nothing, then let calls through", async () => {
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "error", count: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await e.stripe.webhookEndpoints.create(params).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 500, rawType: "api_error" });
    }
    // The GET is not a POST: untouched by the fault, and it shows nothing was created.
    expect(await endpointCount()).toBe(0);
    const created = await e.stripe.webhookEndpoints.create(params);
    expect(created.id).toMatch(/^we_/);
    expect(await endpointCount()).toBe(1);
  });

  it("can carry another status and error type", async () => {
    await e.control("POST", "/_emulator/faults", {
      path: "/v1/webhook_endpoints",
      action: "error",
      status: 429,
      error_type: "invalid_request_error",
      error_code: "rate_limit",
      message: "Slow down",
    });
    const error = await e.stripe.webhookEndpoints.list().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
    expect(error).toMatchObject({ statusCode: 429, code: "rate_limit", message: "Slow down" });
  });

  it("can be removed one by one, leaving the others", async () => {
    const mine = (await e.control("POST", "/_emulator/faults", { path: "/v1/webhook_endpoints", action: "error", count: 100 })) as { id: string };
    await e.control("POST", "/_emulator/faults", { path: "/v1/customers", action: "error", count: 1 });
    expect(await e.control("DELETE", `/_emulator/faults/${mine.id}`)).toMatchObject({ id: mine.id, deleted: true });
    expect((await e.stripe.webhookEndpoints.create(params)).id).toMatch(/^we_/);
    await expect(e.stripe.customers.create()).rejects.toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(await e.control("DELETE", `/_emulator/faults/${mine.id}`)).toMatchObject({ error: { message: `No fault ${mine.id}` } });
  });

  it("are retried through by an SDK with retries (the failed attempts were not remembered)", async () => {
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "error", count: 1 });
    const created = await e.stripe.webhookEndpoints.create(params, { maxNetworkRetries: 2 });
    expect(created.id).toMatch(/^we_/);
    expect(await endpointCount()).toBe(1);
  });
});

describe("delay faults", () => {
  it("hold the call for at least the delay", async () => {
    await e.control("POST", "/_emulator/faults", { method: "GET", path: "/v1/webhook_endpoints", action: "delay", delay_ms: 300 });
    const started = performance.now();
    await e.stripe.webhookEndpoints.list();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
    // Used up: the next call is not held.
    const again = performance.now();
    await e.stripe.webhookEndpoints.list();
    expect(performance.now() - again).toBeLessThan(300);
  });
});

describe("drop faults", () => {
  it("commit the call, then cut the connection before the answer", async () => {
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "drop" });
    const result = await rawPost("/v1/webhook_endpoints", { url: params.url, enabled_events: params.enabled_events }, "drop-raw-1");
    expect("error" in result && result.error.code).toBe("ECONNRESET");
    const list = await e.stripe.webhookEndpoints.list();
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.url).toBe(params.url);
  });

  it("are recovered by SDK retries: the replay returns the same object and only one exists", async () => {
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "drop" });
    const created = await e.stripeWithRetries.webhookEndpoints.create(params);
    expect(created.lastResponse.headers["idempotent-replayed"]).toBe("true");
    const list = await e.stripe.webhookEndpoints.list();
    expect(list.data.map((endpoint) => endpoint.id)).toEqual([created.id]);
    // The replay is the create response, secret included.
    expect(created.secret).toMatch(/^whsec_/);
  });
});

describe("faults on idempotent replays", () => {
  it("cut the SDK's own retry of a dropped connection too: the caller sees a connection error, the work is done once", async () => {
    // The SDK retries a reset connection once even with retries off, under the same key: a replay.
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "drop", count: 2 });
    const error = await e.stripe.webhookEndpoints.create(params).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(((await e.control("GET", "/_emulator/faults")) as { data: unknown[] }).data).toEqual([]);
    expect(await endpointCount()).toBe(1);
  });

  it("fail a replay without forgetting the key: the next retry gets the original answer", async () => {
    const first = await rawPost("/v1/webhook_endpoints", { url: params.url, enabled_events: params.enabled_events }, "replay-error-1");
    expect(first).toMatchObject({ status: 200 });
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "error", status: 503 });
    expect(await rawPost("/v1/webhook_endpoints", { url: params.url, enabled_events: params.enabled_events }, "replay-error-1")).toMatchObject({ status: 503 });
    expect(await rawPost("/v1/webhook_endpoints", { url: params.url, enabled_events: params.enabled_events }, "replay-error-1")).toMatchObject({ status: 200 });
    expect(await endpointCount()).toBe(1);
  });
});

describe("faults aimed by body_contains", () => {
  it("hit only the calls whose raw body contains the string, and are not used up by the others", async () => {
    const meter = await e.stripe.billing.meters.create({ display_name: "Calls", event_name: "aimed_calls", default_aggregation: { formula: "sum" } });
    const [target, other] = [await e.stripe.customers.create(), await e.stripe.customers.create()];
    await e.control("POST", "/_emulator/faults", { path: "/v1/billing/meter_events", action: "error", count: 2, status: 503, body_contains: target.id });
    const send = (customer: Stripe.Customer, identifier: string) =>
      e.stripe.billing.meterEvents.create({ event_name: meter.event_name, identifier, payload: { stripe_customer_id: customer.id, value: "1" } });

    // The other customer's calls pass, and leave the fault waiting.
    await send(other, "other-1");
    await send(other, "other-2");
    expect(((await e.control("GET", "/_emulator/faults")) as { data: { remaining: number; body_contains: string }[] }).data).toMatchObject([
      { remaining: 2, body_contains: target.id },
    ]);
    for (const identifier of ["target-1", "target-2"]) {
      const error = await send(target, identifier).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
      expect(error).toMatchObject({ statusCode: 503 });
    }
    await send(target, "target-3");
    const recorded = (customer: Stripe.Customer) => e.emulator.store.allMeterEvents().filter((event) => event.customer === customer.id).map((event) => event.identifier);
    expect(recorded(other)).toEqual(["other-1", "other-2"]);
    expect(recorded(target)).toEqual(["target-3"]); // the failed calls wrote nothing
  });

  it("match the raw body as received: a form body percent-encoded, a v2 JSON body as sent", async () => {
    await e.control("POST", "/_emulator/faults", { path: "/v1/webhook_endpoints", action: "error", body_contains: "https://aimed.example" });
    await e.stripe.webhookEndpoints.create({ ...params, url: "https://aimed.example/hooks" }); // the form body has https%3A%2F%2F…: no match
    await e.control("DELETE", "/_emulator/faults");
    await e.control("POST", "/_emulator/faults", { path: "/v1/webhook_endpoints", action: "error", body_contains: "aimed.example" });
    const error = await e.stripe.webhookEndpoints.create({ ...params, url: "https://aimed.example/other" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(await endpointCount()).toBe(1);

    const meter = await e.stripe.billing.meters.create({ display_name: "Calls", event_name: "aimed_v2", default_aggregation: { formula: "sum" } });
    const [target, other] = [await e.stripe.customers.create(), await e.stripe.customers.create()];
    await e.control("POST", "/_emulator/faults", { path: "/v2/billing/meter_events", action: "error", status: 500, body_contains: `"${target.id}"` });
    const send = (customer: Stripe.Customer) => e.stripe.v2.billing.meterEvents.create({ event_name: meter.event_name, payload: { stripe_customer_id: customer.id, value: "1" } });
    await send(other);
    expect(await send(target).catch((caught: unknown) => caught)).toBeInstanceOf(Error);
    await send(target); // used up
  });

  it("refuse an empty string", async () => {
    const refused = await fetch(`${e.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ path: "/v1/customers", action: "error", body_contains: "" }) });
    expect(refused.status).toBe(400);
  });
});

describe("managing faults", () => {
  it("lists waiting faults and removes them on DELETE and on reset", async () => {
    await e.control("POST", "/_emulator/faults", { path: "/v1/webhook_endpoints", action: "error", count: 5 });
    const waiting = (await e.control("GET", "/_emulator/faults")) as { data: { remaining: number; action: string }[] };
    expect(waiting.data).toMatchObject([{ action: "error", remaining: 5 }]);
    await e.control("DELETE", "/_emulator/faults");
    expect(await endpointCount()).toBe(0);

    await e.control("POST", "/_emulator/faults", { path: "/v1/webhook_endpoints", action: "error", count: 5 });
    await e.control("POST", "/_emulator/reset");
    expect(((await e.control("GET", "/_emulator/faults")) as { data: unknown[] }).data).toEqual([]);
    expect(await endpointCount()).toBe(0);
  });

  it("refuses a malformed fault", async () => {
    const response = await fetch(`${e.url}/_emulator/faults`, { method: "POST", body: JSON.stringify({ path: "no-slash", action: "explode" }) });
    expect(response.status).toBe(400);
  });
});
