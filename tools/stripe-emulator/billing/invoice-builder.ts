// Invoice, invoice line and invoice item objects, as the SDK types them. A `TCharge` is one line to
// bill (from a subscription item, a proration or a one-off invoice item) before it has an id; the
// same charges become a stored invoice, an invoice item, or a preview (create_preview).
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { newId } from "../core/ids";
import type { Store } from "../core/store";
import { decimalField, decimalText } from "./pricing";
import { productId } from "./subscription-objects";

export type TCharge = {
  amount: number;
  currency: string;
  description: string | null;
  period: { start: number; end: number };
  price: Stripe.Price | null;
  quantity: Decimal;
  unitAmountDecimal: string | null;
  proration: boolean;
  subscriptionId: string | null;
  subscriptionItemId: string | null;
  /** The invoice item this charge comes from (null for subscription lines and previewed prorations). */
  invoiceItemId: string | null;
  metadata: Record<string, string>;
};

/** How many lines an invoice embeds; the rest are paged through `/v1/invoices/:id/lines`. */
export const EMBEDDED_LINES = 10;

/** Line quantities are integers; a fractional usage total keeps its exact value in `quantity_decimal`. */
function integerQuantity(quantity: Decimal): number {
  return quantity.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

export function buildLine(charge: TCharge, invoiceId: string | null, lineId: string): Stripe.InvoiceLineItem {
  const details = { credited_items: null };
  const parent: Stripe.InvoiceLineItem.Parent = charge.subscriptionItemId
    ? {
        type: "subscription_item_details",
        invoice_item_details: null,
        subscription_item_details: {
          invoice_item: charge.invoiceItemId,
          proration: charge.proration,
          proration_details: details,
          subscription: charge.subscriptionId,
          subscription_item: charge.subscriptionItemId,
        },
      }
    : {
        type: "invoice_item_details",
        invoice_item_details: {
          invoice_item: charge.invoiceItemId ?? "",
          proration: charge.proration,
          proration_details: details,
          subscription: charge.subscriptionId,
        },
        subscription_item_details: null,
      };
  return {
    id: lineId,
    object: "line_item",
    amount: charge.amount,
    currency: charge.currency,
    description: charge.description,
    discount_amounts: [],
    discountable: true,
    discounts: [],
    invoice: invoiceId,
    livemode: false,
    metadata: charge.metadata,
    parent,
    period: { ...charge.period },
    pretax_credit_amounts: [],
    pricing: pricingOf(charge),
    quantity: integerQuantity(charge.quantity),
    quantity_decimal: decimalField(charge.quantity),
    subscription: charge.subscriptionId,
    subtotal: charge.amount,
    taxes: [],
  };
}

function pricingOf(charge: TCharge): Stripe.InvoiceLineItem.Pricing | null {
  const unitAmountDecimal = charge.unitAmountDecimal === null ? null : decimalField(charge.unitAmountDecimal);
  if (!charge.price) return unitAmountDecimal === null ? null : { type: "price_details", unit_amount_decimal: unitAmountDecimal };
  return {
    type: "price_details",
    price_details: { price: charge.price.id, product: productId(charge.price) },
    unit_amount_decimal: unitAmountDecimal,
  };
}

export function newInvoiceItem(charge: TCharge, customer: Stripe.Customer, at: number): Stripe.InvoiceItem {
  return {
    id: newId("ii"),
    object: "invoiceitem",
    amount: charge.amount,
    currency: charge.currency,
    customer: customer.id,
    customer_account: null,
    date: at,
    description: charge.description,
    discountable: true,
    discounts: [],
    invoice: null,
    livemode: false,
    metadata: charge.metadata,
    net_amount: charge.amount,
    parent: charge.subscriptionId
      ? {
          type: "subscription_details",
          subscription_details: {
            subscription: charge.subscriptionId,
            ...(charge.subscriptionItemId ? { subscription_item: charge.subscriptionItemId } : {}),
          },
        }
      : null,
    period: { ...charge.period },
    pricing: pricingOf(charge),
    proration: charge.proration,
    proration_details: { credited_items: null, discount_amounts: [] },
    quantity: integerQuantity(charge.quantity),
    quantity_decimal: decimalField(charge.quantity),
    tax_rates: [],
    test_clock: testClockOf(customer),
  };
}

/** The charge an invoice item bills (to put it on an invoice or a preview). */
export function chargeOfInvoiceItem(store: Store, item: Stripe.InvoiceItem): TCharge {
  const priceId = item.pricing?.price_details?.price;
  const price = typeof priceId === "string" ? (store.get("prices", priceId) ?? null) : (priceId ?? null);
  const subscriptionDetails = item.parent?.subscription_details ?? null;
  return {
    amount: item.amount,
    currency: item.currency,
    description: item.description,
    period: { ...item.period },
    price,
    quantity: new Decimal(decimalText(item.quantity_decimal)),
    unitAmountDecimal: item.pricing?.unit_amount_decimal ? decimalText(item.pricing.unit_amount_decimal) : null,
    proration: item.proration,
    subscriptionId: subscriptionDetails?.subscription ?? null,
    subscriptionItemId: subscriptionDetails?.subscription_item ?? null,
    invoiceItemId: item.id,
    metadata: item.metadata ?? {},
  };
}

function testClockOf(customer: Stripe.Customer): string | null {
  const clock = customer.test_clock;
  return typeof clock === "string" ? clock : (clock?.id ?? null);
}

export type TInvoiceOptions = {
  id: string;
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason | null;
  created: number;
  periodStart: number;
  periodEnd: number;
  currency: string;
  /** Draft invoices that finalize by themselves (subscription invoices) after this many seconds. */
  graceSeconds: number | null;
  lines: Stripe.InvoiceLineItem[];
};

/** A draft invoice; `setInvoiceLines` fills in its lines and totals. */
export function newInvoice(options: TInvoiceOptions): Stripe.Invoice {
  const { customer, subscription } = options;
  const collectionMethod = subscription?.collection_method ?? "charge_automatically";
  const invoice: Stripe.Invoice = {
    id: options.id,
    object: "invoice",
    account_country: "US",
    account_name: "Stripe emulator",
    account_tax_ids: null,
    amount_due: 0,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: 0,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: options.graceSeconds !== null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
    automatically_finalizes_at: options.graceSeconds === null ? null : options.created + options.graceSeconds,
    billing_reason: options.billingReason,
    collection_method: collectionMethod,
    created: options.created,
    currency: options.currency,
    custom_fields: null,
    customer: customer.id,
    customer_account: null,
    customer_address: customer.address ?? null,
    customer_email: customer.email,
    customer_name: customer.name ?? null,
    customer_phone: customer.phone ?? null,
    customer_shipping: customer.shipping ?? null,
    customer_tax_exempt: customer.tax_exempt ?? "none",
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    from_invoice: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    latest_revision: null,
    lines: { object: "list", data: [], has_more: false, url: `/v1/invoices/${options.id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    on_behalf_of: null,
    parent: subscription
      ? {
          type: "subscription_details",
          quote_details: null,
          subscription_details: { metadata: { ...subscription.metadata }, subscription: subscription.id },
        }
      : null,
    payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: options.periodEnd,
    period_start: options.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: { finalized_at: null, marked_uncollectible_at: null, paid_at: null, voided_at: null },
    subtotal: 0,
    subtotal_excluding_tax: 0,
    test_clock: testClockOf(customer),
    total: 0,
    total_discount_amounts: [],
    total_excluding_tax: 0,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: options.created,
  };
  setInvoiceLines(invoice, options.lines);
  return invoice;
}

/**
 * Puts the lines on the invoice (the first ten embedded) and recomputes its totals: the subtotal of
 * the lines, less the billing credits on them (`pretax_credit_amounts`, summed per transaction into
 * `total_pretax_credit_amounts`; billing/credit-grants.ts).
 */
export function setInvoiceLines(invoice: Stripe.Invoice, lines: Stripe.InvoiceLineItem[]): void {
  invoice.lines = {
    object: "list",
    data: lines.slice(0, EMBEDDED_LINES),
    has_more: lines.length > EMBEDDED_LINES,
    url: `/v1/invoices/${invoice.id}/lines`,
  };
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const credits = lines.flatMap((line) => line.pretax_credit_amounts ?? []);
  const credited = credits.reduce((sum, credit) => sum + credit.amount, 0);
  invoice.subtotal = subtotal;
  invoice.subtotal_excluding_tax = subtotal;
  invoice.total = subtotal - credited;
  invoice.total_excluding_tax = subtotal - credited;
  invoice.total_pretax_credit_amounts = credits.map((credit) => ({ amount: credit.amount, credit_balance_transaction: credit.credit_balance_transaction ?? null, type: credit.type }));
  applyBalance(invoice);
}

/** amount_due after the customer's balance (negative = credit) taken at finalization. */
export function applyBalance(invoice: Stripe.Invoice): void {
  const owed = invoice.total + invoice.starting_balance;
  invoice.amount_due = Math.max(0, owed);
  invoice.amount_remaining = Math.max(0, invoice.amount_due - invoice.amount_paid);
  invoice.ending_balance = invoice.status === "draft" ? null : Math.min(0, owed);
}
