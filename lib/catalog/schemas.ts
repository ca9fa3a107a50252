// The catalog's input schemas, shared by the admin forms (server actions) and the admin REST API.
//
// Convention: these schemas speak the services' language, camelCase (`displayName`,
// `baseFeeMinor`). The REST layer's wire format is snake_case; its route handlers map the body's
// keys to camelCase before parsing with these schemas (and map answers back), so there is one set of
// rules for both. Parse once at the edge: services receive the parsed output (`T<Name>`) and do not
// validate again.
//
// Decimals (quantities, unit prices in minor units) arrive as strings or numbers and leave as
// decimal.js values with at most 12 decimal places, never floats. Money amounts leave as bigint.
import Decimal from "decimal.js";
import { z } from "zod";
import { stripeBillingProblems } from "@/lib/billing/stripe-billing-problems";
import type { TCharge } from "@/lib/billing/types";

const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;
const MAX_PLACES = 12;

/** A non-negative exact decimal with at most 12 decimal places (Stripe's `*_decimal` limit). */
export function zDecimal(options: { positive?: boolean } = {}) {
  return z
    .union([z.string().trim(), z.number().finite()])
    .transform((value, ctx) => {
      const text = typeof value === "number" ? String(value) : value;
      if (!DECIMAL_PATTERN.test(text)) {
        ctx.addIssue({ code: "custom", message: "Enter a number, e.g. 12 or 0.0025." });
        return z.NEVER;
      }
      const decimal = new Decimal(text);
      if (decimal.decimalPlaces() > MAX_PLACES) {
        ctx.addIssue({ code: "custom", message: `At most ${MAX_PLACES} decimal places.` });
        return z.NEVER;
      }
      if (decimal.isNegative() && !decimal.isZero()) {
        ctx.addIssue({ code: "custom", message: "Must not be negative." });
        return z.NEVER;
      }
      if (options.positive && decimal.isZero()) {
        ctx.addIssue({ code: "custom", message: "Must be greater than zero." });
        return z.NEVER;
      }
      return decimal;
    });
}

/** A non-negative integer amount of minor units (e.g. cents), as bigint. */
export const zMinorAmount = z
  .union([z.bigint(), z.number().int(), z.string().trim().regex(/^\d+$/, "Enter a whole number of minor units, e.g. 4900 for $49.00.")])
  .transform((value) => BigInt(value))
  .refine((value) => value >= 0n, "Must not be negative.")
  .refine((value) => value <= 99_999_999_999n, "Too large for Stripe (at most 99,999,999,999 minor units).");

const zSlug = (label: string, max: number) =>
  z
    .string()
    .trim()
    .min(1, `Enter ${label}.`)
    .max(max, `At most ${max} characters.`)
    .regex(/^[a-z0-9][a-z0-9._-]*$/, "Lower-case letters, digits, '.', '_' and '-', starting with a letter or digit.");

const zName = (max: number) => z.string().trim().min(1, "Must not be empty.").max(max, `At most ${max} characters.`);

// ---------------------------------------------------------------------------------------------
// Meters
// ---------------------------------------------------------------------------------------------

/**
 * MAX is part of Tally's model but Stripe meters aggregate only `sum`, `count` and `last`. Mapping
 * MAX to `last` is wrong (the last value of a period is not its maximum), so a MAX meter cannot be
 * billed by Stripe and is refused here with the reason. (Supporting it would need the reporter to
 * send the period's running maximum as a `last` gauge; until then, use LAST for gauges.)
 */
export const MAX_AGGREGATION_REFUSAL =
  "Stripe meters aggregate by sum, count or last; they have no maximum, so a MAX meter cannot be billed. Use LAST for a gauge (e.g. storage at the end of the period).";

const zAggregation = z.enum(["SUM", "COUNT", "MAX", "LAST"]).refine((value) => value !== "MAX", MAX_AGGREGATION_REFUSAL);
const zRounding = z.enum(["DOWN", "UP", "HALF_UP"]);

