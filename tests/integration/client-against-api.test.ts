// The TypeScript client (lib/client) against the real route handlers and database: its `fetch` is
// routed in-process to app/api/v1, so what it sends and parses is exactly what the API answers.
import { describe, expect, it } from "vitest";
import { GET as getUsageRoute } from "@/app/api/v1/customers/[customerId]/usage/route";
import { POST as postEventsRoute } from "@/app/api/v1/events/route";
import { createApiKey } from "@/lib/auth/api-keys";
import { TallyApiError, TallyBatchError, TallyClient } from "@/lib/client";
import { db } from "@/lib/db";
import { createCustomer, unique } from "./factories";

/** A fetch that serves /api/v1/events and /api/v1/customers/{id}/usage with the app's handlers; 503 first when asked. */
function inProcessFetch(options: { failFirst?: number } = {}) {
  let failuresLeft = options.failFirst ?? 0;
  const bodies: string[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = request.method === "POST" ? await request.clone().text() : "";
    bodies.push(body);
    if (failuresLeft > 0) {
      failuresLeft -= 1;
      // The request reached the server and was recorded, but the answer was lost on the way back.
      if (request.method === "POST") await postEventsRoute(request);
      return new Response(JSON.stringify({ code: "service_unavailable", status: 503 }), { status: 503, headers: { "content-type": "application/problem+json" } });
    }
    const url = new URL(request.url);
    const usage = /^\/api\/v1\/customers\/([^/]+)\/usage$/.exec(url.pathname);
    if (usage) return getUsageRoute(request, { params: Promise.resolve({ customerId: decodeURIComponent(usage[1] ?? "") }) });
    if (url.pathname === "/api/v1/events") return postEventsRoute(request);
    return new Response("not found", { status: 404 });
  };
  return { fetchImpl, bodies };
}

async function setup() {
  const customer = await createCustomer();
  const meter = await db.meter.create({ data: { eventName: unique("client_meter"), displayName: "Client", aggregation: "SUM", unitLabel: "unit" } });
  const { key } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
  return { customer, meter, key };
}

describe("lib/client against the API", () => {
  it("retries a request whose answer was lost with the same key: one event stored, answered as a duplicate", async () => {
    const { customer, meter, key } = await setup();
    const transport = inProcessFetch({ failFirst: 1 });
    const client = new TallyClient({ baseUrl: "http://localhost:3000", apiKey: key, fetch: transport.fetchImpl, backoffBaseMs: 1, backoffMaxMs: 5 });

    const recorded = await client.recordEvent({ customer: customer.externalId, meter: meter.eventName, value: 3 });
    expect(recorded).toMatchObject({ duplicate: true, value: "3" });
    expect(transport.bodies).toHaveLength(2);
    expect(transport.bodies[0]).toBe(transport.bodies[1]);
    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(1);
  });

  it("sends 2,500 events as three batches and reads the exact total back", async () => {
    const { customer, meter, key } = await setup();
    const client = new TallyClient({ baseUrl: "http://localhost:3000", apiKey: key, fetch: inProcessFetch().fetchImpl });
    const events = Array.from({ length: 2_500 }, () => ({ customer: customer.externalId, meter: meter.eventName, value: "0.01" }));

    const result = await client.recordEvents(events, { concurrency: 2 });
    expect(result.data).toHaveLength(2_500);
    expect(result.created).toBe(2_500);
    const usage = await client.getUsage(customer.externalId, { meter: meter.eventName });
    expect(usage.meters).toMatchObject([{ meter: meter.eventName, usage: "25", event_count: 2_500, included: null }]);
  });

  it("surfaces the API's problems as typed errors, naming the events that were not recorded", async () => {
    const { customer, meter, key } = await setup();
    const client = new TallyClient({ baseUrl: "http://localhost:3000", apiKey: key, fetch: inProcessFetch().fetchImpl });

    const single = client.recordEvent({ customer: customer.externalId, meter: "no_such_meter", value: 1 });
    await expect(single).rejects.toBeInstanceOf(TallyApiError);
    await expect(single).rejects.toMatchObject({ status: 422, code: "unprocessable", errors: [{ pointer: "/meter", code: "unknown_meter" }] });

    const batch = client.recordEvents([
      { customer: customer.externalId, meter: meter.eventName, value: 1 },
      { customer: customer.externalId, meter: meter.eventName, value: -1 },
    ]);
    await expect(batch).rejects.toBeInstanceOf(TallyBatchError);
    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(0);
  });
});
