// Customers (`/v1/customers`): create, retrieve, update, delete, list.
//
// - A customer joins a test clock when it is created (`test_clock`), or when a clock is created
//   for it (resources/test-clocks.ts); it never leaves. Its `created` and its events carry the
//   clock's frozen time, and lists leave clock customers out unless `test_clock` is given.
// - A deleted customer leaves the collection; retrieving it returns the deleted stub
//   `{id, object: "customer", deleted: true}` as Stripe does, and anything else answers 404.
//   Modules that must react (subscriptions end with their customer) listen for `customer.deleted`.
// - `subscriptions` is includable on retrieve (`expand[]=subscriptions`).
//
// Not served: payment sources and methods, cash balance, tax settings and tax ids, discounts and
// search; those parameters are refused as unknown.
import { randomBytes } from "node:crypto";
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest, previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { inRange, mergeMetadata, zExpand, zInt, zListParams, zMetadata, zPositiveInt, zRangeFilter, zStr } from "../core/params";
import type { Router } from "../core/router";

const ZAddress = z.strictObject({
  city: zStr().optional(),
  country: zStr().optional(),
  line1: zStr().optional(),
  line2: zStr().optional(),
  postal_code: zStr().optional(),
  state: zStr().optional(),
});

const ZShipping = z.strictObject({ address: ZAddress, name: zStr(), phone: zStr().optional() });

const ZInvoiceSettings = z.strictObject({
  custom_fields: z.union([z.array(z.strictObject({ name: zStr(40), value: zStr(140) })).max(4), z.literal("")]).optional(),
  default_payment_method: zStr().optional(),
  footer: zStr().optional(),
  rendering_options: z
    .union([
      z.strictObject({
        amount_tax_display: z.union([z.enum(["exclude_tax", "include_inclusive_tax"]), z.literal("")]).optional(),
        template: zStr().optional(),
      }),
      z.literal(""),
    ])
    .optional(),
});

const customerFields = {
  address: z.union([ZAddress, z.literal("")]).optional(),
  balance: zInt.optional(),
  business_name: zStr(150).optional(),
  description: zStr(350).optional(),
  email: zStr(512).optional(),
  expand: zExpand,
  individual_name: zStr(150).optional(),
  invoice_prefix: z
    .string()
    .regex(/^[A-Z0-9]{3,12}$/, "must be 3 to 12 uppercase letters or numbers")
    .optional(),
  invoice_settings: ZInvoiceSettings.optional(),
  metadata: zMetadata.optional(),
  name: zStr(256).optional(),
  next_invoice_sequence: zPositiveInt.optional(),
  phone: zStr(20).optional(),
  preferred_locales: z.array(zStr()).optional(),
  shipping: z.union([ZShipping, z.literal("")]).optional(),
  tax_exempt: z.union([z.enum(["exempt", "none", "reverse"]), z.literal("")]).optional(),
};

const ZCustomerCreate = z.strictObject({ ...customerFields, test_clock: zStr().optional() });
const ZCustomerUpdate = z.strictObject(customerFields);
type TCustomerFields = z.output<typeof ZCustomerUpdate>;

const ZCustomerList = z.strictObject({
  ...zListParams,
  created: zRangeFilter.optional(),
  email: zStr(512).optional(),
  test_clock: zStr().optional(),
});

/** Deleted customers' ids (with the deletion time), to answer retrieves with the stub. */
type TCustomersInternal = { deleted: Record<string, number> };

