// The HTML view at `GET /` (no API key, read-only): what Tally sent to the emulator — customers,
// subscriptions, meters with per-customer usage, invoices, recent events and webhook deliveries.
// Server-rendered, every value escaped, no external assets. `?refresh=5` reloads every 5 seconds.
import type Stripe from "stripe";
import { aggregateMeterUsage } from "./billing/usage";
import type { TEmulator } from "./core/context";
import type { TControlRoute } from "./control";
import { webhookDispatcherFor, type TDelivery } from "./webhooks/dispatcher";

/** Rows shown per table (newest first); the heading says how many exist. */
const MAX_ROWS = 100;

type THtml = { html: string };
const raw = (html: string): THtml => ({ html });
type TCell = string | number | null | undefined | THtml;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function cell(value: TCell): string {
  if (value === null || value === undefined || value === "") return "—";
  return typeof value === "object" ? value.html : escapeHtml(String(value));
}

function table(headers: string[], rows: TCell[][]): string {
  if (rows.length === 0) return `<p class="empty">None.</p>`;
  const head = headers.map((header) => `<th>${escapeHtml(header)}</th>`).join("");
  const body = rows.map((row) => `<tr>${row.map((value) => `<td>${cell(value)}</td>`).join("")}</tr>`).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function section(title: string, total: number, content: string): string {
  const shown = total > MAX_ROWS ? ` (newest ${MAX_ROWS} of ${total})` : ` (${total})`;
  return `<section><h2>${escapeHtml(title)}${shown}</h2>${content}</section>`;
}

function time(unix: number | null | undefined): string {
  return unix === null || unix === undefined ? "" : new Date(unix * 1000).toISOString().replace(".000Z", "Z").replace("T", " ");
}

function period(start: number, end: number): string {
  return `${time(start)} → ${time(end)}`;
}

function money(amount: number | null | undefined, currency: string): string {
  return amount === null || amount === undefined ? "" : `${(amount / 100).toFixed(2)} ${currency.toUpperCase()}`;
}

function idOf(value: string | { id?: string | null } | null | undefined): string {
  return typeof value === "string" ? value : (value?.id ?? "");
}

function lines(items: string[]): TCell {
  return items.length === 0 ? "" : raw(items.map(escapeHtml).join("<br>"));
}

function priceLabel(price: Stripe.Price): string {
  const unit =
    price.billing_scheme === "tiered"
      ? `tiered (${price.tiers_mode ?? "?"})`
      : `${price.unit_amount_decimal ?? price.unit_amount ?? "?"} minor units of ${price.currency.toUpperCase()} each`;
  const recurring = price.recurring ? ` / ${price.recurring.interval_count} ${price.recurring.interval}` : "";
  const meter = price.recurring?.meter ? `, meter ${price.recurring.meter}` : "";
  return `${price.id} (${idOf(price.product)}): ${unit}${recurring}${meter}`;
}

/** The period before [start, end) of the same recurring interval, in UTC calendar terms. */
function previousPeriodStart(start: number, interval: Stripe.Price.Recurring.Interval, count: number): number {
  const date = new Date(start * 1000);
  if (interval === "day") date.setUTCDate(date.getUTCDate() - count);
  else if (interval === "week") date.setUTCDate(date.getUTCDate() - 7 * count);
  else if (interval === "month") date.setUTCMonth(date.getUTCMonth() - count);
  else date.setUTCFullYear(date.getUTCFullYear() - count);
  return Math.floor(date.getTime() / 1000);
}

/** The customer's current and previous period for a meter: its subscription item's billing
 * period when a subscription prices the meter, otherwise UTC calendar months on the customer's clock. */
function meterPeriods(emulator: TEmulator, meter: Stripe.Billing.Meter, customerId: string): { current: [number, number]; previous: [number, number] } {
  for (const subscription of emulator.store.list("subscriptions")) {
    if (idOf(subscription.customer) !== customerId || subscription.status === "canceled") continue;
    const item = subscription.items.data.find((candidate) => candidate.price.recurring?.meter === meter.id);
    const recurring = item?.price.recurring;
    if (!item || !recurring) continue;
    const start = item.current_period_start;
    return {
      current: [start, item.current_period_end],
      previous: [previousPeriodStart(start, recurring.interval, recurring.interval_count), start],
    };
  }
  const now = new Date(emulator.now(customerId) * 1000);
  const month = (offset: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1) / 1000;
  return { current: [month(0), month(1)], previous: [month(-1), month(0)] };
}

function customersSection(emulator: TEmulator): string {
  const customers = emulator.store.list("customers");
  const rows = customers.slice(0, MAX_ROWS).map((customer) => {
    const clock = customer.test_clock ? emulator.store.get("testClocks", idOf(customer.test_clock)) : undefined;
    return [
      customer.id,
      customer.name,
      customer.email,
      clock ? `${clock.id} at ${time(clock.frozen_time)}` : "",
      time(customer.created),
      Object.keys(customer.metadata).length > 0 ? JSON.stringify(customer.metadata) : "",
    ];
  });
  return section("Customers", customers.length, table(["id", "name", "email", "test clock", "created", "metadata"], rows));
}

function subscriptionsSection(emulator: TEmulator): string {
  const subscriptions = emulator.store.list("subscriptions");
  const rows = subscriptions.slice(0, MAX_ROWS).map((subscription) => [
    subscription.id,
    idOf(subscription.customer),
    subscription.cancel_at_period_end ? `${subscription.status} (cancels at period end)` : subscription.status,
    lines(subscription.items.data.map((item) => `${item.id} ×${item.quantity ?? "metered"}: ${priceLabel(item.price)}`)),
    lines(subscription.items.data.map((item) => period(item.current_period_start, item.current_period_end))),
    idOf(subscription.latest_invoice),
  ]);
  return section("Subscriptions", subscriptions.length, table(["id", "customer", "status", "items and prices", "current periods", "latest invoice"], rows));
}

function metersSection(emulator: TEmulator): string {
  const meters = emulator.store.list("meters");
  const customersByMeter = new Map<string, Set<string>>();
  for (const event of emulator.store.allMeterEvents()) {
    const customers = customersByMeter.get(event.meter) ?? new Set<string>();
    customers.add(event.customer);
    customersByMeter.set(event.meter, customers);
  }
  const content = meters
    .slice(0, MAX_ROWS)
    .map((meter) => {
      const heading = `<h3>${escapeHtml(`${meter.display_name} — ${meter.event_name} (${meter.default_aggregation.formula}, ${meter.status}) ${meter.id}`)}</h3>`;
      const rows = [...(customersByMeter.get(meter.id) ?? [])].slice(0, MAX_ROWS).map((customerId) => {
        const { current, previous } = meterPeriods(emulator, meter, customerId);
        return [
          customerId,
          period(...current),
          aggregateMeterUsage(emulator.store, meter, customerId, ...current).toString(),
          period(...previous),
          aggregateMeterUsage(emulator.store, meter, customerId, ...previous).toString(),
        ];
      });
      return heading + table(["customer", "current period", "total", "previous period", "total"], rows);
    })
    .join("\n");
  return section("Meters", meters.length, content || `<p class="empty">None.</p>`);
}

function invoicesSection(emulator: TEmulator): string {
  const invoices = emulator.store.list("invoices");
  const rows = invoices.slice(0, MAX_ROWS).map((invoice) => [
    invoice.number ? `${invoice.id} (${invoice.number})` : invoice.id,
    idOf(invoice.customer),
    invoice.status,
    period(invoice.period_start, invoice.period_end),
    lines(
      invoice.lines.data.map(
        (line) => `${line.description ?? line.id}: ${line.quantity_decimal ?? line.quantity ?? ""} → ${money(line.amount, line.currency)} (${period(line.period.start, line.period.end)})`,
      ),
    ),
    money(invoice.total, invoice.currency),
    money(invoice.amount_due, invoice.currency),
    money(invoice.amount_paid, invoice.currency),
  ]);
  return section("Invoices", invoices.length, table(["id", "customer", "status", "period", "lines", "total", "due", "paid"], rows));
}

function eventsSection(emulator: TEmulator): string {
  const events = emulator.store.list("events");
  const rows = events.slice(0, MAX_ROWS).map((event) => [
    time(event.created),
    event.type,
    event.id,
    idOf(event.data.object as { id?: string }),
    event.pending_webhooks,
    event.request?.id,
  ]);
  return section("Recent events", events.length, table(["created", "type", "id", "object", "pending webhooks", "request"], rows));
}

function deliveryStatus(delivery: TDelivery): string {
  const last = delivery.attempts.at(-1);
  const outcome = last ? (last.error ?? `HTTP ${last.status ?? "?"}`) : "waiting";
  const next = delivery.nextAttemptAt ? `, retry at ${new Date(delivery.nextAttemptAt).toISOString()}` : "";
  return `${delivery.state}: ${outcome}${next}`;
}

function webhooksSection(emulator: TEmulator): string {
  const endpoints = emulator.store.list("webhookEndpoints");
  const endpointRows = endpoints.map((endpoint) => [endpoint.id, endpoint.url, endpoint.status, endpoint.enabled_events.join(", "), endpoint.description]);
  const deliveries = [...(webhookDispatcherFor(emulator)?.deliveries() ?? [])].reverse();
  const deliveryRows = deliveries
    .slice(0, MAX_ROWS)
    .map((delivery) => [
      delivery.attempts[0] ? new Date(delivery.attempts[0].at).toISOString() : "",
      delivery.type,
      delivery.event,
      delivery.url,
      delivery.attempts.length,
      deliveryStatus(delivery),
    ]);
  return (
    section("Webhook endpoints", endpoints.length, table(["id", "url", "status", "events", "description"], endpointRows)) +
    section("Webhook deliveries", deliveries.length, table(["first attempt", "event type", "event", "url", "attempts", "status"], deliveryRows))
  );
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#1a1a1a}h1{font-size:1.4rem}
h2{font-size:1.1rem;margin-top:2rem}h3{font-size:.95rem;margin:1rem 0 .3rem}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top;font-variant-numeric:tabular-nums}
th{background:#f4f4f6}td{font-family:ui-monospace,monospace;font-size:12px}.empty{color:#777}`;

export function renderView(emulator: TEmulator, refreshSeconds?: number): string {
  const refresh = refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Stripe emulator</title>${refresh}<style>${STYLE}</style></head>
<body><h1>Stripe emulator</h1><p>Read-only view of the emulator's state, ${escapeHtml(time(emulator.now()))}.</p>
${customersSection(emulator)}
${subscriptionsSection(emulator)}
${metersSection(emulator)}
${invoicesSection(emulator)}
${eventsSection(emulator)}
${webhooksSection(emulator)}
</body></html>`;
}

/** `GET /`: the view. */
export const viewRoute: TControlRoute = (request, url, _body, emulator) => {
  if (url.pathname !== "/" || (request.method ?? "GET") !== "GET") return undefined;
  const refresh = Number(url.searchParams.get("refresh"));
  return { status: 200, body: renderView(emulator, Number.isInteger(refresh) && refresh > 0 ? refresh : undefined), contentType: "text/html; charset=utf-8" };
};
