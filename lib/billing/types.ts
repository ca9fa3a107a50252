// The plain shapes the pricing engine works on: a plan version's prices, independent of Prisma and
// of Stripe. Quantities and unit prices are exact decimals; amounts are integer minor units.
import type Decimal from "decimal.js";

export type TPricingModel = "PER_UNIT" | "PACKAGE" | "GRADUATED" | "VOLUME";

/** A GRADUATED or VOLUME tier. `upTo` is inclusive (as in Stripe); null means infinity. */
export type TTier = {
  upTo: Decimal | null;
  /** Minor units per unit, up to 12 decimal places (e.g. 0.08 = $0.0008). */
  unitPriceMinor: Decimal;
  /** Minor units charged once when any units reach the tier. */
  flatPriceMinor: Decimal;
};

/**
 * One metered charge. The first `includedQuantity` units are free; the usage above it is priced
 * by the model (tiers count from the first unit above the included quantity).
 */
export type TCharge = {
  meterId: string;
  /** e.g. "API requests". */
  meterName: string;
  /** Singular unit label, e.g. "request". */
  unitLabel: string;
  includedQuantity: Decimal;
  model: TPricingModel;
  /** PER_UNIT: price of one unit; PACKAGE: price of one package. */
  unitPriceMinor: Decimal | null;
  /** PACKAGE: units per package (usage above the included quantity is rounded up to packages). */
  packageSize: Decimal | null;
  /** GRADUATED / VOLUME, in order; the last tier has `upTo: null`. */
  tiers: TTier[];
};

export type TPlanPricing = {
  /** ISO 4217, lower case ("usd"). */
  currency: string;
  baseFeeMinor: bigint;
  charges: TCharge[];
};
