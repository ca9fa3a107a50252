// The admin API's response bodies: one zod schema per resource (documented in the OpenAPI
// document) and the serializer that builds it from a service's result, typed against that schema.
// Money: integer minor units with `currency`; decimals (quantities, unit prices in minor units):
// strings; instants: RFC 3339 (UTC); enums: the same upper-case values the request bodies take.
import { z } from "zod";
import type { TPlanVersionWithCharges, TPlanWithVersions } from "@/lib/catalog/get-plan";
import type { TPlanSummary } from "@/lib/catalog/find-plans";
import type { TCustomer } from "@/lib/customers/get-customer";
import type { TCustomersPage } from "@/lib/customers/find-customers";
import type { Prisma } from "@/lib/db";
import { ERROR_STATUS, type TErrorCode } from "@/lib/errors";
import type { TSubscriptionDetail } from "@/lib/subscriptions/get-subscription";
import { wireDecimal, wireMinor, wireTime } from "./wire";

const zId = z.uuid();
const zTime = z.iso.datetime({ offset: true });
const zDecimalString = z.string().regex(/^-?\d+(\.\d+)?$/).meta({ description: "An exact decimal, as a string." });
const zMinor = z.int().min(0).meta({ description: "An amount in minor units of `currency` (e.g. cents)." });

// ---------------------------------------------------------------------------------------------

export const ZApiMeter = z.strictObject({
  id: zId,
  event_name: z.string(),
  display_name: z.string(),
  aggregation: z.enum(["SUM", "COUNT", "MAX", "LAST"]),
  unit_label: z.string(),
  value_scale: zDecimalString,
  rounding: z.enum(["DOWN", "UP", "HALF_UP"]),
  allow_negative: z.boolean(),
  status: z.enum(["ACTIVE", "ARCHIVED"]),
  stripe_meter_id: z.string().nullable(),
  created_at: zTime,
});

export function serializeMeter(meter: Prisma.MeterModel): z.input<typeof ZApiMeter> {
  return {
    id: meter.id,
    event_name: meter.eventName,
    display_name: meter.displayName,
    aggregation: meter.aggregation,
    unit_label: meter.unitLabel,
    value_scale: wireDecimal(meter.valueScale),
    rounding: meter.rounding,
    allow_negative: meter.allowNegative,
    status: meter.status,
    stripe_meter_id: meter.stripeMeterId,
    created_at: wireTime(meter.createdAt),
  };
}

// ---------------------------------------------------------------------------------------------

const zVersionStatus = z.enum(["DRAFT", "PUBLISHED", "RETIRED"]);
const zInterval = z.enum(["DAY", "WEEK", "MONTH", "YEAR"]);

export const ZApiTier = z.strictObject({ up_to: zDecimalString.nullable(), unit_price_minor: zDecimalString, flat_price_minor: zDecimalString });

export const ZApiCharge = z.strictObject({
  id: zId,
  meter_id: zId,
  meter_event_name: z.string(),
  included_quantity: zDecimalString,
  pricing_model: z.enum(["PER_UNIT", "PACKAGE", "GRADUATED", "VOLUME"]),
  unit_price_minor: zDecimalString.nullable(),
  package_size: zDecimalString.nullable(),
  tiers: z.array(ZApiTier),
  stripe_price_id: z.string().nullable(),
});

export const ZApiPlanVersion = z.strictObject({
  id: zId,
  plan_id: zId,
  version: z.int(),
  status: zVersionStatus,
  currency: z.string(),
  interval: zInterval,
  interval_count: z.int(),
  base_fee_minor: zMinor,
  alert_thresholds: z.array(z.int()),
  charges: z.array(ZApiCharge),
  stripe_base_price_id: z.string().nullable(),
  published_at: zTime.nullable(),
  created_at: zTime,
});