const meterMutableFields = {
  displayName: zName(250),
  /** Singular label of one unit, e.g. "request", "GB". */
  unitLabel: zName(40),
  /** Stripe value = quantity × valueScale, rounded by `rounding` with the remainder carried. */
  valueScale: zDecimal({ positive: true }),
  rounding: zRounding,
};

export const ZMeterInput = z.strictObject({
  /** The `meter` of usage events and Stripe's `event_name`; immutable once created. */
  eventName: zSlug("an event name", 100),
  aggregation: zAggregation,
  allowNegative: z.boolean().default(false),
  ...meterMutableFields,
  valueScale: meterMutableFields.valueScale.default(new Decimal(1)),
  rounding: zRounding.default("HALF_UP"),
});
export type TMeterInput = z.output<typeof ZMeterInput>;

/**
 * What can change on a meter. `eventName` and `aggregation` cannot: Stripe's meters cannot change
 * their event name or aggregation formula after creation (only the display name), and usage already
 * reported was aggregated under them. Sending them is refused as an unknown key.
 */
export const ZMeterUpdate = z
  .strictObject({
    displayName: meterMutableFields.displayName.optional(),
    unitLabel: meterMutableFields.unitLabel.optional(),
    valueScale: meterMutableFields.valueScale.optional(),
    rounding: zRounding.optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), "Nothing to change.");
export type TMeterUpdate = z.output<typeof ZMeterUpdate>;

// ---------------------------------------------------------------------------------------------
// Plans, versions, charges, tiers
// ---------------------------------------------------------------------------------------------

export const ZTierInput = z.strictObject({
  /** Inclusive upper bound (as Stripe's `up_to`); null on the last tier (infinity). */
  upTo: zDecimal({ positive: true }).nullable(),
  unitPriceMinor: zDecimal().default(new Decimal(0)),
  flatPriceMinor: zDecimal().default(new Decimal(0)),
});
export type TTierInput = z.output<typeof ZTierInput>;

const chargeBase = {
  meterId: z.uuid("Choose a meter."),
  /** Free units per period; usage above it is priced. */
  includedQuantity: zDecimal().default(new Decimal(0)),
};

/** Tier order problems: bounds increasing, only the last one unbounded. */
function tierProblems(tiers: TTierInput[]): { path: (string | number)[]; message: string }[] {
  return tiers.flatMap((tier, index) => {
    const last = index === tiers.length - 1;
    const previous = tiers[index - 1]?.upTo;
    if (last && tier.upTo !== null) return [{ path: [index, "upTo"], message: "The last tier has no upper bound (leave it empty for infinity)." }];
    if (!last && tier.upTo === null) return [{ path: [index, "upTo"], message: "Only the last tier may be unbounded." }];
    if (tier.upTo !== null && previous && !tier.upTo.greaterThan(previous)) {
      return [{ path: [index, "upTo"], message: `Must be greater than the previous tier's upper bound (${previous.toString()}).` }];
    }
    return [];
  });
}

const zTiers = z
  .array(ZTierInput)
  .min(1, "Add at least one tier.")
  .max(50, "At most 50 tiers.")
  .superRefine((tiers, ctx) => {
    for (const problem of tierProblems(tiers)) ctx.addIssue({ code: "custom", ...problem });
  });

export const ZChargeInput = z.discriminatedUnion("pricingModel", [
  z.strictObject({ ...chargeBase, pricingModel: z.literal("PER_UNIT"), unitPriceMinor: zDecimal() }),
  z.strictObject({ ...chargeBase, pricingModel: z.literal("PACKAGE"), unitPriceMinor: zDecimal(), packageSize: zDecimal({ positive: true }) }),
  z.strictObject({ ...chargeBase, pricingModel: z.literal("GRADUATED"), tiers: zTiers }),
  z.strictObject({ ...chargeBase, pricingModel: z.literal("VOLUME"), tiers: zTiers }),
]);
export type TChargeInput = z.output<typeof ZChargeInput>;

