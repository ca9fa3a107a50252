// Prices (`/v1/prices`): create, retrieve, update, list (SEMANTICS.md §5).
//
// Tiers: Stripe returns a price's `tiers` only when the request expands them (`expand[]=tiers`,
// `expand[]=data.tiers` on lists). The STORED price always keeps its full `tiers`, so billing code
// prices from `store.get("prices", id)` with billing/pricing.ts; every response or event that
// shows a price goes through `presentPrice(price, includeTiers)`, which drops them otherwise.
//
// A price is immutable once created, except `active`, `metadata`, `nickname`, `lookup_key` and an
// unspecified `tax_behavior`: any other update parameter is refused as unknown, as Stripe does.
//
// Not served: `currency_options`, `custom_unit_amount` and the price search endpoint.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest, previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import {
  inRange,
  mergeMetadata,
  zBool,
  zDecimal,
  zExpand,
  zListParams,
  zMetadata,
  zNonNegativeInt,
  zPositiveInt,
  zRangeFilter,
  zStr,
} from "../core/params";
import type { Router } from "../core/router";
import { decimalField } from "../billing/pricing";
import { createProduct, productFields } from "./products";

const zAmountDecimal = zDecimal.refine((value) => !value.startsWith("-"), "must be zero or positive");
const zInterval = z.enum(["day", "week", "month", "year"]);
const zUsageType = z.enum(["licensed", "metered"]);
const zTaxBehavior = z.enum(["exclusive", "inclusive", "unspecified"]);

const ZTier = z.strictObject({
  up_to: z.union([z.literal("inf"), zPositiveInt]),
  flat_amount: zNonNegativeInt.optional(),
  flat_amount_decimal: zAmountDecimal.optional(),
  unit_amount: zNonNegativeInt.optional(),
  unit_amount_decimal: zAmountDecimal.optional(),
});

const ZPriceCreate = z.strictObject({
  currency: z
    .string()
    .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO currency code")
    .transform((value) => value.toLowerCase()),
  active: zBool.optional(),
  billing_scheme: z.enum(["per_unit", "tiered"]).optional(),
  expand: zExpand,
  lookup_key: zStr(200).optional(),
  metadata: zMetadata.optional(),
  nickname: zStr().optional(),
  product: zStr().optional(),
  product_data: z.strictObject(productFields).optional(),
  recurring: z
    .strictObject({
      interval: zInterval,
      interval_count: zPositiveInt.optional(),
      meter: zStr().optional(),
      trial_period_days: zNonNegativeInt.optional(),
      usage_type: zUsageType.optional(),
    })
    .optional(),
  tax_behavior: zTaxBehavior.optional(),
  tiers: z.array(ZTier).min(1).optional(),
  tiers_mode: z.enum(["graduated", "volume"]).optional(),
  transfer_lookup_key: zBool.optional(),
  transform_quantity: z.strictObject({ divide_by: zPositiveInt, round: z.enum(["down", "up"]) }).optional(),
  unit_amount: zNonNegativeInt.optional(),
  unit_amount_decimal: zAmountDecimal.optional(),
});

const ZPriceUpdate = z.strictObject({
  active: zBool.optional(),
  expand: zExpand,
  lookup_key: zStr(200).optional(),
  metadata: zMetadata.optional(),
  nickname: zStr().optional(),
  tax_behavior: zTaxBehavior.optional(),
  transfer_lookup_key: zBool.optional(),
});

const ZPriceList = z.strictObject({
  ...zListParams,
  active: zBool.optional(),
  created: zRangeFilter.optional(),
  currency: zStr().optional(),
  lookup_keys: z.array(zStr(200)).max(10).optional(),
  product: zStr().optional(),
  recurring: z.strictObject({ interval: zInterval.optional(), meter: zStr().optional(), usage_type: zUsageType.optional() }).optional(),
  type: z.enum(["one_time", "recurring"]).optional(),
});

type TPriceCreate = z.output<typeof ZPriceCreate>;

/** The longest billing interval Stripe allows: three years. */
const MAX_INTERVAL_COUNT: Record<z.output<typeof zInterval>, number> = { day: 1_095, week: 156, month: 36, year: 3 };

