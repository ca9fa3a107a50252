// The one pricing engine (DESIGN.md rule 8): what a plan version charges for given quantities.
// Pure and deterministic. Exact decimals throughout; each line is rounded once, at the end, to
// integer minor units (half away from zero), as Stripe rounds an invoice line.
//
// Per metered charge:
// - QUANTITY credits first take free units off the meter's usage (never below 0);
// - the first `includedQuantity` units are free;
// - the units above (the overage) are priced by the model, tiers counting from the first unit
//   above the included quantity:
//   PER_UNIT  overage × unit price;
//   PACKAGE   ceil(overage / package size) packages × package price;
//   GRADUATED each tier bills its own units at its unit price, plus its flat amount when any units
//             reach it (`upTo` inclusive);
//   VOLUME    the single tier that contains the overage prices every overage unit, plus its flat.
// - Zero: quantity 0 lies in the first tier, so with NO included quantity a first tier's flat
//   amount is charged even at zero usage (a "base fee in the first tier"), in both tier modes —
//   exactly what the Stripe emulator does (tools/stripe-emulator/billing/pricing.ts) and what a
//   Stripe tier's flat amount means ("for an entire tier, regardless of the number of units").
//   With an included quantity, usage up to it lies in Stripe's free first tier
//   (stripe-price-params.ts), so no priced tier is reached and nothing is charged.
// AMOUNT credits then apply as Stripe applies billing credits: only to the usage (metered) lines,
// never to the base fee, in the order given (the caller sorts them in Stripe's order:
// lib/billing/find-rate-credits.ts), each at most what is left of the usage lines after the
// credits before it, and each shown as a negative line. `amountMinor` is what is left of the
// credit (its balance), not what was granted.
import Decimal from "decimal.js";
import { ExactDecimal, formatMoney, formatQuantity, formatUnits, normalizeCurrency, roundToMinorUnits } from "@/lib/money/currency";
import type { TCharge, TPlanPricing, TPricingModel, TTier } from "./types";

export type TRateCredit =
  /** Free units of one meter, taken off its usage before pricing. */
  | { kind: "QUANTITY"; creditId?: string; meterId: string; quantity: Decimal; reason: string }
  /** Money off the usage lines, in the plan's currency: the credit's remaining balance. */
  | { kind: "AMOUNT"; creditId?: string; amountMinor: bigint; currency: string; reason: string };

/** One step of a usage line, so a person can follow the arithmetic. */
export type TRatedStep = {
  kind: "CREDITED" | "INCLUDED" | "UNITS" | "PACKAGES" | "TIER";
  description: string;
  /** Units this step covers. */
  quantity: Decimal;
  /** PACKAGES: whole packages billed (the units rounded up); otherwise null. */
  packages: Decimal | null;
  /** TIER: the tier's position (0-based) in the charge's tiers; otherwise null. */
  tier: number | null;
  /** Per unit (per package for PACKAGES); 0 for free steps. */
  unitPriceMinor: Decimal;
  flatPriceMinor: Decimal;
  /** Exact, before the line is rounded. */
  amountMinor: Decimal;
};

export type TRatedBaseFeeLine = { kind: "BASE_FEE"; description: string; amountMinor: bigint };

export type TRatedUsageLine = {
  kind: "USAGE";
  description: string;
  meterId: string;
  meterName: string;
  model: TPricingModel;
  /** The meter's usage as given. */
  quantity: Decimal;
  /** Taken off by QUANTITY credits. */
  creditedQuantity: Decimal;
  includedQuantity: Decimal;
  /** Priced by the model: usage − credited − included, never below 0. */
  billableQuantity: Decimal;
  breakdown: TRatedStep[];
  /** The sum of the steps, before rounding. */
  exactAmountMinor: Decimal;
  /** Rounded once, half away from zero. */
  amountMinor: bigint;
};

export type TRatedCreditLine = {
  kind: "CREDIT";
  description: string;
  creditId: string | null;
  reason: string;
  /** Negative: the part of the credit applied to this invoice (the rest is left over). */
  amountMinor: bigint;
};

export type TRatedLine = TRatedBaseFeeLine | TRatedUsageLine | TRatedCreditLine;

export type TRatedInvoice = {
  currency: string;
  lines: TRatedLine[];
  /** Base fee + usage lines. */
  subtotalMinor: bigint;
  /** AMOUNT credits applied (positive; at most the usage lines' sum, never the base fee). */
  creditsMinor: bigint;
  /** subtotal − credits = the sum of every line. */
  totalMinor: bigint;
};

const ZERO = new ExactDecimal(0);