export function registerCustomers(router: Router, emulator: TEmulator): void {
  router.add("POST", "/v1/customers", (ctx) => {
    const params = ctx.parse(ZCustomerCreate);
    const clock = params.test_clock === undefined ? null : emulator.store.get("testClocks", params.test_clock);
    if (clock === undefined) {
      throw invalidRequest(`No such test clock: '${params.test_clock}'`, { param: "test_clock", code: "resource_missing" });
    }
    const blank: Stripe.Customer = {
      id: newId("cus", 14),
      object: "customer",
      address: null,
      balance: 0,
      created: clock?.frozen_time ?? emulator.now(),
      currency: null,
      customer_account: null,
      default_source: null,
      delinquent: false,
      description: null,
      discount: null,
      email: null,
      invoice_prefix: null,
      invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
      livemode: false,
      metadata: {},
      name: null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: clock?.id ?? null,
    };
    const customer = applyFields(emulator, blank, params);
    customer.invoice_prefix ??= uniqueInvoicePrefix(emulator);
    emulator.store.put("customers", customer);
    emitFromRequest(ctx, "customer.created", customer, { customerId: customer.id });
    return presentCustomer(emulator, customer, params.expand);
  });

  router.add("GET", "/v1/customers/:customer", (ctx) => {
    const params = ctx.parse(z.strictObject({ expand: zExpand }));
    const id = ctx.params.customer ?? "";
    if (deletedCustomers(emulator)[id] !== undefined) {
      const stub: Stripe.DeletedCustomer = { id, object: "customer", deleted: true };
      return stub;
    }
    return presentCustomer(emulator, getCustomer(emulator, id), params.expand);
  });

  router.add("POST", "/v1/customers/:customer", (ctx) => {
    const params = ctx.parse(ZCustomerUpdate);
    const before = getCustomer(emulator, ctx.params.customer ?? "");
    const after = applyFields(emulator, structuredClone(before), params);
    const previous = previousAttributes(before, after);
    if (Object.keys(previous).length > 0) {
      emulator.store.put("customers", after);
      emitFromRequest(ctx, "customer.updated", after, { customerId: after.id, previousAttributes: previous });
    }
    return presentCustomer(emulator, after, params.expand);
  });

  router.add("DELETE", "/v1/customers/:customer", (ctx) => {
    ctx.parse(z.strictObject({}));
    return deleteCustomer(emulator, getCustomer(emulator, ctx.params.customer ?? ""), ctx);
  });

  router.add("GET", "/v1/customers", (ctx) => {
    const params = ctx.parse(ZCustomerList);
    const customers = emulator.store
      .list("customers")
      .filter(
        (customer) =>
          (customer.test_clock ?? null) === (params.test_clock ?? null) &&
          (params.email === undefined || customer.email === params.email) &&
          inRange(customer.created, params.created),
      );
    return paginate(customers, params, ctx.listUrl);
  });
}

export function getCustomer(emulator: TEmulator, id: string): Stripe.Customer {
  const customer = emulator.store.get("customers", id);
  if (!customer) throw resourceMissing("customer", id);
  return customer;
}

/**
 * Deletes a customer: `customer.deleted` (dated by its clock), then only the deleted stub remains.
 * `ctx` is the request that caused it; null for automatic deletions (an expired test clock).
 */
export function deleteCustomer(emulator: TEmulator, customer: Stripe.Customer, ctx: TRequestContext | null): Stripe.DeletedCustomer {
  if (ctx) emitFromRequest(ctx, "customer.deleted", customer, { customerId: customer.id });
  else emulator.emit("customer.deleted", customer, { customerId: customer.id });
  deletedCustomers(emulator)[customer.id] = emulator.now(customer.id);
  emulator.store.remove("customers", customer.id);
  return { id: customer.id, object: "customer", deleted: true };
}

function deletedCustomers(emulator: TEmulator): TCustomersInternal["deleted"] {
  return emulator.store.internal<TCustomersInternal>("customers", () => ({ deleted: {} })).deleted;
}