/** A charge input in the pricing engine's shape (names are irrelevant to the checks it feeds). */
export function chargeInputToPricing(charge: TChargeInput): TCharge {
  return {
    meterId: charge.meterId,
    meterName: "",
    unitLabel: "",
    includedQuantity: charge.includedQuantity,
    model: charge.pricingModel,
    unitPriceMinor: "unitPriceMinor" in charge ? charge.unitPriceMinor : null,
    packageSize: charge.pricingModel === "PACKAGE" ? charge.packageSize : null,
    tiers: "tiers" in charge ? charge.tiers : [],
  };
}

const INTERVAL_LIMITS = { DAY: 365, WEEK: 52, MONTH: 12, YEAR: 1 } as const;

export const ZPlanVersionInput = z
  .strictObject({
    /** ISO 4217, stored lower-case as Stripe writes it. */
    currency: z
      .string()
      .trim()
      .regex(/^[A-Za-z]{3}$/, "A three-letter currency code, e.g. usd.")
      .transform((value) => value.toLowerCase()),
    interval: z.enum(["DAY", "WEEK", "MONTH", "YEAR"]).default("MONTH"),
    intervalCount: z.coerce.number().int().min(1, "At least 1.").default(1),
    baseFeeMinor: zMinorAmount.default(0n),
    /** Percentages of the included quantity that raise usage alerts. */
    alertThresholds: z
      .array(z.coerce.number().int().min(1, "Between 1 and 1000 %.").max(1000, "Between 1 and 1000 %."))
      .max(10, "At most 10 thresholds.")
      .default([75, 90, 100])
      .transform((values) => [...new Set(values)].sort((a, b) => a - b)),
    charges: z.array(ZChargeInput).max(19, "At most 19 charges (Stripe allows 20 items per subscription, one is the base fee).").default([]),
  })
  .superRefine((version, ctx) => {
    if (version.intervalCount > INTERVAL_LIMITS[version.interval]) {
      ctx.addIssue({
        code: "custom",
        path: ["intervalCount"],
        message: `Stripe bills at most every ${INTERVAL_LIMITS[version.interval]} ${version.interval.toLowerCase()}(s) (one year).`,
      });
    }
    const seen = new Set<string>();
    version.charges.forEach((charge, index) => {
      if (seen.has(charge.meterId)) ctx.addIssue({ code: "custom", path: ["charges", index, "meterId"], message: "This meter already has a charge in this plan." });
      seen.add(charge.meterId);
      if ("tiers" in charge && (charge.tiers.length === 0 || tierProblems(charge.tiers).length > 0)) return; // reported on the tiers
      for (const problem of stripeBillingProblems(chargeInputToPricing(charge))) {
        const field = /included quantity/i.test(problem) ? ["includedQuantity"] : [];
        ctx.addIssue({ code: "custom", path: ["charges", index, ...field], message: problem });
      }
    });
  });
export type TPlanVersionInput = z.output<typeof ZPlanVersionInput>;

export const ZPlanInput = z.strictObject({
  /** Stable slug, e.g. "team". */
  key: zSlug("a key", 60),
  name: zName(120),
  description: z.string().trim().max(2_000, "At most 2000 characters.").default(""),
  sortOrder: z.coerce.number().int().default(0),
  /** The first version (a draft). */
  version: ZPlanVersionInput,
});
export type TPlanInput = z.output<typeof ZPlanInput>;

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

const zEmail = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email("Enter an email address.").max(254, "At most 254 characters."));

export const ZCustomerInput = z.strictObject({
  /** The id usage events name this customer by (`customer` field); immutable once created. */
  externalId: zSlug("an external id", 100),
  name: zName(200),
  email: zEmail.nullable().default(null),
});
export type TCustomerInput = z.output<typeof ZCustomerInput>;

/** The external id cannot change: usage events already sent and stored name the customer by it. */
export const ZCustomerUpdate = z
  .strictObject({ name: zName(200).optional(), email: zEmail.nullable().optional() })
  .refine((value) => value.name !== undefined || value.email !== undefined, "Nothing to change.");
export type TCustomerUpdate = z.output<typeof ZCustomerUpdate>;
