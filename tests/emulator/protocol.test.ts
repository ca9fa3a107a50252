// Stripe's wire protocol as the official SDK sees it (SEMANTICS.md §0, §9–§12): authentication,
// unknown parameters, idempotency, pagination, expand, unknown URLs and request ids. Webhook
// endpoints are the resource to page; prices and products the ones to expand. Raw HTTP only
// where the point is the wire itself.
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sdkFor, startTestEmulator, TEST_SECRET_KEY, type TTestEmulator } from "./harness";

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

const endpointParams = (n: number): Stripe.WebhookEndpointCreateParams => ({ url: `https://tally.example/hooks/${n}`, enabled_events: ["*"] });

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

describe("authentication", () => {
  it("refuses a wrong key with 401 StripeAuthenticationError", async () => {
    const error = await caught(sdkFor(e.url, {}, "sk_test_not_the_right_key").webhookEndpoints.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({ statusCode: 401, type: "StripeAuthenticationError" });
  });

  it("refuses a request without a key", async () => {
    const response = await fetch(`${e.url}/v1/webhook_endpoints`);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toMatch(/You did not provide an API key/);
  });

  it("accepts the key as Basic auth (key as user name, empty password)", async () => {
    const basic = Buffer.from(`${TEST_SECRET_KEY}:`).toString("base64");
    const response = await fetch(`${e.url}/v1/webhook_endpoints`, { headers: { authorization: `Basic ${basic}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ object: "list", data: [] });
  });
});

describe("parameters", () => {
  it("refuses an unknown parameter with 400 naming it", async () => {
    const error = await caught(e.stripe.webhookEndpoints.create({ ...endpointParams(1), surprise: "yes" } as Stripe.WebhookEndpointCreateParams));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 400, param: "surprise", message: "Received unknown parameter: surprise" });
    const onList = await caught(e.stripe.webhookEndpoints.list({ colour: "red" } as Stripe.WebhookEndpointListParams));
    expect(onList).toMatchObject({ statusCode: 400, param: "colour" });
  });

  it("names a nested unknown parameter in bracket notation", async () => {
    const error = await caught(
      e.stripe.prices.create({ currency: "usd", unit_amount: 100, product_data: { name: "Seat", colour: "red" } } as Stripe.PriceCreateParams),
    );
    expect(error).toMatchObject({ statusCode: 400, param: "product_data[colour]" });
  });
});

describe("idempotency", () => {
  it("replays the first response for the same key, without creating a second object", async () => {
    const first = await e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "replay-1" });
    const second = await e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "replay-1" });
    expect(second.id).toBe(first.id);
    expect(second.secret).toBe(first.secret);
    expect(first.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
    expect(second.lastResponse.headers["idempotent-replayed"]).toBe("true");
    expect((await e.stripe.webhookEndpoints.list()).data).toHaveLength(1);
  });

  it("refuses the same key with other parameters (StripeIdempotencyError)", async () => {
    await e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "mismatch-1" });
    const error = await caught(e.stripe.webhookEndpoints.create(endpointParams(2), { idempotencyKey: "mismatch-1" }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400 });
    expect((await e.stripe.webhookEndpoints.list()).data).toHaveLength(1);
  });

  it("answers 409 to a concurrent request with the same key while the first is in flight", async () => {
    await e.control("POST", "/_emulator/faults", { method: "POST", path: "/v1/webhook_endpoints", action: "delay", delay_ms: 400 });
    const first = e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "concurrent-1" });
    // The first call has taken the fault (it is now being held) once the fault list is empty.
    const deadline = Date.now() + 2_000;
    while (((await e.control("GET", "/_emulator/faults")) as { data: unknown[] }).data.length > 0) {
      if (Date.now() > deadline) throw new Error("the delayed call never arrived");
    }
    const error = await caught(e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "concurrent-1" }));
    expect(error).toMatchObject({ statusCode: 409, code: "idempotency_key_in_use", rawType: "idempotency_error" });
    const created = await first;
    // Once the first finished, the key replays it.
    const replay = await e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "concurrent-1" });
    expect(replay.id).toBe(created.id);
    expect((await e.stripe.webhookEndpoints.list()).data).toHaveLength(1);
  });

  it("does not remember a request that failed validation", async () => {
    const invalid = await caught(e.stripe.webhookEndpoints.create({ url: "nope", enabled_events: ["*"] }, { idempotencyKey: "validation-1" }));
    expect(invalid).toMatchObject({ statusCode: 400, param: "url" });
    // Other parameters with the same key: a fresh request, not an idempotency error.
    const created = await e.stripe.webhookEndpoints.create(endpointParams(1), { idempotencyKey: "validation-1" });
    expect(created.id).toMatch(/^we_/);
    expect(created.lastResponse.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("remembers an error from a request that started executing", async () => {
    // The endpoint ran (parameters were valid) and answered 404: a retry gets the same 404 back.
    const first = await caught(e.stripe.webhookEndpoints.update("we_missing", { description: "x" }, { idempotencyKey: "error-1" }));
    expect(first).toMatchObject({ statusCode: 404, code: "resource_missing" });
    const again = await caught(e.stripe.webhookEndpoints.update("we_missing", { description: "x" }, { idempotencyKey: "error-1" }));
    expect(again).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect((again as Stripe.errors.StripeError).headers?.["idempotent-replayed"]).toBe("true");
  });
});

describe("pagination", () => {
  async function createEndpoints(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let n = 0; n < count; n += 1) ids.push((await e.stripe.webhookEndpoints.create(endpointParams(n))).id);
    return ids.reverse(); // newest first, as Stripe lists
  }

  it("pages with limit, starting_after and ending_before, newest first", async () => {
    const ids = await createEndpoints(25);
    const page1 = await e.stripe.webhookEndpoints.list({ limit: 10 });
    expect(page1).toMatchObject({ object: "list", has_more: true, url: "/v1/webhook_endpoints" });
    expect(page1.data.map((endpoint) => endpoint.id)).toEqual(ids.slice(0, 10));
    const page3 = await e.stripe.webhookEndpoints.list({ limit: 10, starting_after: ids[19] });
    // 25 objects: the third page holds the last 5 and nothing follows.
    expect(page3.data.map((endpoint) => endpoint.id)).toEqual(ids.slice(20));
    expect(page3.has_more).toBe(false);
    const before = await e.stripe.webhookEndpoints.list({ limit: 3, ending_before: ids[10] });
    // The 3 objects just before position 10 (positions 7–9), still newest first; more precede them.
    expect(before.data.map((endpoint) => endpoint.id)).toEqual(ids.slice(7, 10));
    expect(before.has_more).toBe(true);
    expect((await e.stripe.webhookEndpoints.list()).data).toHaveLength(10);
  });

  it("lets the SDK auto-paginate over every object", async () => {
    const ids = await createEndpoints(27);
    const seen: string[] = [];
    for await (const endpoint of e.stripe.webhookEndpoints.list({ limit: 10 })) seen.push(endpoint.id);
    expect(seen).toEqual(ids);
    const all = await e.stripe.webhookEndpoints.list({ limit: 4 }).autoPagingToArray({ limit: 100 });
    expect(all.map((endpoint) => endpoint.id)).toEqual(ids);
  });

  it("refuses both cursors at once and a limit outside 1–100", async () => {
    const ids = await createEndpoints(2);
    const both = await caught(e.stripe.webhookEndpoints.list({ starting_after: ids[0], ending_before: ids[1] }));
    expect(both).toMatchObject({ statusCode: 400, type: "StripeInvalidRequestError" });
    expect((both as Error).message).toMatch(/only specify one of/);
    expect(await caught(e.stripe.webhookEndpoints.list({ limit: 0 }))).toMatchObject({ statusCode: 400, param: "limit" });
    expect(await caught(e.stripe.webhookEndpoints.list({ limit: 101 }))).toMatchObject({ statusCode: 400, param: "limit" });
  });
});

describe("expand", () => {
  async function createPrice() {
    const product = await e.stripe.products.create({ name: "API calls" });
    const price = await e.stripe.prices.create({ currency: "usd", unit_amount: 25, product: product.id });
    return { product, price };
  }

  it("turns an id into the object it names, on retrieve and on create", async () => {
    const { product, price } = await createPrice();
    expect(price.product).toBe(product.id);
    const expanded = await e.stripe.prices.retrieve(price.id, { expand: ["product"] });
    expect(expanded.product).toMatchObject({ id: product.id, object: "product", name: "API calls" });
    const created = await e.stripe.prices.create({ currency: "usd", unit_amount: 30, product: product.id, expand: ["product"] });
    expect(created.product).toMatchObject({ id: product.id, object: "product" });
    // The stored price is untouched.
    expect((await e.stripe.prices.retrieve(price.id)).product).toBe(product.id);
  });

  it("expands inside lists with `data.`", async () => {
    const { product } = await createPrice();
    const list = await e.stripe.prices.list({ expand: ["data.product"] });
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.product).toMatchObject({ id: product.id, object: "product" });
  });

  it("refuses more than four levels and a property that cannot be expanded", async () => {
    const { price } = await createPrice();
    const deep = await caught(e.stripe.prices.retrieve(price.id, { expand: ["product.default_price.product.default_price.product"] }));
    expect(deep).toMatchObject({ statusCode: 400, param: "expand" });
    expect((deep as Error).message).toMatch(/more than 4 levels/);
    const notExpandable = await caught(e.stripe.prices.retrieve(price.id, { expand: ["nickname_nope"] }));
    expect(notExpandable).toMatchObject({ statusCode: 400, param: "expand" });
  });

  it("refuses a too-deep expand before a create runs: nothing is created", async () => {
    const name = `Deep expand ${Date.now()}`;
    const refused = await caught(e.stripe.products.create({ name, expand: ["default_price.product.default_price.product.x"] }));
    expect(refused).toMatchObject({ statusCode: 400, param: "expand" });
    const products = await e.stripe.products.list({ limit: 100 });
    expect(products.data.filter((product) => product.name === name)).toHaveLength(0);
  });
});

describe("URLs and headers", () => {
  it("answers an unknown URL with 404 invalid_request_error", async () => {
    const error = await caught(e.stripe.rawRequest("GET", "/v1/not_a_resource"));
    expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(error).toMatchObject({ statusCode: 404 });
    expect((error as Error).message).toMatch(/Unrecognized request URL \(GET: \/v1\/not_a_resource\)/);
    // A known path with a method it does not take is unknown too.
    const wrongMethod = await fetch(`${e.url}/v1/webhook_endpoints`, { method: "DELETE", headers: { authorization: `Bearer ${TEST_SECRET_KEY}` } });
    expect(wrongMethod.status).toBe(404);
  });

  it("sends a request-id header on every answer, errors included", async () => {
    const list = await e.stripe.webhookEndpoints.list();
    expect(list.lastResponse.requestId).toMatch(/^req_[A-Za-z0-9]{14}$/);
    const error = await caught(e.stripe.webhookEndpoints.retrieve("we_missing"));
    expect((error as Stripe.errors.StripeError).requestId).toMatch(/^req_/);
    const other = await e.stripe.webhookEndpoints.list();
    expect(other.lastResponse.requestId).not.toBe(list.lastResponse.requestId);
  });
});
