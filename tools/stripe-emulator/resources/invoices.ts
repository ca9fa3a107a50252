// Invoices (`/v1/invoices`, SEMANTICS.md §7): retrieve, list, their lines, and create_preview.
// Invoices are created by subscriptions and the billing cycle (billing/cycle.ts); their lines use
// `pricing` (not `price`) and `parent` (basil). Invoice items are in invoice-items.ts.
//
// Not served: creating, updating, finalizing, paying or voiding invoices by hand, search, and the
// removed `/v1/invoices/upcoming` (basil; use create_preview).
import { z } from "zod";
import type { TEmulator } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { paginate } from "../core/list";
import { inRange, zBool, zExpand, zListParams, zRangeFilter, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { invoiceCustomerId, invoiceLines } from "../billing/invoice-lifecycle";
import { resolveItemChanges, ZItemUpdate, zProrationBehavior } from "../billing/item-change-params";
import { previewInvoice, previewLines } from "../billing/preview-invoice";
import { getSubscription } from "../billing/subscription-objects";
import { registerInvoiceItems } from "./invoice-items";

const zStatus = z.enum(["draft", "open", "paid", "uncollectible", "void"]);

const ZInvoiceList = z.strictObject({
  ...zListParams,
  collection_method: z.enum(["charge_automatically", "send_invoice"]).optional(),
  created: zRangeFilter.optional(),
  customer: zStr().optional(),
  due_date: zRangeFilter.optional(),
  status: zStatus.optional(),
  subscription: zStr().optional(),
});

const ZCreatePreview = z.strictObject({
  customer: zStr().optional(),
  expand: zExpand,
  preview_mode: z.enum(["next", "recurring"]).optional(),
  subscription: zStr().optional(),
  subscription_details: z
    .strictObject({
      billing_mode: z.strictObject({ type: z.enum(["classic", "flexible"]) }).optional(),
      cancel_at_period_end: zBool.optional(),
      items: z.array(ZItemUpdate).max(20).optional(),
      proration_behavior: zProrationBehavior.optional(),
      proration_date: zTimestamp.optional(),
    })
    .optional(),
});

export function registerInvoices(router: Router, emulator: TEmulator): void {
  const { store } = emulator;
  registerInvoiceItems(router, emulator);

  const getInvoice = (id: string) => {
    const invoice = store.get("invoices", id);
    if (!invoice) throw resourceMissing("invoice", id);
    return invoice;
  };

  router.add("POST", "/v1/invoices/create_preview", (ctx) => {
    const params = ctx.parse(ZCreatePreview);
    if (params.customer === undefined && params.subscription === undefined) {
      throw invalidRequest("Missing required param: customer.", { param: "customer", code: "parameter_missing" });
    }
    const subscription = params.subscription === undefined ? undefined : getSubscription(store, params.subscription, "subscription");
    const customer = params.customer === undefined ? undefined : store.get("customers", params.customer);
    if (params.customer !== undefined && !customer) {
      throw invalidRequest(`No such customer: '${params.customer}'`, { param: "customer", code: "resource_missing" });
    }
    if (subscription && customer && subscription.customer !== customer.id) {
      throw invalidRequest(`The subscription ${subscription.id} does not belong to customer ${customer.id}.`, { param: "subscription" });
    }
    const details = params.subscription_details ?? {};
    const param = (index: number, field: string) => `subscription_details[items][${index}][${field}]`;
    const changes = resolveItemChanges(store, subscription, details.items ?? [], param);
    const creating = !subscription && changes.length > 0;
    return previewInvoice(emulator, {
      customer,
      subscription,
      changes: creating ? [] : changes,
      newSubscription: creating
        ? {
            items: changes.map((change) => {
              if (change.kind !== "add") throw invalidRequest("Missing required param: subscription.", { param: "subscription", code: "parameter_missing" });
              return { price: change.price, quantity: change.quantity, metadata: change.metadata };
            }),
            prorationBehavior: details.proration_behavior ?? "create_prorations",
            cancelAtPeriodEnd: details.cancel_at_period_end ?? false,
            metadata: {},
            collectionMethod: "charge_automatically",
            daysUntilDue: null,
            description: null,
            billingMode: details.billing_mode?.type ?? "flexible",
          }
        : undefined,
      prorationBehavior: details.proration_behavior ?? "create_prorations",
      prorationDate: details.proration_date,
      cancelAtPeriodEnd: details.cancel_at_period_end,
      param,
    });
  });

  router.add("GET", "/v1/invoices/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return getInvoice(ctx.params.id ?? "");
  });

  router.add("GET", "/v1/invoices/:id/lines", (ctx) => {
    const params = ctx.parse(z.strictObject(zListParams));
    const id = ctx.params.id ?? "";
    const lines = previewLines(emulator, id) ?? invoiceLines(emulator, getInvoice(id));
    return paginate(lines, params, ctx.listUrl);
  });

  router.add("GET", "/v1/invoices", (ctx) => {
    const params = ctx.parse(ZInvoiceList);
    const invoices = store.list("invoices").filter(
      (invoice) =>
        (params.customer === undefined || invoiceCustomerId(invoice) === params.customer) &&
        (params.subscription === undefined || invoice.parent?.subscription_details?.subscription === params.subscription) &&
        (params.status === undefined || invoice.status === params.status) &&
        (params.collection_method === undefined || invoice.collection_method === params.collection_method) &&
        inRange(invoice.created, params.created) &&
        (params.due_date === undefined || (invoice.due_date !== null && inRange(invoice.due_date, params.due_date))),
    );
    return paginate(invoices, params, ctx.listUrl);
  });
}