export function rateUsage(
  plan: TPlanPricing,
  usage: ReadonlyMap<string, Decimal>,
  options: { credits?: readonly TRateCredit[] } = {},
): TRatedInvoice {
  const currency = normalizeCurrency(plan.currency);
  if (plan.baseFeeMinor < 0n) throw new Error(`The base fee cannot be negative (${plan.baseFeeMinor}).`);
  for (const [meterId, quantity] of usage) {
    if (!quantity.isFinite() || quantity.lessThan(0)) throw new Error(`Usage of meter ${meterId} must be a finite quantity ≥ 0, not ${quantity.toString()}.`);
  }
  const credits = options.credits ?? [];
  const lines: TRatedLine[] = [];
  if (plan.baseFeeMinor > 0n) lines.push({ kind: "BASE_FEE", description: "Base fee", amountMinor: plan.baseFeeMinor });
  for (const charge of plan.charges) {
    const problems = pricingProblems(charge);
    if (problems.length > 0) throw new Error(`The charge for ${charge.meterName} cannot be priced: ${problems.join(" ")}`);
    const measured = new ExactDecimal(usage.get(charge.meterId) ?? ZERO);
    lines.push(rateCharge(charge, measured, quantityCredited(credits, charge.meterId), currency));
  }
  const subtotalMinor = lines.reduce((sum, line) => sum + line.amountMinor, 0n);
  const usageMinor = lines.reduce((sum, line) => sum + (line.kind === "USAGE" ? line.amountMinor : 0n), 0n);
  let remaining = usageMinor;
  for (const credit of credits) {
    if (credit.kind !== "AMOUNT") continue;
    if (normalizeCurrency(credit.currency) !== currency) throw new Error(`A ${credit.currency} credit cannot apply to a ${currency} invoice.`);
    if (credit.amountMinor < 0n) throw new Error(`A credit cannot be negative (${credit.amountMinor}).`);
    const applied = credit.amountMinor < remaining ? credit.amountMinor : remaining;
    if (applied === 0n) continue;
    remaining -= applied;
    const partial = applied < credit.amountMinor ? ` (${formatMoney(applied, currency)} of ${formatMoney(credit.amountMinor, currency)})` : "";
    lines.push({ kind: "CREDIT", description: `Credit: ${credit.reason}${partial}`, creditId: credit.creditId ?? null, reason: credit.reason, amountMinor: -applied });
  }
  const creditsMinor = usageMinor - remaining;
  return { currency, lines, subtotalMinor, creditsMinor, totalMinor: subtotalMinor - creditsMinor };
}

