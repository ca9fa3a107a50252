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