export function serializePlanVersion(version: TPlanVersionWithCharges): z.input<typeof ZApiPlanVersion> {
  return {
    id: version.id,
    plan_id: version.planId,
    version: version.version,
    status: version.status,
    currency: version.currency,
    interval: version.interval,
    interval_count: version.intervalCount,
    base_fee_minor: wireMinor(version.baseFeeMinor),
    alert_thresholds: version.alertThresholds,
    charges: version.charges.map((charge) => ({
      id: charge.id,
      meter_id: charge.meterId,
      meter_event_name: charge.meter.eventName,
      included_quantity: wireDecimal(charge.includedQuantity),
      pricing_model: charge.pricingModel,
      unit_price_minor: charge.unitPriceMinor && wireDecimal(charge.unitPriceMinor),
      package_size: charge.packageSize && wireDecimal(charge.packageSize),
      tiers: charge.tiers.map((tier) => ({
        up_to: tier.upTo && wireDecimal(tier.upTo),
        unit_price_minor: wireDecimal(tier.unitPriceMinor),
        flat_price_minor: wireDecimal(tier.flatPriceMinor),
      })),
      stripe_price_id: charge.stripePriceId,
    })),
    stripe_base_price_id: version.stripeBasePriceId,
    published_at: version.publishedAt && wireTime(version.publishedAt),
    created_at: wireTime(version.createdAt),
  };
}

const planFields = {
  id: zId,
  key: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.enum(["ACTIVE", "ARCHIVED"]),
  sort_order: z.int(),
  stripe_product_id: z.string().nullable(),
  created_at: zTime,
};

export const ZApiPlan = z.strictObject({ ...planFields, versions: z.array(ZApiPlanVersion) });

function planBase(plan: Prisma.PlanModel) {
  return {
    id: plan.id,
    key: plan.key,
    name: plan.name,
    description: plan.description,
    status: plan.status,
    sort_order: plan.sortOrder,
    stripe_product_id: plan.stripeProductId,
    created_at: wireTime(plan.createdAt),
  };
}

export function serializePlan(plan: TPlanWithVersions): z.input<typeof ZApiPlan> {
  return { ...planBase(plan), versions: plan.versions.map(serializePlanVersion) };
}

/** A plan in the list: its versions without their charges. */
export const ZApiPlanSummary = z.strictObject({
  ...planFields,
  versions: z.array(
    z.strictObject({
      id: zId,
      version: z.int(),
      status: zVersionStatus,
      currency: z.string(),
      interval: zInterval,
      interval_count: z.int(),
      base_fee_minor: zMinor,
      published_at: zTime.nullable(),
    }),
  ),
});

export function serializePlanSummary(plan: TPlanSummary): z.input<typeof ZApiPlanSummary> {
  return {
    ...planBase(plan),
    versions: plan.versions.map((version) => ({
      id: version.id,
      version: version.version,
      status: version.status,
      currency: version.currency,
      interval: version.interval,
      interval_count: version.intervalCount,
      base_fee_minor: wireMinor(version.baseFeeMinor),
      published_at: version.publishedAt && wireTime(version.publishedAt),
    })),
  };
}

// ---------------------------------------------------------------------------------------------

const customerFields = {
  id: zId,
  external_id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  stripe_customer_id: z.string().nullable(),
  created_at: zTime,
};

export const ZApiCustomer = z.strictObject(customerFields);

export function serializeCustomer(customer: Prisma.CustomerModel | TCustomer): z.input<typeof ZApiCustomer> {
  return {
    id: customer.id,
    external_id: customer.externalId,
    name: customer.name,
    email: customer.email,
    stripe_customer_id: customer.stripeCustomerId,
    created_at: wireTime(customer.createdAt),
  };
}

/** One customer with a summary of its live subscription. */
export const ZApiCustomerDetail = z.strictObject({
  ...customerFields,
  subscription: z
    .strictObject({ id: z.uuid(), status: z.string(), plan_name: z.string(), current_period_start: zTime, current_period_end: zTime })
    .nullable(),
});

