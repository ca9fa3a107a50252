// Invoice items (`/v1/invoiceitems`): create, retrieve, delete, list. A pending item (no invoice)
// waits for the customer's next subscription invoice (its subscription's, when it names one); an
// item created with `invoice` joins that draft invoice at once. Items can be deleted while pending
// or on a draft, never once their invoice is finalized. Not served: updating an item.
//
// The price comes from `pricing[price]` (basil replaced `price`), or `amount`, or
// `unit_amount_decimal` × quantity; amounts from prices go through billing/pricing.ts.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest } from "../core/events";
import { paginate } from "../core/list";
import { inRange, zBool, zDecimal, zExpand, zInt, zListParams, zMetadata, zNonNegativeInt, zRangeFilter, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { newInvoiceItem, type TCharge } from "../billing/invoice-builder";
import { syncDraftLine } from "../billing/invoice-lifecycle";
import { amountFor, describeItem } from "../billing/item-charges";
import { customerIdOf } from "../billing/subscription-objects";

const ZPeriod = z.strictObject({ start: zTimestamp, end: zTimestamp });

const itemFields = {
  amount: zInt.optional(),
  description: zStr(500).optional(),
  discountable: zBool.optional(),
  expand: zExpand,
  metadata: zMetadata.optional(),
  period: ZPeriod.optional(),
  pricing: z.strictObject({ price: zStr().optional() }).optional(),
  quantity: zNonNegativeInt.optional(),
  quantity_decimal: zDecimal.optional(),
  unit_amount_decimal: zDecimal.optional(),
};

const ZInvoiceItemCreate = z.strictObject({
  ...itemFields,
  customer: zStr(),
  currency: z.string().regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO currency code").transform((value) => value.toLowerCase()).optional(),
  invoice: zStr().optional(),
  subscription: zStr().optional(),
});

const ZInvoiceItemList = z.strictObject({
  ...zListParams,
  created: zRangeFilter.optional(),
  customer: zStr().optional(),
  invoice: zStr().optional(),
  pending: zBool.optional(),
});

type TPricingInput = Pick<z.output<typeof ZInvoiceItemCreate>, "amount" | "pricing" | "quantity" | "quantity_decimal" | "unit_amount_decimal">;

export function registerInvoiceItems(router: Router, emulator: TEmulator): void {
  const { store } = emulator;

  const getItem = (id: string) => {
    const item = store.get("invoiceItems", id);
    if (!item) throw resourceMissing("invoiceitem", id);
    return item;
  };

  /** The draft invoice an item sits on (null: pending); refuses items on a finalized invoice. */
  const editableInvoice = (item: Stripe.InvoiceItem, action: string) => {
    if (item.invoice === null) return null;
    const invoice = store.get("invoices", typeof item.invoice === "string" ? item.invoice : item.invoice.id);
    if (invoice && invoice.status !== "draft") throw invalidRequest(`You cannot ${action} an invoice item that is attached to a finalized invoice (${invoice.id}).`);
    return invoice ?? null;
  };

  /** Amount, quantity and unit price from `pricing[price]`, `unit_amount_decimal` or `amount`. */
  const priceCharge = (input: TPricingInput, currency: string | undefined) => {
    const quantity = new Decimal(input.quantity_decimal ?? input.quantity ?? 1);
    const given = [input.amount !== undefined, input.pricing?.price !== undefined, input.unit_amount_decimal !== undefined].filter(Boolean).length;
    if (given > 1) throw invalidRequest("You may only specify one of these parameters: amount, pricing[price], unit_amount_decimal.", { param: "amount" });
    if (input.pricing?.price !== undefined) {
      const price = store.get("prices", input.pricing.price);
      if (!price) throw invalidRequest(`No such price: '${input.pricing.price}'`, { param: "pricing[price]", code: "resource_missing" });
      const { amount, unitAmountDecimal } = amountFor(store, price, quantity);
      return { price, amount, unitAmountDecimal, quantity, currency: price.currency };
    }
    if (!currency) throw invalidRequest("Missing required param: currency.", { param: "currency", code: "parameter_missing" });
    if (input.unit_amount_decimal !== undefined) {
      const amount = quantity.times(input.unit_amount_decimal).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
      return { price: null, amount, unitAmountDecimal: input.unit_amount_decimal, quantity, currency };
    }
    if (input.amount === undefined) throw invalidRequest("Missing required param: amount.", { param: "amount", code: "parameter_missing" });
    return { price: null, amount: input.amount, unitAmountDecimal: quantity.isZero() ? null : new Decimal(input.amount).div(quantity).toString(), quantity, currency };
  };

  router.add("POST", "/v1/invoiceitems", (ctx) => {
    const params = ctx.parse(ZInvoiceItemCreate);
    const customer = store.get("customers", params.customer);
    if (!customer) throw invalidRequest(`No such customer: '${params.customer}'`, { param: "customer", code: "resource_missing" });
    const subscription = params.subscription === undefined ? undefined : store.get("subscriptions", params.subscription);
    if (params.subscription !== undefined && (!subscription || customerIdOf(subscription) !== customer.id)) {
      throw invalidRequest(`No such subscription: '${params.subscription}' for customer ${customer.id}`, { param: "subscription", code: "resource_missing" });
    }
    const invoice = params.invoice === undefined ? undefined : store.get("invoices", params.invoice);
    if (params.invoice !== undefined && (!invoice || invoice.customer !== customer.id)) {
      throw invalidRequest(`No such invoice: '${params.invoice}'`, { param: "invoice", code: "resource_missing" });
    }
    if (invoice && invoice.status !== "draft") throw invalidRequest(`Invoice ${invoice.id} is no longer a draft: items can only be added to draft invoices.`, { param: "invoice" });
    const priced = priceCharge(params, params.currency ?? customer.currency ?? undefined);
    if (invoice && invoice.currency !== priced.currency) throw invalidRequest(`The invoice is in ${invoice.currency}, not ${priced.currency}.`, { param: "currency" });
    const now = emulator.now(customer.id);
    const charge: TCharge = {
      amount: priced.amount,
      currency: priced.currency,
      description: params.description ?? (priced.price ? describeItem(store, priced.price, priced.quantity) : null),
      period: params.period ?? { start: now, end: now },
      price: priced.price,
      quantity: priced.quantity,
      unitAmountDecimal: priced.unitAmountDecimal,
      proration: false,
      subscriptionId: subscription?.id ?? null,
      subscriptionItemId: null,
      invoiceItemId: null,
      metadata: params.metadata || {},
    };
    const item = newInvoiceItem(charge, customer, now);
    item.discountable = params.discountable ?? true;
    if (invoice) item.invoice = invoice.id;
    store.put("invoiceItems", item);
    emitFromRequest(ctx, "invoiceitem.created", item, { customerId: customer.id });
    if (invoice) syncDraftLine(emulator, invoice, item.id, item, { id: ctx.requestId, idempotency_key: ctx.idempotencyKey });
    return item;
  });

  router.add("GET", "/v1/invoiceitems/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return getItem(ctx.params.id ?? "");
  });

  router.add("DELETE", "/v1/invoiceitems/:id", (ctx) => {
    ctx.parse(z.strictObject({}));
    const item = getItem(ctx.params.id ?? "");
    const invoice = editableInvoice(item, "delete");
    store.remove("invoiceItems", item.id);
    emitFromRequest(ctx, "invoiceitem.deleted", item, { customerId: String(item.customer) });
    if (invoice) syncDraftLine(emulator, invoice, item.id, null, { id: ctx.requestId, idempotency_key: ctx.idempotencyKey });
    const deleted: Stripe.DeletedInvoiceItem = { id: item.id, object: "invoiceitem", deleted: true };
    return deleted;
  });

  router.add("GET", "/v1/invoiceitems", (ctx) => {
    const params = ctx.parse(ZInvoiceItemList);
    const items = store.list("invoiceItems").filter(
      (item) =>
        (params.customer === undefined || item.customer === params.customer) &&
        (params.invoice === undefined || item.invoice === params.invoice) &&
        (params.pending === undefined || (item.invoice === null) === params.pending) &&
        inRange(item.date, params.created),
    );
    return paginate(items, params, ctx.listUrl);
  });
}
