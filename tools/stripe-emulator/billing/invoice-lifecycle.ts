// An invoice's life: created (draft) → finalized (open, billing credits applied: credit-grants.ts)
// → paid, with the events of each step (SEMANTICS.md §7.2, §7.4, §14.4).
//
// Payment: the emulator has no payment methods. A `charge_automatically` invoice is paid in full
// the moment it is finalized (invoice.paid + invoice.payment_succeeded), as if the customer's
// default card always succeeded; a `send_invoice` invoice stays open with its due date (nothing in
// the emulator pays it).
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { TEmitOptions, TEmulator } from "../core/context";
import { previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { applyCreditGrants } from "./credit-grants";
import { applyBalance, buildLine, chargeOfInvoiceItem, newInvoice, newInvoiceItem, setInvoiceLines, type TCharge } from "./invoice-builder";
import { amountFor, describeItem, meteredQuantity } from "./item-charges";
import { decimalField } from "./pricing";
import { billingState } from "./state";
import { isMetered } from "./subscription-objects";

/** The request that caused a step (its id goes into the events), or null for automatic ones. */
export type TRequestRef = TEmitOptions["request"];

export type TCreateInvoice = {
  /** A pre-chosen id (when an event must name the invoice before it exists); new otherwise. */
  id?: string;
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  billingReason: Stripe.Invoice.BillingReason;
  at: number;
  periodStart: number;
  periodEnd: number;
  currency: string;
  charges: TCharge[];
  /** Finalize by itself after the grace period (subscription cycle invoices); otherwise the caller finalizes. */
  autoAdvance: boolean;
};

/** Stores a draft invoice, attaches the invoice items it bills, and emits invoice.created. */
export function createInvoice(emulator: TEmulator, options: TCreateInvoice, request: TRequestRef = null): Stripe.Invoice {
  const { store } = emulator;
  const id = options.id ?? newId("in");
  const lines = options.charges.map((charge) => buildLine(charge, id, newId("il")));
  const invoice = newInvoice({
    id,
    customer: options.customer,
    subscription: options.subscription,
    billingReason: options.billingReason,
    created: options.at,
    periodStart: options.periodStart,
    periodEnd: options.periodEnd,
    currency: options.currency,
    graceSeconds: options.autoAdvance ? emulator.config.invoiceGraceSeconds : null,
    lines,
  });
  billingState(store).invoiceLines[id] = lines;
  for (const charge of options.charges) {
    const item = charge.invoiceItemId ? store.get("invoiceItems", charge.invoiceItemId) : undefined;
    if (item) item.invoice = id;
  }
  store.put("invoices", invoice);
  if (options.subscription) options.subscription.latest_invoice = id;
  emulator.emit("invoice.created", invoice, { customerId: options.customer.id, request });
  return invoice;
}

export function invoiceLines(emulator: TEmulator, invoice: Stripe.Invoice): Stripe.InvoiceLineItem[] {
  return billingState(emulator.store).invoiceLines[invoice.id] ?? invoice.lines.data;
}

/** Metered usage lines count the usage known at finalization (late usage in the grace period counts). */
function refreshUsageLines(emulator: TEmulator, invoice: Stripe.Invoice, customerId: string): void {
  const { store } = emulator;
  const lines = invoiceLines(emulator, invoice);
  for (const line of lines) {
    const details = line.parent?.subscription_item_details;
    const priceRef = line.pricing?.price_details?.price;
    if (!details || details.invoice_item !== null || !priceRef) continue;
    const price = typeof priceRef === "string" ? store.get("prices", priceRef) : priceRef;
    if (!price || !isMetered(price)) continue;
    const quantity = meteredQuantity(store, price, customerId, line.period.start, line.period.end);
    const { amount, unitAmountDecimal } = amountFor(store, price, quantity);
    Object.assign(line, {
      amount,
      subtotal: amount,
      description: describeItem(store, price, quantity),
      quantity: quantity.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber(),
      quantity_decimal: decimalField(quantity),
      pricing: { ...line.pricing, unit_amount_decimal: unitAmountDecimal === null ? null : decimalField(unitAmountDecimal) },
    });
  }
  setInvoiceLines(invoice, lines);
}

function nextInvoiceNumber(customer: Stripe.Customer): string {
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  const prefix = customer.invoice_prefix ?? customer.id.slice(4, 12).toUpperCase();
  return `${prefix}-${String(sequence).padStart(4, "0")}`;
}

/** draft → open: fixes the lines, numbers the invoice and applies the customer's balance. */
export function finalizeInvoice(emulator: TEmulator, invoice: Stripe.Invoice, at: number, request: TRequestRef = null): void {
  const customerId = invoiceCustomerId(invoice);
  const customer = emulator.store.get("customers", customerId);
  refreshUsageLines(emulator, invoice, customerId);
  applyCreditGrants(emulator, invoice, invoiceLines(emulator, invoice), at, { record: true });
  invoice.status = "open";
  invoice.status_transitions.finalized_at = at;
  invoice.effective_at = at;
  invoice.automatically_finalizes_at = null;
  if (invoice.collection_method === "send_invoice") {
    const days = subscriptionOf(emulator, invoice)?.days_until_due ?? 30;
    invoice.due_date = at + days * 86_400;
  } else {
    invoice.next_payment_attempt = at;
  }
  if (customer) {
    invoice.number = nextInvoiceNumber(customer);
    emulator.store.put("customers", customer);
    invoice.starting_balance = customer.balance;
  }
  applyBalance(invoice);
  emulator.store.put("invoices", invoice);
  emulator.emit("invoice.finalized", invoice, { customerId, request });
  if (customer && invoice.ending_balance !== null && invoice.ending_balance !== customer.balance) {
    const before = structuredClone(customer);
    customer.balance = invoice.ending_balance;
    emulator.store.put("customers", customer);
    emulator.emit("customer.updated", customer, { customerId, request, previousAttributes: previousAttributes(before, customer) });
  }
}

/** open → paid (the emulator's payments always succeed). */
export function payInvoice(emulator: TEmulator, invoice: Stripe.Invoice, at: number, request: TRequestRef = null): void {
  const customerId = invoiceCustomerId(invoice);
  if (invoice.amount_due > 0) {
    invoice.attempt_count += 1;
    invoice.attempted = true;
  }
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.status = "paid";
  invoice.auto_advance = false;
  invoice.status_transitions.paid_at = at;
  invoice.next_payment_attempt = null;
  emulator.store.put("invoices", invoice);
  emulator.emit("invoice.paid", invoice, { customerId, request });
  emulator.emit("invoice.payment_succeeded", invoice, { customerId, request });
}

/** Finalizes, then collects a `charge_automatically` invoice. */
export function finalizeAndCollect(emulator: TEmulator, invoice: Stripe.Invoice, at: number, request: TRequestRef = null): void {
  finalizeInvoice(emulator, invoice, at, request);
  if (invoice.collection_method === "charge_automatically") payInvoice(emulator, invoice, at, request);
}

function subscriptionOf(emulator: TEmulator, invoice: Stripe.Invoice): Stripe.Subscription | undefined {
  const ref = invoice.parent?.subscription_details?.subscription;
  if (!ref) return undefined;
  return typeof ref === "string" ? emulator.store.get("subscriptions", ref) : ref;
}

export function invoiceCustomerId(invoice: Stripe.Invoice): string {
  const customer = invoice.customer;
  return typeof customer === "string" ? customer : (customer?.id ?? "");
}

/** Stores pending invoice items for these charges (invoiceitem.created each); returns them as charges of those items. */
export function createInvoiceItems(emulator: TEmulator, customer: Stripe.Customer, charges: TCharge[], at: number, request: TRequestRef = null): TCharge[] {
  return charges.map((charge) => {
    const item = newInvoiceItem(charge, customer, at);
    emulator.store.put("invoiceItems", item);
    emulator.emit("invoiceitem.created", item, { customerId: customer.id, request });
    return { ...charge, invoiceItemId: item.id };
  });
}

function lineInvoiceItem(line: Stripe.InvoiceLineItem): string | null {
  return line.parent?.subscription_item_details?.invoice_item ?? line.parent?.invoice_item_details?.invoice_item ?? null;
}

/** Keeps a draft invoice's line for an invoice item in step with the item (null: the item was deleted). */
export function syncDraftLine(emulator: TEmulator, invoice: Stripe.Invoice, itemId: string, item: Stripe.InvoiceItem | null, request: TRequestRef = null): void {
  const { store } = emulator;
  const before = structuredClone(invoice);
  const lines = [...invoiceLines(emulator, invoice)];
  const index = lines.findIndex((line) => lineInvoiceItem(line) === itemId);
  const replacement = item ? buildLine(chargeOfInvoiceItem(store, item), invoice.id, lines[index]?.id ?? newId("il")) : null;
  if (index < 0 && replacement) lines.push(replacement);
  else if (index >= 0 && replacement) lines[index] = replacement;
  else if (index >= 0) lines.splice(index, 1);
  billingState(store).invoiceLines[invoice.id] = lines;
  setInvoiceLines(invoice, lines);
  store.put("invoices", invoice);
  emulator.emit("invoice.updated", invoice, { customerId: invoiceCustomerId(invoice), request, previousAttributes: previousAttributes(before, invoice) });
}