/** What is wrong with a charge for pricing, in plain words (empty when it can be priced). */
export function pricingProblems(charge: TCharge): string[] {
  const problems: string[] = [];
  const isPrice = (value: Decimal) => value.isFinite() && !value.lessThan(0);
  if (!charge.includedQuantity.isFinite() || charge.includedQuantity.lessThan(0)) problems.push("The included quantity must be zero or more.");
  if (charge.model === "PER_UNIT" || charge.model === "PACKAGE") {
    if (charge.unitPriceMinor === null || !isPrice(charge.unitPriceMinor)) {
      problems.push(`A ${charge.model === "PACKAGE" ? "package" : "unit"} price of zero or more is required.`);
    }
  }
  if (charge.model === "PACKAGE" && (charge.packageSize === null || !charge.packageSize.isFinite() || !charge.packageSize.greaterThan(0))) {
    problems.push("A package size greater than zero is required.");
  }
  if (charge.model === "GRADUATED" || charge.model === "VOLUME") {
    if (charge.tiers.length === 0) problems.push("At least one tier is required.");
    let previous = ZERO;
    charge.tiers.forEach((tier, index) => {
      const last = index === charge.tiers.length - 1;
      if (tier.upTo === null && !last) problems.push(`Only the last tier can go up to infinity (tier ${index + 1} does).`);
      if (tier.upTo === null) return;
      if (last) problems.push("The last tier must go up to infinity.");
      if (!tier.upTo.isFinite() || tier.upTo.lessThanOrEqualTo(previous)) {
        problems.push(`Tier ${index + 1} must go up to more than ${index === 0 ? "0" : `tier ${index}'s ${previous.toFixed()}`}.`);
      }
      previous = new ExactDecimal(tier.upTo);
    });
    charge.tiers.forEach((tier, index) => {
      if (!isPrice(tier.unitPriceMinor) || !isPrice(tier.flatPriceMinor)) problems.push(`Tier ${index + 1}'s prices must be zero or more.`);
    });
  }
  return problems;
}

function quantityCredited(credits: readonly TRateCredit[], meterId: string): Decimal {
  let total = ZERO;
  for (const credit of credits) {
    if (credit.kind !== "QUANTITY" || credit.meterId !== meterId) continue;
    if (!credit.quantity.isFinite() || credit.quantity.lessThan(0)) throw new Error(`A quantity credit must be zero or more, not ${credit.quantity.toString()}.`);
    total = total.plus(credit.quantity);
  }
  return total;
}

function rateCharge(charge: TCharge, measured: Decimal, credit: Decimal, currency: string): TRatedUsageLine {
  const words = new Words(charge.unitLabel, currency);
  const creditedQuantity = ExactDecimal.min(measured, credit);
  const afterCredits = measured.minus(creditedQuantity);
  const included = new ExactDecimal(charge.includedQuantity);
  const billableQuantity = ExactDecimal.max(ZERO, afterCredits.minus(included));
  const steps: TRatedStep[] = [];
  if (creditedQuantity.greaterThan(0)) {
    steps.push(freeStep("CREDITED", creditedQuantity, `${words.units(creditedQuantity)} credited`));
  }
  if (included.greaterThan(0)) {
    const used = ExactDecimal.min(afterCredits, included);
    const text = used.lessThan(included) ? `${formatQuantity(used)} of ${words.units(included)} included` : `included ${words.units(included)}`;
    steps.push(freeStep("INCLUDED", used, text));
  }
  // With an included quantity, the priced tiers start at its first unit above; quantity 0 (no
  // included quantity) lies in the first tier.
  if (billableQuantity.greaterThan(0) || included.isZero()) {
    steps.push(...modelSteps(charge, billableQuantity, words, included.greaterThan(0) ? "overage " : ""));
  }
  const exactAmountMinor = steps.reduce((sum, step) => sum.plus(step.amountMinor), ZERO);
  const amountMinor = roundToMinorUnits(exactAmountMinor);
  return {
    kind: "USAGE",
    description: `${charge.meterName}: ${steps.map((step) => step.description).join("; ")} = ${formatMoney(amountMinor, currency)}`,
    meterId: charge.meterId,
    meterName: charge.meterName,
    model: charge.model,
    quantity: measured,
    creditedQuantity,
    includedQuantity: included,
    billableQuantity,
    breakdown: steps,
    exactAmountMinor,
    amountMinor,
  };
}

function modelSteps(charge: TCharge, billable: Decimal, words: Words, overage: string): TRatedStep[] {
  switch (charge.model) {
    case "PER_UNIT": {
      const price = new ExactDecimal(charge.unitPriceMinor ?? ZERO);
      const text = `${words.units(billable, overage)} at ${words.money(price)}`;
      return [{ ...freeStep("UNITS", billable, text), unitPriceMinor: price, amountMinor: billable.times(price) }];
    }
    case "PACKAGE": {
      const price = new ExactDecimal(charge.unitPriceMinor ?? ZERO);
      const size = new ExactDecimal(charge.packageSize ?? 1);
      const packages = billable.dividedBy(size).toDecimalPlaces(0, Decimal.ROUND_CEIL);
      const text = `${words.units(billable, overage)} = ${formatQuantity(packages)} ${packages.equals(1) ? "package" : "packages"} of ${formatQuantity(size)} at ${words.money(price)}`;
      return [{ ...freeStep("PACKAGES", billable, text), packages, unitPriceMinor: price, amountMinor: packages.times(price) }];
    }
    case "GRADUATED":
      return graduatedSteps(charge.tiers, billable, words, overage);
    case "VOLUME": {
      const index = charge.tiers.findIndex((tier) => tier.upTo === null || billable.lessThanOrEqualTo(tier.upTo));
      const tier = charge.tiers[index];
      if (!tier) throw new Error(`No tier of ${charge.meterName} holds ${billable.toFixed()}.`);
      const text = `all ${words.units(billable, overage)} at ${words.money(tier.unitPriceMinor)} (tier ${index + 1})`;
      return [tierStep(tier, index, billable, text, words)];
    }
  }
}

function graduatedSteps(tiers: readonly TTier[], billable: Decimal, words: Words, overage: string): TRatedStep[] {
  const steps: TRatedStep[] = [];
  let below = ZERO;
  for (const [index, tier] of tiers.entries()) {
    // The first tier always takes part (it holds quantity 0); a later one only when units reach it.
    if (index > 0 && billable.lessThanOrEqualTo(below)) break;
    const top = tier.upTo === null ? billable : ExactDecimal.min(billable, tier.upTo);
    const units = top.minus(below);
    steps.push(tierStep(tier, index, units, `tier ${index + 1}: ${words.units(units, overage)} at ${words.money(tier.unitPriceMinor)}`, words));
    if (tier.upTo === null) break;
    below = new ExactDecimal(tier.upTo);
  }
  return steps;
}

function tierStep(tier: TTier, index: number, units: Decimal, text: string, words: Words): TRatedStep {
  const unitPriceMinor = new ExactDecimal(tier.unitPriceMinor);
  const flatPriceMinor = new ExactDecimal(tier.flatPriceMinor);
  return {
    kind: "TIER",
    description: flatPriceMinor.isZero() ? text : `${text} + ${words.money(flatPriceMinor)} flat`,
    quantity: units,
    packages: null,
    tier: index,
    unitPriceMinor,
    flatPriceMinor,
    amountMinor: units.times(unitPriceMinor).plus(flatPriceMinor),
  };
}

function freeStep(kind: TRatedStep["kind"], quantity: Decimal, description: string): TRatedStep {
  return { kind, description, quantity, packages: null, tier: null, unitPriceMinor: ZERO, flatPriceMinor: ZERO, amountMinor: ZERO };
}

/** Quantities with their unit ("1,000,000 calls", "1 call") and prices ("$0.001"). */
class Words {
  constructor(
    private readonly unitLabel: string,
    private readonly currency: string,
  ) {}

  units(quantity: Decimal, qualifier = ""): string {
    return formatUnits(quantity, this.unitLabel, qualifier);
  }

  money(amountMinor: Decimal): string {
    return formatMoney(amountMinor, this.currency);
  }
}
