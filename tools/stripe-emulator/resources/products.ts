// Products (`/v1/products`): create, retrieve, update, delete, list. A product with prices cannot
// be deleted (archive it with `active=false` instead), as on Stripe.
//
// Not served: `default_price_data`, tax codes and details, shipping fields (`shippable`,
// `package_dimensions`) and product features; those parameters are refused as unknown.
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest, previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { inRange, mergeMetadata, zBool, zExpand, zListParams, zMetadata, zRangeFilter, zStr } from "../core/params";
import type { Router } from "../core/router";

const zName = zStr().refine((value) => value.trim() !== "", "must not be empty");
const ZFeature = z.strictObject({ name: zStr(80) });

/** The fields a product is created with, here and through a price's `product_data`. */
export const productFields = {
  name: zName,
  active: zBool.optional(),
  id: zStr().optional(),
  metadata: zMetadata.optional(),
  statement_descriptor: zStr(22).optional(),
  unit_label: zStr(12).optional(),
};

const ZProductCreate = z.strictObject({
  ...productFields,
  description: zStr(40_000).optional(),
  expand: zExpand,
  images: z.array(zStr(2_048)).max(8).optional(),
  marketing_features: z.array(ZFeature).max(15).optional(),
  type: z.enum(["good", "service"]).optional(),
  url: zStr().optional(),
});

const ZProductUpdate = z.strictObject({
  active: zBool.optional(),
  default_price: zStr().optional(),
  description: zStr(40_000).optional(),
  expand: zExpand,
  images: z.union([z.array(zStr(2_048)).max(8), z.literal("")]).optional(),
  marketing_features: z.union([z.array(ZFeature).max(15), z.literal("")]).optional(),
  metadata: zMetadata.optional(),
  name: zName.optional(),
  statement_descriptor: zStr(22).optional(),
  unit_label: zStr(12).optional(),
  url: zStr().optional(),
});

const ZProductList = z.strictObject({
  ...zListParams,
  active: zBool.optional(),
  created: zRangeFilter.optional(),
  ids: z.array(zStr()).optional(),
  shippable: zBool.optional(),
  type: z.enum(["good", "service"]).optional(),
  url: zStr().optional(),
});

export type TNewProduct = Omit<z.output<typeof ZProductCreate>, "expand">;

export function registerProducts(router: Router, emulator: TEmulator): void {
  router.add("POST", "/v1/products", (ctx) => {
    const { expand: _expand, ...input } = ctx.parse(ZProductCreate);
    return createProduct(ctx, input);
  });

  router.add("GET", "/v1/products/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return getProduct(emulator, ctx.params.id ?? "");
  });

  router.add("POST", "/v1/products/:id", (ctx) => {
    const params = ctx.parse(ZProductUpdate);
    const before = getProduct(emulator, ctx.params.id ?? "");
    if (params.default_price !== undefined) requireOwnPrice(emulator, before, params.default_price);
    const after: Stripe.Product = {
      ...before,
      active: params.active ?? before.active,
      default_price: params.default_price ?? before.default_price,
      description: params.description === undefined ? before.description : params.description || null,
      images: params.images === undefined ? before.images : params.images || [],
      marketing_features: params.marketing_features === undefined ? before.marketing_features : params.marketing_features || [],
      metadata: mergeMetadata(before.metadata, params.metadata),
      name: params.name ?? before.name,
      statement_descriptor: params.statement_descriptor === undefined ? before.statement_descriptor : params.statement_descriptor || null,
      unit_label: params.unit_label === undefined ? before.unit_label : params.unit_label || null,
      url: params.url === undefined ? before.url : params.url || null,
    };
    const previous = previousAttributes(before, after);
    if (Object.keys(previous).length === 0) return before;
    after.updated = emulator.now();
    emulator.store.put("products", after);
    emitFromRequest(ctx, "product.updated", after, { previousAttributes: previous });
    return after;
  });

  router.add("DELETE", "/v1/products/:id", (ctx) => {
    ctx.parse(z.strictObject({}));
    const product = getProduct(emulator, ctx.params.id ?? "");
    const hasPrices = emulator.store.list("prices").some((price) => price.product === product.id);
    if (hasPrices) throw invalidRequest("This product cannot be deleted because it has one or more user-created prices.");
    emulator.store.remove("products", product.id);
    emitFromRequest(ctx, "product.deleted", product);
    const deleted: Stripe.DeletedProduct = { id: product.id, object: "product", deleted: true };
    return deleted;
  });

  router.add("GET", "/v1/products", (ctx) => {
    const params = ctx.parse(ZProductList);
    const products = emulator.store
      .list("products")
      .filter(
        (product) =>
          (params.active === undefined || product.active === params.active) &&
          inRange(product.created, params.created) &&
          (params.ids === undefined || params.ids.includes(product.id)) &&
          (params.shippable === undefined || product.shippable === params.shippable) &&
          (params.type === undefined || product.type === params.type) &&
          (params.url === undefined || product.url === params.url),
      );
    return paginate(products, params, ctx.listUrl);
  });
}

/** Creates, stores and announces a product (also used by `POST /v1/prices` with `product_data`). */
export function createProduct(ctx: TRequestContext, input: TNewProduct, param = "id"): Stripe.Product {
  const { emulator } = ctx;
  if (input.id !== undefined && emulator.store.get("products", input.id)) {
    throw invalidRequest("Product already exists.", { param, code: "resource_already_exists" });
  }
  const now = emulator.now();
  const product: Stripe.Product = {
    id: input.id ?? newId("prod", 14),
    object: "product",
    active: input.active ?? true,
    created: now,
    default_price: null,
    description: input.description || null,
    images: input.images ?? [],
    livemode: false,
    marketing_features: input.marketing_features ?? [],
    metadata: mergeMetadata({}, input.metadata),
    name: input.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: input.statement_descriptor || null,
    tax_code: null,
    tax_details: null,
    type: input.type ?? "service",
    unit_label: input.unit_label || null,
    updated: now,
    url: input.url || null,
  };
  emulator.store.put("products", product);
  emitFromRequest(ctx, "product.created", product);
  return product;
}

export function getProduct(emulator: TEmulator, id: string): Stripe.Product {
  const product = emulator.store.get("products", id);
  if (!product) throw resourceMissing("product", id);
  return product;
}

function requireOwnPrice(emulator: TEmulator, product: Stripe.Product, priceId: string): void {
  const price = emulator.store.get("prices", priceId);
  if (!price) throw invalidRequest(`No such price: '${priceId}'`, { param: "default_price", code: "resource_missing" });
  if (price.product !== product.id) {
    throw invalidRequest(`The price ${priceId} belongs to another product; a default price must be one of this product's prices.`, {
      param: "default_price",
    });
  }
  if (!price.active) throw invalidRequest("The default price must be active.", { param: "default_price" });
}