export function registerPrices(router: Router, emulator: TEmulator): void {
  router.add("POST", "/v1/prices", (ctx) => {
    const params = ctx.parse(ZPriceCreate);
    const price = createPrice(ctx, params);
    return presentPrice(price, expands(params.expand, "tiers"));
  });

  router.add("GET", "/v1/prices/:price", (ctx) => {
    const params = ctx.parse(z.strictObject({ expand: zExpand }));
    return presentPrice(getPrice(emulator, ctx.params.price ?? ""), expands(params.expand, "tiers"));
  });

  router.add("POST", "/v1/prices/:price", (ctx) => {
    const params = ctx.parse(ZPriceUpdate);
    const before = getPrice(emulator, ctx.params.price ?? "");
    if (params.tax_behavior !== undefined && before.tax_behavior !== "unspecified" && params.tax_behavior !== before.tax_behavior) {
      throw invalidRequest("tax_behavior cannot be changed once it has been set to `inclusive` or `exclusive`.", { param: "tax_behavior" });
    }
    const after: Stripe.Price = {
      ...before,
      active: params.active ?? before.active,
      lookup_key: params.lookup_key === undefined ? before.lookup_key : params.lookup_key || null,
      metadata: mergeMetadata(before.metadata, params.metadata),
      nickname: params.nickname === undefined ? before.nickname : params.nickname || null,
      tax_behavior: params.tax_behavior ?? before.tax_behavior,
    };
    const holder = after.lookup_key === before.lookup_key ? undefined : lookupKeyHolder(ctx, after, params.transfer_lookup_key);
    if (holder) releaseLookupKey(ctx, holder);
    const previous = previousAttributes(before, after);
    if (Object.keys(previous).length > 0) {
      emulator.store.put("prices", after);
      emitFromRequest(ctx, "price.updated", presentPrice(after, false), { previousAttributes: previous });
    }
    return presentPrice(after, expands(params.expand, "tiers"));
  });

  router.add("GET", "/v1/prices", (ctx) => {
    const params = ctx.parse(ZPriceList);
    const recurring = params.recurring;
    const prices = emulator.store
      .list("prices")
      .filter(
        (price) =>
          (params.active === undefined || price.active === params.active) &&
          inRange(price.created, params.created) &&
          (params.currency === undefined || price.currency === params.currency.toLowerCase()) &&
          (params.lookup_keys === undefined || (price.lookup_key !== null && params.lookup_keys.includes(price.lookup_key))) &&
          (params.product === undefined || price.product === params.product) &&
          (params.type === undefined || price.type === params.type) &&
          (recurring === undefined ||
            (price.recurring !== null &&
              (recurring.interval === undefined || price.recurring.interval === recurring.interval) &&
              (recurring.meter === undefined || price.recurring.meter === recurring.meter) &&
              (recurring.usage_type === undefined || price.recurring.usage_type === recurring.usage_type))),
      );
    const includeTiers = expands(params.expand, "data.tiers");
    return paginate(
      prices.map((price) => presentPrice(price, includeTiers)),
      params,
      ctx.listUrl,
    );
  });
}

/** A price as a response shows it: `tiers` only when expanded (see the top of this file). */
export function presentPrice(price: Stripe.Price, includeTiers: boolean): Stripe.Price {
  const { tiers, ...rest } = price;
  // An expanded per-unit price keeps the key (so the expansion is valid) with no value to send.
  return includeTiers ? { ...rest, tiers } : rest;
}

export function getPrice(emulator: TEmulator, id: string): Stripe.Price {
  const price = emulator.store.get("prices", id);
  if (!price) throw resourceMissing("price", id);
  return price;
}

function expands(expand: string[] | undefined, path: string): boolean {
  return expand?.includes(path) ?? false;
}

