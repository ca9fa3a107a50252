// The plan version editor's form state: strings as typed (decimals are never parsed to floats), and
// the one mapping from it to the input of ZPlanVersionInput / ZChargeInput (the schemas the API
// uses). Pure: used by the editor in the browser and by the pages that fill it from the database.
import type { z } from "zod";
import type { TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import type { ZChargeInput, ZPlanVersionInput } from "@/lib/catalog/schemas";

export type TPricingModelName = "PER_UNIT" | "PACKAGE" | "GRADUATED" | "VOLUME";
export type TIntervalName = "DAY" | "WEEK" | "MONTH" | "YEAR";

export type TTierDraft = { key: string; upTo: string; unitPriceMinor: string; flatPriceMinor: string };
export type TChargeDraft = {
  key: string;
  meterId: string;
  includedQuantity: string;
  pricingModel: TPricingModelName;
  unitPriceMinor: string;
  packageSize: string;
  tiers: TTierDraft[];
};
export type TVersionDraft = {
  currency: string;
  interval: TIntervalName;
  intervalCount: string;
  baseFeeMinor: string;
  /** Comma-separated percentages, e.g. "75, 90, 100". */
  alertThresholds: string;
  charges: TChargeDraft[];
};

/** A meter the editor can charge for (plain strings: it crosses to the browser). */
export type TMeterOption = { id: string; eventName: string; displayName: string; unitLabel: string };

export const INFINITY_SIGN = "∞";

let nextKey = 0;
/** A React key for a row added in the browser. */
export function newKey(prefix: string): string {
  nextKey += 1;
  return `${prefix}-new-${nextKey}`;
}

export function newTier(key = newKey("tier")): TTierDraft {
  return { key, upTo: "", unitPriceMinor: "", flatPriceMinor: "" };
}

export function newCharge(meterId: string): TChargeDraft {
  return { key: newKey("charge"), meterId, includedQuantity: "0", pricingModel: "PER_UNIT", unitPriceMinor: "", packageSize: "", tiers: [newTier()] };
}

export function emptyVersionDraft(): TVersionDraft {
  return { currency: "usd", interval: "MONTH", intervalCount: "1", baseFeeMinor: "0", alertThresholds: "75, 90, 100", charges: [] };
}

const text = (value: { toFixed(): string } | null) => (value === null ? "" : value.toFixed());

/** A stored version → the editor's state. */
export function toVersionDraft(version: TPlanVersionWithCharges): TVersionDraft {
  return {
    currency: version.currency,
    interval: version.interval,
    intervalCount: String(version.intervalCount),
    baseFeeMinor: version.baseFeeMinor.toString(),
    alertThresholds: version.alertThresholds.join(", "),
    charges: version.charges.map((charge) => ({
      key: charge.id,
      meterId: charge.meterId,
      includedQuantity: text(charge.includedQuantity),
      pricingModel: charge.pricingModel,
      unitPriceMinor: text(charge.unitPriceMinor),
      packageSize: text(charge.packageSize),
      tiers: charge.tiers.length > 0 ? charge.tiers.map((tier) => ({ key: tier.id, upTo: text(tier.upTo), unitPriceMinor: text(tier.unitPriceMinor), flatPriceMinor: text(tier.flatPriceMinor) })) : [newTier(`${charge.id}-tier`)],
    })),
  };
}

/** Empty → absent, so the schema's default applies (e.g. a tier's flat amount of 0). */
const optional = (value: string) => (value.trim() === "" ? undefined : value);

/** An empty bound or "∞" is the unbounded last tier (`upTo: null`). */
const tierBound = (value: string) => (value.trim() === "" || value.trim() === INFINITY_SIGN ? null : value);

export function toChargeInput(charge: TChargeDraft): z.input<typeof ZChargeInput> {
  const base = { meterId: charge.meterId, includedQuantity: optional(charge.includedQuantity) };
  switch (charge.pricingModel) {
    case "PER_UNIT":
      return { ...base, pricingModel: "PER_UNIT", unitPriceMinor: charge.unitPriceMinor };
    case "PACKAGE":
      return { ...base, pricingModel: "PACKAGE", unitPriceMinor: charge.unitPriceMinor, packageSize: charge.packageSize };
    case "GRADUATED":
    case "VOLUME":
      return {
        ...base,
        pricingModel: charge.pricingModel,
        tiers: charge.tiers.map((tier) => ({ upTo: tierBound(tier.upTo), unitPriceMinor: optional(tier.unitPriceMinor), flatPriceMinor: optional(tier.flatPriceMinor) })),
      };
  }
}

export function toVersionInput(draft: TVersionDraft): z.input<typeof ZPlanVersionInput> {
  return {
    currency: draft.currency,
    interval: draft.interval,
    intervalCount: draft.intervalCount,
    baseFeeMinor: draft.baseFeeMinor.trim() === "" ? undefined : draft.baseFeeMinor,
    alertThresholds: draft.alertThresholds
      .split(",")
      .map((part) => part.trim())
      .filter((part) => part !== ""),
    charges: draft.charges.map(toChargeInput),
  };
}

/**
 * An action's field errors, keyed by pointers into the version (`/charges/0/tiers/1/upTo`): a new
 * plan's and a draft update's pointers start with `/version`; a service's may not.
 */
export function versionFieldErrors(fieldErrors: Record<string, string>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [pointer, message] of Object.entries(fieldErrors)) {
    const inVersion = pointer === "/version" ? "" : pointer.startsWith("/version/") ? pointer.slice("/version".length) : pointer;
    errors[inVersion] ??= message;
  }
  return errors;
}

export function toMeterOption(meter: TMeterOption): TMeterOption {
  return { id: meter.id, eventName: meter.eventName, displayName: meter.displayName, unitLabel: meter.unitLabel };
}