/** Applies create/update parameters to a customer (a fresh object the caller owns). */
function applyFields(emulator: TEmulator, customer: Stripe.Customer, params: TCustomerFields): Stripe.Customer {
  if (params.address !== undefined) customer.address = params.address === "" ? null : toAddress(params.address);
  if (params.balance !== undefined) customer.balance = params.balance;
  if (params.business_name !== undefined) setOptionalName(customer, "business_name", params.business_name);
  if (params.description !== undefined) customer.description = params.description || null;
  if (params.email !== undefined) customer.email = params.email || null;
  if (params.individual_name !== undefined) setOptionalName(customer, "individual_name", params.individual_name);
  if (params.invoice_prefix !== undefined && params.invoice_prefix !== customer.invoice_prefix) {
    const taken = emulator.store.list("customers").some((other) => other.invoice_prefix === params.invoice_prefix && other.id !== customer.id);
    if (taken) throw invalidRequest("That invoice prefix is already used by another customer.", { param: "invoice_prefix" });
    customer.invoice_prefix = params.invoice_prefix;
  }
  if (params.invoice_settings !== undefined) customer.invoice_settings = toInvoiceSettings(customer.invoice_settings, params.invoice_settings);
  customer.metadata = mergeMetadata(customer.metadata, params.metadata);
  if (params.name !== undefined) customer.name = params.name || null;
  if (params.next_invoice_sequence !== undefined) customer.next_invoice_sequence = params.next_invoice_sequence;
  if (params.phone !== undefined) customer.phone = params.phone || null;
  if (params.preferred_locales !== undefined) customer.preferred_locales = params.preferred_locales;
  if (params.shipping !== undefined) {
    customer.shipping =
      params.shipping === ""
        ? null
        : { address: toAddress(params.shipping.address), carrier: null, name: params.shipping.name, phone: params.shipping.phone ?? null, tracking_number: null };
  }
  if (params.tax_exempt !== undefined) customer.tax_exempt = params.tax_exempt || "none";
  return customer;
}

function setOptionalName(customer: Stripe.Customer, field: "business_name" | "individual_name", value: string): void {
  if (value === "") delete customer[field];
  else customer[field] = value;
}

function toAddress(address: z.output<typeof ZAddress>): Stripe.Address {
  return {
    city: address.city ?? null,
    country: address.country ?? null,
    line1: address.line1 ?? null,
    line2: address.line2 ?? null,
    postal_code: address.postal_code ?? null,
    state: address.state ?? null,
  };
}

function toInvoiceSettings(
  current: Stripe.Customer.InvoiceSettings,
  update: z.output<typeof ZInvoiceSettings>,
): Stripe.Customer.InvoiceSettings {
  if (update.default_payment_method !== undefined) {
    // The emulator has no payment methods, so none can be found.
    throw invalidRequest(`No such PaymentMethod: '${update.default_payment_method}'`, {
      param: "invoice_settings[default_payment_method]",
      code: "resource_missing",
    });
  }
  const options = update.rendering_options;
  return {
    custom_fields: update.custom_fields === undefined ? current.custom_fields : update.custom_fields || null,
    default_payment_method: current.default_payment_method,
    footer: update.footer === undefined ? current.footer : update.footer || null,
    rendering_options:
      options === undefined
        ? current.rendering_options
        : options === ""
          ? null
          : {
              amount_tax_display: options.amount_tax_display === undefined ? (current.rendering_options?.amount_tax_display ?? null) : options.amount_tax_display || null,
              template: options.template ?? current.rendering_options?.template ?? null,
            },
  };
}

/** Stripe gives every customer a unique prefix for its invoice numbers, e.g. `7FE1103A`. */
function uniqueInvoicePrefix(emulator: TEmulator): string {
  const taken = new Set(emulator.store.list("customers").map((customer) => customer.invoice_prefix));
  for (;;) {
    const prefix = randomBytes(4).toString("hex").toUpperCase();
    if (!taken.has(prefix)) return prefix;
  }
}

/** The response copy: `subscriptions` (the customer's current ones) only when expanded. */
function presentCustomer(emulator: TEmulator, customer: Stripe.Customer, expand: string[] | undefined): Stripe.Customer {
  if (!expand?.includes("subscriptions")) return customer;
  const current = emulator.store
    .list("subscriptions")
    .filter((subscription) => subscription.customer === customer.id && !["canceled", "incomplete_expired"].includes(subscription.status));
  return { ...customer, subscriptions: { object: "list", data: current, has_more: false, url: `/v1/customers/${customer.id}/subscriptions` } };
}