/** Validates everything first, then creates the product (`product_data`) and the price. */
function createPrice(ctx: TRequestContext, params: TPriceCreate): Stripe.Price {
  const { emulator } = ctx;
  const billingScheme = params.billing_scheme ?? "per_unit";
  const amounts = billingScheme === "tiered" ? tieredAmounts(params) : perUnitAmounts(params);
  const recurring = params.recurring ? buildRecurring(emulator, params.recurring) : null;
  const lookupKey = params.lookup_key || null;
  const holder = lookupKeyHolder(ctx, { id: null, lookup_key: lookupKey }, params.transfer_lookup_key);
  const product = resolveProduct(ctx, params);
  const price: Stripe.Price = {
    id: newId("price"),
    object: "price",
    active: params.active ?? true,
    billing_scheme: billingScheme,
    created: emulator.now(),
    currency: params.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: lookupKey,
    metadata: mergeMetadata({}, params.metadata),
    nickname: params.nickname || null,
    product: product.id,
    recurring,
    tax_behavior: params.tax_behavior ?? "unspecified",
    ...amounts,
    type: recurring ? "recurring" : "one_time",
  };
  if (holder) releaseLookupKey(ctx, holder);
  emulator.store.put("prices", price);
  emitFromRequest(ctx, "price.created", presentPrice(price, false));
  return price;
}

type TAmounts = Pick<Stripe.Price, "tiers" | "tiers_mode" | "transform_quantity" | "unit_amount" | "unit_amount_decimal">;

function perUnitAmounts(params: TPriceCreate): TAmounts {
  if (params.tiers !== undefined) throw invalidRequest("`tiers` can only be set when `billing_scheme=tiered`.", { param: "tiers" });
  if (params.tiers_mode !== undefined) {
    throw invalidRequest("`tiers_mode` can only be set when `billing_scheme=tiered`.", { param: "tiers_mode" });
  }
  const amount = exclusiveAmount(params.unit_amount, params.unit_amount_decimal, "unit_amount", "unit_amount_decimal");
  if (!amount) throw invalidRequest("Missing required param: unit_amount.", { param: "unit_amount", code: "parameter_missing" });
  const transform = params.transform_quantity;
  return {
    tiers_mode: null,
    transform_quantity: transform ? { divide_by: transform.divide_by, round: transform.round } : null,
    unit_amount: amount.integer,
    unit_amount_decimal: amount.decimal,
  };
}

function tieredAmounts(params: TPriceCreate): TAmounts {
  for (const param of ["unit_amount", "unit_amount_decimal"] as const) {
    if (params[param] !== undefined) {
      throw invalidRequest(`\`${param}\` cannot be set when \`billing_scheme=tiered\`; set the amounts on each tier instead.`, { param });
    }
  }
  if (params.transform_quantity !== undefined) {
    throw invalidRequest("`transform_quantity` cannot be combined with `tiers`.", { param: "transform_quantity" });
  }
  if (params.tiers === undefined) throw invalidRequest("Missing required param: tiers.", { param: "tiers", code: "parameter_missing" });
  if (params.tiers_mode === undefined) {
    throw invalidRequest("Missing required param: tiers_mode.", { param: "tiers_mode", code: "parameter_missing" });
  }
  const last = params.tiers.length - 1;
  let previousUpTo = 0;
  const tiers = params.tiers.map((tier, index): Stripe.Price.Tier => {
    const param = `tiers[${index}]`;
    if (tier.up_to === "inf" && index !== last) {
      throw invalidRequest("Only the last tier can have `up_to=inf`.", { param: `${param}[up_to]` });
    }
    if (tier.up_to !== "inf") {
      if (index === last) throw invalidRequest("The last tier must have `up_to=inf`.", { param: `${param}[up_to]` });
      if (tier.up_to <= previousUpTo) {
        throw invalidRequest("Each tier's `up_to` must be greater than the previous tier's.", { param: `${param}[up_to]` });
      }
      previousUpTo = tier.up_to;
    }
    const unit = exclusiveAmount(tier.unit_amount, tier.unit_amount_decimal, `${param}[unit_amount]`, `${param}[unit_amount_decimal]`);
    const flat = exclusiveAmount(tier.flat_amount, tier.flat_amount_decimal, `${param}[flat_amount]`, `${param}[flat_amount_decimal]`);
    if (!unit && !flat) throw invalidRequest("An entry in the tiers array is missing an amount.", { param });
    return {
      flat_amount: flat?.integer ?? null,
      flat_amount_decimal: flat?.decimal ?? null,
      unit_amount: unit?.integer ?? null,
      unit_amount_decimal: unit?.decimal ?? null,
      up_to: tier.up_to === "inf" ? null : tier.up_to,
    };
  });
  return { tiers, tiers_mode: params.tiers_mode, transform_quantity: null, unit_amount: null, unit_amount_decimal: null };
}

