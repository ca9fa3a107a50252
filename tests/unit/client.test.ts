// The vendor client (lib/client) against a real local HTTP server that plays Tally's part: it
// records every request and answers from a script, so retries, timeouts and batching go over the
// wire as they would in production (no mocked fetch).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  MAX_BATCH_SIZE,
  TallyApiError,
  TallyBatchError,
  TallyClient,
  TallyConnectionError,
  type TTallyClientOptions,
  type TUsageEventWire,
} from "@/lib/client";

type TSeen = { method: string; url: string; headers: IncomingHttpHeaders; raw: string; body: unknown; at: number };
/** What the fake server does with request number `n` (from 0): answer (after `delayMs`), or drop the connection. */
type TReply = { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number; raw?: string };
type TScript = (request: TSeen, n: number) => TReply | "drop";

const servers: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function startServer(script: TScript) {
  const seen: TSeen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = createServer((req, res) => {
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (raw += chunk));
    req.on("end", () => {
      const request: TSeen = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, raw, body: raw ? JSON.parse(raw) : undefined, at: performance.now() };
      seen.push(request);
      const reply = script(request, seen.length - 1);
      if (reply === "drop") return void req.socket.destroy();
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        send(res, reply);
      }, reply.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const handle = {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

function send(res: ServerResponse, reply: TReply) {
  if (res.destroyed) return;
  const isProblem = reply.status >= 400;
  res.writeHead(reply.status, {
    "content-type": isProblem ? "application/problem+json" : "application/json",
    "x-request-id": `req_${reply.status}`,
    ...reply.headers,
  });
  res.end(reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body)));
}

const fast: Partial<TTallyClientOptions> = { backoffBaseMs: 1, backoffMaxMs: 5, timeoutMs: 2_000 };
const client = (baseUrl: string, options: Partial<TTallyClientOptions> = {}) => new TallyClient({ baseUrl, apiKey: "sk_test_123", ...fast, ...options });

const event = { customer: "acme-corp", meter: "api_requests", value: 1 };

/** The single-event answer a real server gives for this body. */
const recorded = (body: unknown, duplicate = false) => {
  const wire = body as TUsageEventWire;
  return { object: "usage_event", id: "8812", ...wire, value: String(wire.value ?? 1), timestamp: "2026-11-21T10:15:00.000Z", received_at: "2026-11-21T10:15:00.120Z", duplicate, late: false };
};

/** The batch answer for `{ events }`, every event created. */
const listAnswer = (body: unknown) => {
  const events = (body as { events: TUsageEventWire[] }).events;
  const data = events.map((e, index) => ({ index, id: String(index), idempotency_key: e.idempotency_key, customer: e.customer, status: "created", late: false }));
  return { object: "list", data, created: data.length, duplicates: 0 };
};

const problem = (status: number, code: string, extra: Record<string, unknown> = {}) => ({
  type: `/problems/${code}`, title: code, status, detail: `${code} happened`, code, request_id: `req_${status}`, ...extra,
});

const keyOf = (request: TSeen) => (request.body as TUsageEventWire).idempotency_key;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("TallyClient.recordEvent", () => {
  it("generates the idempotency key once and resends the same body on every retry (503, 503, then 201)", async () => {
    const server = await startServer((request, n) => (n < 2 ? { status: 503, body: problem(503, "service_unavailable") } : { status: 201, body: recorded(request.body) }));
    const result = await client(server.baseUrl).recordEvent({ ...event, timestamp: new Date("2026-11-21T10:15:00Z") });

    expect(server.seen).toHaveLength(3);
    const key = keyOf(server.seen[0]!);
    expect(key).toMatch(UUID);
    expect(new Set(server.seen.map((request) => request.raw)).size).toBe(1);
    expect(server.seen[0]!.body).toEqual({ ...event, idempotency_key: key, timestamp: "2026-11-21T10:15:00.000Z" });
    expect(server.seen[0]!.headers).toMatchObject({ authorization: "Bearer sk_test_123", "content-type": "application/json" });
    expect(result).toMatchObject({ idempotency_key: key, duplicate: false });
  });

  it("sends the caller's key as given and reports a duplicate (200)", async () => {
    const server = await startServer((request) => ({ status: 200, body: recorded(request.body, true) }));
    const result = await client(server.baseUrl).recordEvent({ ...event, idempotency_key: "req_8f2c" });
    expect(keyOf(server.seen[0]!)).toBe("req_8f2c");
    expect(result.duplicate).toBe(true);
  });

  it("waits the Retry-After of a 429, capped by maxRetryAfterMs", async () => {
    const server = await startServer((request, n) =>
      n === 0 ? { status: 429, body: problem(429, "rate_limited"), headers: { "retry-after": "1" } } : { status: 201, body: recorded(request.body) },
    );
    await client(server.baseUrl, { maxRetryAfterMs: 250 }).recordEvent(event);

    expect(server.seen).toHaveLength(2);
    const gap = server.seen[1]!.at - server.seen[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(200); // backoff alone would be < 5 ms
    expect(gap).toBeLessThan(900); // the uncapped Retry-After would be 1 000 ms
    expect(keyOf(server.seen[1]!)).toBe(keyOf(server.seen[0]!));
  });

  it("retries an attempt cut off by the timeout, with the same key", async () => {
    const server = await startServer((request, n) => ({ status: 201, body: recorded(request.body), delayMs: n === 0 ? 1_000 : 0 }));
    const result = await client(server.baseUrl, { timeoutMs: 100 }).recordEvent(event);

    expect(server.seen).toHaveLength(2);
    expect(keyOf(server.seen[1]!)).toBe(keyOf(server.seen[0]!));
    expect(result.idempotency_key).toBe(keyOf(server.seen[0]!));
  });

  it("does not retry a 409 and surfaces its problem document", async () => {
    const body = problem(409, "conflict");
    const server = await startServer(() => ({ status: 409, body }));
    const error = await caught(client(server.baseUrl).recordEvent(event));

    expect(server.seen).toHaveLength(1);
    expect(error).toBeInstanceOf(TallyApiError);
    expect(error).toMatchObject({ status: 409, code: "conflict", detail: "conflict happened", requestId: "req_409", problem: body, attempts: 1 });
  });

  it("does not retry a 422 and carries the field errors", async () => {
    const errors = [{ pointer: "/value", detail: "must be a number or a decimal string", code: "invalid_decimal" }];
    const server = await startServer(() => ({ status: 422, body: problem(422, "unprocessable", { errors }) }));
    const error = await caught(client(server.baseUrl).recordEvent(event));

    expect(server.seen).toHaveLength(1);
    expect(error).toMatchObject({ status: 422, code: "unprocessable", errors, requestId: "req_422" });
  });

  it("gives up after maxRetries with the last error", async () => {
    const server = await startServer(() => ({ status: 503, body: problem(503, "service_unavailable") }));
    const error = await caught(client(server.baseUrl, { maxRetries: 2 }).recordEvent(event));

    expect(server.seen).toHaveLength(3);
    expect(new Set(server.seen.map(keyOf)).size).toBe(1);
    expect(error).toMatchObject({ name: "TallyApiError", status: 503, code: "service_unavailable", attempts: 3 });
  });

  it("gives up on a server that never answers with a TallyConnectionError", async () => {
    const dropping = await startServer(() => "drop");
    const dropped = await caught(client(dropping.baseUrl, { maxRetries: 1 }).recordEvent(event));
    expect(dropping.seen).toHaveLength(2);
    expect(dropped).toBeInstanceOf(TallyConnectionError);
    expect(dropped).toMatchObject({ attempts: 2, timedOut: false });

    const slow = await startServer((request) => ({ status: 201, body: recorded(request.body), delayMs: 1_000 }));
    const timedOut = await caught(client(slow.baseUrl, { maxRetries: 1, timeoutMs: 50 }).recordEvent(event));
    expect(slow.seen).toHaveLength(2);
    expect(timedOut).toMatchObject({ name: "TallyConnectionError", attempts: 2, timedOut: true });
  });

  it("synthesizes a problem when a proxy answers with HTML", async () => {
    const server = await startServer(() => ({ status: 502, raw: "<html>Bad gateway</html>" }));
    const error = await caught(client(server.baseUrl, { maxRetries: 1 }).recordEvent(event));
    expect(server.seen).toHaveLength(2);
    expect(error).toMatchObject({ status: 502, code: "http_502", detail: "<html>Bad gateway</html>", requestId: "req_502" });
  });
});

describe("TallyClient.recordEvents", () => {
  const many = (count: number) => Array.from({ length: count }, (_, i) => ({ ...event, value: i, ...(i % 2 ? { idempotency_key: `caller_${i}` } : {}) }));

  it("splits 2 500 events into 1 000 / 1 000 / 500 and returns results in the caller's order", async () => {
    expect(MAX_BATCH_SIZE).toBe(1_000);
    // The first batch answers last, so a client that kept arrival order would get it wrong.
    const server = await startServer((request, n) => ({ status: 200, body: listAnswer(request.body), delayMs: [150, 50, 0][n] }));
    const result = await client(server.baseUrl).recordEvents(many(2_500), { concurrency: 3 });

    expect(server.seen.map((request) => (request.body as { events: unknown[] }).events.length)).toEqual([1_000, 1_000, 500]);
    expect(server.maxInFlight()).toBe(3);
    const sent = server.seen.flatMap((request) => (request.body as { events: TUsageEventWire[] }).events);
    expect(sent.map((e) => e.value)).toEqual(many(2_500).map((e) => e.value));
    expect(result.data).toHaveLength(2_500);
    expect(result.data.map((r) => r.index)).toEqual([...Array(2_500).keys()]);
    expect(result.data.map((r) => r.idempotency_key)).toEqual(sent.map((e) => e.idempotency_key));
    expect(result.data[1]!.idempotency_key).toBe("caller_1");
    expect(result.data[2]!.idempotency_key).toMatch(UUID);
    expect(result).toMatchObject({ created: 2_500, duplicates: 0 });
  });

  it("says which batches were recorded when one fails for good, and the rest can be resent with the same keys", async () => {
    const server = await startServer((request, n) =>
      n === 1 ? { status: 422, body: problem(422, "unprocessable", { errors: [{ pointer: "/events/3/value", detail: "bad" }] }) } : { status: 200, body: listAnswer(request.body) },
    );
    const tally = client(server.baseUrl);
    const error = await caught(tally.recordEvents(many(2_500)));

    expect(server.seen).toHaveLength(2); // batch 2 never sent once batch 1 failed
    expect(error).toBeInstanceOf(TallyBatchError);
    const batchError = error as TallyBatchError;
    expect(batchError.recorded.map((r) => r.index)).toEqual([...Array(1_000).keys()]);
    expect(batchError.failed.map((b) => [b.batch, b.start, b.events.length])).toEqual([[1, 1_000, 1_000]]);
    expect(batchError.failed[0]!.error).toMatchObject({ code: "unprocessable", errors: [{ pointer: "/events/3/value" }] });
    expect(batchError.notSent.map((b) => [b.batch, b.start, b.events.length])).toEqual([[2, 2_000, 500]]);
    expect(batchError.message).toMatch(/batch 1 \(events 1000–1999\) failed.*batch 2 \(events 2000–2499\) not sent/);

    const firstTry = server.seen[1]!.body as { events: TUsageEventWire[] };
    await tally.recordEvents(batchError.unrecorded);
    const resent = server.seen[2]!.body as { events: TUsageEventWire[] };
    expect(resent.events.map((e) => e.idempotency_key)).toEqual(firstTry.events.map((e) => e.idempotency_key));
  });
});

describe("TallyClient.createBatcher", () => {
  const eventsOf = (request: TSeen) => (request.body as { events: TUsageEventWire[] }).events;

  it("sends a batch as soon as it is full, and close() sends the rest", async () => {
    const server = await startServer((request) => ({ status: 200, body: listAnswer(request.body) }));
    const batcher = client(server.baseUrl).createBatcher({ maxBatchSize: 3, flushIntervalMs: 60_000 });
    const results = Array.from({ length: 7 }, (_, i) => batcher.add({ ...event, value: i }));

    await Promise.all(results.slice(0, 6));
    expect(server.seen.map((request) => eventsOf(request).length)).toEqual([3, 3]);
    expect(batcher.buffered).toBe(1);

    await batcher.close();
    expect(server.seen.map((request) => eventsOf(request).length)).toEqual([3, 3, 1]);
    const sent = server.seen.flatMap(eventsOf);
    expect(sent.map((e) => e.value)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await Promise.all(results)).map((r) => r.idempotency_key)).toEqual(sent.map((e) => e.idempotency_key));
    await expect(batcher.add(event)).rejects.toThrow(/closed/);
  });

  it("sends a partial batch after flushIntervalMs, on an unref()ed timer", async () => {
    const server = await startServer((request) => ({ status: 200, body: listAnswer(request.body) }));
    const batcher = client(server.baseUrl).createBatcher({ flushIntervalMs: 50 });
    const timers = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
    const before = timers();
    const first = batcher.add(event);
    const second = batcher.add(event);
    expect(timers()).toBe(before); // a ref'd timer would keep Node alive

    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(server.seen).toHaveLength(0);
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(server.seen.map((request) => eventsOf(request).length)).toEqual([2]);
    await batcher.close();
  });

  it("flush() sends the buffer and keeps at most `concurrency` batches in flight", async () => {
    const server = await startServer((request) => ({ status: 200, body: listAnswer(request.body), delayMs: 30 }));
    const batcher = client(server.baseUrl).createBatcher({ maxBatchSize: 2, flushIntervalMs: 60_000, concurrency: 2 });
    for (let i = 0; i < 9; i += 1) void batcher.add({ ...event, value: i });
    await batcher.flush();

    expect(server.seen.map((request) => eventsOf(request).length)).toEqual([2, 2, 2, 2, 1]);
    expect(server.maxInFlight()).toBe(2);
    await batcher.close();
  });

  it("rejects the events of a failed batch and reports it from flush()", async () => {
    const server = await startServer(() => ({ status: 409, body: problem(409, "conflict") }));
    const batcher = client(server.baseUrl).createBatcher();
    const pending = batcher.add(event);
    const error = await caught(batcher.flush());

    await expect(pending).rejects.toMatchObject({ code: "conflict" });
    expect(error).toBeInstanceOf(TallyBatchError);
    expect((error as TallyBatchError).unrecorded.map((e) => e.idempotency_key)).toEqual(eventsOf(server.seen[0]!).map((e) => e.idempotency_key));
    await expect(batcher.close()).resolves.toBeUndefined(); // reported once
  });
});

describe("TallyClient.getUsage", () => {
  const usage = { object: "customer_usage", customer: "acme corp/ü", as_of: "2026-11-21T10:15:00.000Z", period: { start: "2026-11-01T00:00:00.000Z", end: "2026-12-01T00:00:00.000Z" }, meters: [] };

  it("URL-encodes the customer and passes the meter", async () => {
    const server = await startServer(() => ({ status: 200, body: usage }));
    const tally = client(server.baseUrl + "/");
    const result = await tally.getUsage("acme corp/ü?#", { meter: "api requests" });
    await tally.getUsage("acme-corp");

    expect(server.seen.map((request) => [request.method, request.url])).toEqual([
      ["GET", "/api/v1/customers/acme%20corp%2F%C3%BC%3F%23/usage?meter=api+requests"],
      ["GET", "/api/v1/customers/acme-corp/usage"],
    ]);
    expect(server.seen[0]!.headers.authorization).toBe("Bearer sk_test_123");
    expect(result).toEqual(usage);
  });

  it("throws not_found without retrying", async () => {
    const server = await startServer(() => ({ status: 404, body: problem(404, "not_found") }));
    await expect(client(server.baseUrl).getUsage("nobody")).rejects.toMatchObject({ status: 404, code: "not_found" });
    expect(server.seen).toHaveLength(1);
  });
});
