// The HTML view at `GET /`: what Tally sent, readable by a person — without an API key, escaped,
// self-contained, and read-only.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;
let receiverUrl: string;
const receiver = createServer((request, response) => {
  request.resume();
  request.on("end", () => response.writeHead(204).end());
});

beforeAll(async () => {
  e = await startTestEmulator();
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/stripe`;
});
afterAll(async () => {
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await e.close();
});

async function view(): Promise<{ status: number; type: string | null; html: string }> {
  const response = await fetch(`${e.url}/`);
  return { status: response.status, type: response.headers.get("content-type"), html: await response.text() };
}

/** The text of each cell of the table row that mentions `needle`. */
function rowCells(html: string, needle: string): string[] {
  const row = html.split("<tr>").find((candidate) => candidate.includes(needle)) ?? "";
  return [...row.matchAll(/<td>(.*?)<\/td>/g)].map((match) => match[1] ?? "");
}

describe("the HTML view", () => {
  it("shows customers, subscriptions, meters with per-customer totals, invoices, events and deliveries, escaped", async () => {
    await e.stripe.webhookEndpoints.create({ url: receiverUrl, enabled_events: ["*"], description: "Tally <dev>" });
    const ada = await e.stripe.customers.create({ name: `Ada <script>alert("x")</script>`, email: "ada@tally.example" });
    const bob = await e.stripe.customers.create({ name: "Bob" });
    const meter = await e.stripe.billing.meters.create({ display_name: "API calls", event_name: "api_call", default_aggregation: { formula: "sum" } });
    const product = await e.stripe.products.create({ name: "API" });
    const base = await e.stripe.prices.create({ currency: "usd", product: product.id, unit_amount: 1_000, recurring: { interval: "month" } });
    const metered = await e.stripe.prices.create({
      currency: "usd",
      product: product.id,
      unit_amount: 1,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const subscription = await e.stripe.subscriptions.create({ customer: ada.id, items: [{ price: base.id }, { price: metered.id }] });
    const periodStart = subscription.items.data[0]?.current_period_start ?? 0;

    const send = (customer: string, value: string, timestamp: number) =>
      e.stripe.billing.meterEvents.create({ event_name: "api_call", payload: { stripe_customer_id: customer, value }, timestamp });
    const now = Math.floor(Date.now() / 1000);
    // Ada's periods are her subscription item's: 5 + 7 = 12 in the current one, 11 in the one before.
    await send(ada.id, "5", Math.max(periodStart, now));
    await send(ada.id, "7", Math.max(periodStart, now));
    await send(ada.id, "11", periodStart - 3_600);
    // Bob has no subscription: UTC calendar months, 3 this month and 4 the month before.
    const date = new Date(now * 1000);
    const monthStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1) / 1000;
    await send(bob.id, "3", Math.max(monthStart, now - 10));
    await send(bob.id, "4", monthStart - 3_600);

    // Wait for the customer.created delivery to be logged as delivered.
    const deadline = Date.now() + 5_000;
    while (!(await view()).html.includes("succeeded: HTTP 204")) {
      if (Date.now() > deadline) throw new Error("the delivery never showed up");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const { status, type, html } = await view();
    expect(status).toBe(200);
    expect(type).toBe("text/html; charset=utf-8");
    expect(html).toMatch(/^<!doctype html>/);

    // Customers: the name is escaped, never markup.
    expect(rowCells(html, ada.id)).toContain("Ada &#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;");
    expect(html).not.toContain("<script");
    expect(html).toContain("Tally &#60;dev&#62;");

    // Subscriptions: status, both items with their prices, the item periods.
    const subscriptionRow = rowCells(html, subscription.id);
    expect(subscriptionRow[1]).toBe(ada.id);
    expect(subscriptionRow[2]).toBe("active");
    expect(subscriptionRow[3]).toContain(base.id);
    expect(subscriptionRow[3]).toContain(`meter ${meter.id}`);
    expect(subscriptionRow[4]).toContain(new Date(periodStart * 1000).toISOString().replace(".000Z", "Z").replace("T", " "));

    // Meters: per-customer totals of the current and previous period.
    const meterSection = html.slice(html.indexOf("<h2>Meters"));
    const adaUsage = rowCells(meterSection, ada.id);
    expect([adaUsage[2], adaUsage[4]]).toEqual(["12", "11"]);
    const bobUsage = rowCells(meterSection, bob.id);
    expect([bobUsage[2], bobUsage[4]]).toEqual(["3", "4"]);

    // Invoices: the subscription's first invoice, its line and status.
    const invoice = (await e.stripe.invoices.list({ customer: ada.id })).data[0];
    const invoiceRow = rowCells(html.slice(html.indexOf("<h2>Invoices")), invoice?.id ?? "no invoice");
    expect(invoiceRow[2]).toBe(invoice?.status);
    expect(invoiceRow[4]).toContain(invoice?.lines.data[0]?.description ?? "no line");
    expect(invoiceRow[5]).toBe(`${((invoice?.total ?? 0) / 100).toFixed(2)} USD`);

    // Events and deliveries.
    expect(html).toContain("customer.subscription.created");
    expect(html).toContain("billing.meter.created");
    const delivery = rowCells(html.slice(html.indexOf("<h2>Webhook deliveries")), "customer.created");
    expect(delivery).toContain(receiverUrl);
    expect(delivery.at(-1)).toBe("succeeded: HTTP 204");
  });

  it("needs no API key and loads nothing from elsewhere", async () => {
    const { status, html } = await view();
    expect(status).toBe(200);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(html).not.toMatch(/\bsrc=/i);
  });

  it("is read-only: viewing changes nothing and it answers only GET", async () => {
    const before = (await e.stripe.events.list({ limit: 100 })).data.length;
    await view();
    await view();
    expect((await e.stripe.events.list({ limit: 100 })).data.length).toBe(before);
    const post = await fetch(`${e.url}/`, { method: "POST" });
    expect(post.headers.get("content-type")).toBe("application/json");
    expect(post.status).toBe(401);
  });

  it("reloads itself only when asked to", async () => {
    expect((await view()).html).not.toContain("http-equiv");
    const refreshing = await (await fetch(`${e.url}/?refresh=5`)).text();
    expect(refreshing).toContain(`<meta http-equiv="refresh" content="5">`);
  });
});