export function serializeCustomerDetail(customer: TCustomer): z.input<typeof ZApiCustomerDetail> {
  const live = customer.subscription;
  return {
    ...serializeCustomer(customer),
    subscription: live && {
      id: live.id,
      status: live.status,
      plan_name: live.planName,
      current_period_start: wireTime(live.currentPeriodStart),
      current_period_end: wireTime(live.currentPeriodEnd),
    },
  };
}

export const ZApiCustomerPage = z.strictObject({ data: z.array(ZApiCustomer), total: z.int(), page: z.int(), page_size: z.int() });

export function serializeCustomerPage(page: TCustomersPage): z.input<typeof ZApiCustomerPage> {
  return { data: page.customers.map(serializeCustomer), total: page.total, page: page.page, page_size: page.pageSize };
}

// ---------------------------------------------------------------------------------------------

export const ZApiSubscription = z.strictObject({
  id: zId,
  customer_id: zId,
  status: z.enum(["INCOMPLETE", "INCOMPLETE_EXPIRED", "TRIALING", "ACTIVE", "PAST_DUE", "CANCELED", "UNPAID", "PAUSED"]),
  plan: z.strictObject({ id: zId, key: z.string(), name: z.string() }),
  plan_version_id: zId,
  plan_version: z.int(),
  currency: z.string(),
  pending_plan_version_id: zId.nullable().meta({ description: "A plan change scheduled for the end of the current period." }),
  current_period_start: zTime,
  current_period_end: zTime,
  cancel_at_period_end: z.boolean(),
  started_at: zTime,
  canceled_at: zTime.nullable(),
  ended_at: zTime.nullable(),
  stripe_subscription_id: z.string().nullable(),
  items: z.array(
    z.strictObject({
      id: zId,
      kind: z.enum(["BASE", "METERED"]),
      meter_id: zId.nullable(),
      stripe_price_id: z.string().nullable(),
      stripe_subscription_item_id: z.string().nullable(),
      removed_at: zTime.nullable(),
    }),
  ),
});

export function serializeSubscription(subscription: TSubscriptionDetail): z.input<typeof ZApiSubscription> {
  const version = subscription.planVersion;
  return {
    id: subscription.id,
    customer_id: subscription.customerId,
    status: subscription.status,
    plan: { id: version.plan.id, key: version.plan.key, name: version.plan.name },
    plan_version_id: version.id,
    plan_version: version.version,
    currency: version.currency,
    pending_plan_version_id: subscription.pendingPlanVersionId,
    current_period_start: wireTime(subscription.currentPeriodStart),
    current_period_end: wireTime(subscription.currentPeriodEnd),
    cancel_at_period_end: subscription.cancelAtPeriodEnd,
    started_at: wireTime(subscription.startedAt),
    canceled_at: subscription.canceledAt && wireTime(subscription.canceledAt),
    ended_at: subscription.endedAt && wireTime(subscription.endedAt),
    stripe_subscription_id: subscription.stripeSubscriptionId,
    items: subscription.items.map((item) => ({
      id: item.id,
      kind: item.kind,
      meter_id: item.meterId,
      stripe_price_id: item.stripePriceId,
      stripe_subscription_item_id: item.stripeSubscriptionItemId,
      removed_at: item.removedAt && wireTime(item.removedAt),
    })),
  };
}

// ---------------------------------------------------------------------------------------------

/** RFC 9457 problem details, as lib/http/problem.ts writes them. */
export const ZApiProblem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string().optional(),
  code: z.enum(Object.keys(ERROR_STATUS) as [TErrorCode, ...TErrorCode[]]),
  request_id: z.string().optional(),
  errors: z.array(z.strictObject({ pointer: z.string(), detail: z.string(), code: z.string().optional() })).optional(),
});

export const listOf = <S extends z.ZodType>(item: S) => z.strictObject({ data: z.array(item) });