/**
 * An amount given as an integer or as a decimal string (never both), returned in both forms; the
 * integer form is set only when the amount is whole, as Stripe shows it.
 */
function exclusiveAmount(integer: number | undefined, decimal: string | undefined, integerParam: string, decimalParam: string) {
  if (integer !== undefined && decimal !== undefined) {
    throw invalidRequest(`You may only specify one of these parameters: ${integerParam}, ${decimalParam}.`, { param: decimalParam });
  }
  if (integer !== undefined) return { integer, decimal: decimalField(integer) };
  if (decimal === undefined) return undefined;
  const value = new Decimal(decimal);
  return { integer: value.isInteger() ? value.toNumber() : null, decimal: decimalField(value) };
}

function buildRecurring(emulator: TEmulator, recurring: NonNullable<TPriceCreate["recurring"]>): Stripe.Price.Recurring {
  const usageType = recurring.usage_type ?? "licensed";
  const intervalCount = recurring.interval_count ?? 1;
  if (intervalCount > MAX_INTERVAL_COUNT[recurring.interval]) {
    throw invalidRequest("The maximum billing interval is three years (3 years, 36 months, 156 weeks or 1095 days).", {
      param: "recurring[interval_count]",
    });
  }
  if (usageType === "metered") {
    if (recurring.meter === undefined) {
      throw invalidRequest("Metered prices must be backed by a billing meter: set `recurring[meter]`.", {
        param: "recurring[meter]",
        code: "parameter_missing",
      });
    }
    if (!emulator.store.get("meters", recurring.meter)) {
      throw invalidRequest(`No such billing meter: '${recurring.meter}'`, { param: "recurring[meter]", code: "resource_missing" });
    }
  } else if (recurring.meter !== undefined) {
    throw invalidRequest("`recurring[meter]` can only be set when `recurring[usage_type]=metered`.", { param: "recurring[meter]" });
  }
  return {
    interval: recurring.interval,
    interval_count: intervalCount,
    meter: recurring.meter ?? null,
    trial_period_days: recurring.trial_period_days ?? null,
    usage_type: usageType,
  };
}

function resolveProduct(ctx: TRequestContext, params: TPriceCreate): Stripe.Product {
  if (params.product !== undefined && params.product_data !== undefined) {
    throw invalidRequest("You may only specify one of these parameters: product, product_data.", { param: "product_data" });
  }
  if (params.product_data !== undefined) return createProduct(ctx, params.product_data, "product_data[id]");
  if (params.product === undefined) {
    throw invalidRequest("Missing required param: product.", { param: "product", code: "parameter_missing" });
  }
  const product = ctx.emulator.store.get("products", params.product);
  if (!product) throw invalidRequest(`No such product: '${params.product}'`, { param: "product", code: "resource_missing" });
  return product;
}

/**
 * Lookup keys are unique across prices: the price holding `price.lookup_key` already, which
 * `transfer_lookup_key=true` takes it from (otherwise the request fails).
 */
function lookupKeyHolder(ctx: TRequestContext, price: { id: string | null; lookup_key: string | null }, transfer: boolean | undefined) {
  if (price.lookup_key === null) return undefined;
  const holder = ctx.emulator.store.list("prices").find((other) => other.lookup_key === price.lookup_key && other.id !== price.id);
  if (holder && !transfer) throw invalidRequest(`A price (\`${holder.id}\`) already uses that lookup key.`, { param: "lookup_key" });
  return holder;
}

function releaseLookupKey(ctx: TRequestContext, holder: Stripe.Price): void {
  const released: Stripe.Price = { ...holder, lookup_key: null };
  ctx.emulator.store.put("prices", released);
  emitFromRequest(ctx, "price.updated", presentPrice(released, false), { previousAttributes: { lookup_key: holder.lookup_key } });
}
