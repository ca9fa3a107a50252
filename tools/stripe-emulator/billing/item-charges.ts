// What one subscription item bills: a licensed price for a period (in advance), a metered price
// for its usage over a window (in arrears), and the descriptions Stripe writes on those lines.
// Every amount comes from `priceLineAmount` (billing/pricing.ts), the one pricing engine.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { Store } from "../core/store";
import type { TCharge } from "./invoice-builder";
import { formatDate } from "./periods";
import { decimalText, priceLineAmount, type TLineAmount } from "./pricing";
import { isMetered, productName } from "./subscription-objects";
import { aggregateMeterUsage } from "./usage";

/** What a price charges for a quantity, priced from the stored price (it alone keeps its tiers). */
export function amountFor(store: Store, price: Stripe.Price, quantity: Decimal): TLineAmount {
  return priceLineAmount(store.get("prices", price.id) ?? price, quantity);
}

type TItemRef = { id: string; price: Stripe.Price; quantity?: number; metadata: Record<string, string> };

/** "$10.00" for USD; other currencies as "12.50 EUR" (minor units are assumed to be cents). */
function formatMoney(currency: string, minor: Decimal.Value): string {
  const major = new Decimal(minor).div(100);
  const text = major.decimalPlaces() <= 2 ? major.toFixed(2) : major.toString();
  return currency === "usd" ? `$${text}` : `${text} ${currency.toUpperCase()}`;
}

function unitPhrase(price: Stripe.Price): string {
  if (price.billing_scheme === "tiered" || price.unit_amount_decimal === null) return "";
  const per = isMetered(price) ? "unit" : (price.recurring?.interval ?? "unit");
  return ` (at ${formatMoney(price.currency, decimalText(price.unit_amount_decimal))} / ${per})`;
}

export function describeItem(store: Store, price: Stripe.Price, quantity: Decimal.Value, withUnitPrice = true): string {
  return `${new Decimal(quantity).toString()} × ${productName(store, price)}${withUnitPrice ? unitPhrase(price) : ""}`;
}

/** A licensed item billed for a whole period. */
export function licensedCharge(store: Store, subscriptionId: string, item: TItemRef, period: { start: number; end: number }): TCharge {
  const quantity = new Decimal(item.quantity ?? 1);
  const { amount, unitAmountDecimal } = amountFor(store, item.price, quantity);
  return {
    amount,
    currency: item.price.currency,
    description: describeItem(store, item.price, quantity),
    period,
    price: item.price,
    quantity,
    unitAmountDecimal,
    proration: false,
    subscriptionId,
    subscriptionItemId: item.id,
    invoiceItemId: null,
    metadata: { ...item.metadata },
  };
}

/**
 * The meter's aggregate for the customer over [start, end); 0 when the price has no stored meter.
 * Negative events correct earlier usage, but a period's usage is never billed below zero (Stripe
 * invoices negative cycle usage as quantity 0).
 */
export function meteredQuantity(store: Store, price: Stripe.Price, customerId: string, start: number, end: number): Decimal {
  const meterId = price.recurring?.meter;
  const meter = meterId ? store.get("meters", meterId) : undefined;
  if (!meter || end <= start) return new Decimal(0);
  return Decimal.max(0, aggregateMeterUsage(store, meter, customerId, start, end));
}

/** A metered item billed for its usage over [start, end). */
export function meteredCharge(
  store: Store,
  options: { customerId: string; subscriptionId: string; item: TItemRef; start: number; end: number; proration?: boolean },
): TCharge {
  const { item } = options;
  const quantity = meteredQuantity(store, item.price, options.customerId, options.start, options.end);
  const { amount, unitAmountDecimal } = amountFor(store, item.price, quantity);
  return {
    amount,
    currency: item.price.currency,
    description: options.proration
      ? `${describeItem(store, item.price, quantity)}, usage ${formatDate(options.start)} – ${formatDate(options.end)}`
      : describeItem(store, item.price, quantity),
    period: { start: options.start, end: options.end },
    price: item.price,
    quantity,
    unitAmountDecimal,
    proration: options.proration ?? false,
    subscriptionId: options.subscriptionId,
    subscriptionItemId: item.id,
    invoiceItemId: null,
    metadata: { ...item.metadata },
  };
}
