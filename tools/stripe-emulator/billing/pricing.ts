// The one home of price math (SEMANTICS.md §5): what a price charges for a quantity. Invoices,
// previews and mid-period usage items all price through `priceLineAmount`.
//
// - per_unit: the quantity, after `transform_quantity` (divide, then round up or down to a whole
//   number), times `unit_amount_decimal`.
// - graduated: the quantity fills the tiers in order; each tier bills its own units at its unit
//   price, plus its flat amount when any units reach it.
// - volume: the single tier that contains the whole quantity bills every unit at its unit price,
//   plus its flat amount.
// - `up_to` is inclusive: with tiers up to 1000 and up to 10000, unit 1000 is in the first tier and
//   unit 1001 in the second.
// - Quantity 0 lies in the first tier, so the first tier's flat amount is charged at zero usage, in
//   both modes. ASSUMPTION (SEMANTICS.md §5.5 leaves it open; docs.stripe.com does not say it
//   outright): Stripe describes `flat_amount` as "the flat billing amount for an entire tier,
//   regardless of the number of units in the tier", and "base fee + usage" prices are built as a
//   first tier with a flat amount and a zero unit amount, a fee that is due even without usage.
// - A line is rounded to integer minor units once, at the end, half away from zero.
//
// Prices must come from the store: a price in an API response carries `tiers` only when expanded
// (see resources/prices.ts), and tier math on a price without its tiers throws.
import Decimal from "decimal.js";
import type Stripe from "stripe";

/** Exact enough for 12-decimal unit amounts times 12-decimal quantities without rounding. */
const Exact = Decimal.clone({ precision: 80 });

export type TLineAmount = {
  /** Integer minor units. */
  amount: number;
  /** The per-unit amount the line shows: the price's `unit_amount_decimal` (per_unit), else null. */
  unitAmountDecimal: string | null;
};

export type TTierCharge = {
  /** Position of the tier in `price.tiers`. */
  tier: number;
  /** Units billed in this tier (for volume pricing, every unit). */
  quantity: Decimal;
  unitAmountDecimal: string;
  /** The tier's flat amount, charged because units reached the tier ("0" when it has none). */
  flatAmountDecimal: string;
  /** quantity × unit amount + flat amount, before the line is rounded. */
  amount: Decimal;
};

export function priceLineAmount(price: Stripe.Price, quantity: Decimal): TLineAmount {
  if (price.billing_scheme === "tiered") {
    const total = priceTierCharges(price, quantity).reduce((sum, charge) => sum.plus(charge.amount), new Exact(0));
    return { amount: toMinorUnits(total), unitAmountDecimal: null };
  }
  const unitAmount = amountText(price.unit_amount_decimal, price.unit_amount);
  const units = transformQuantity(price, new Exact(quantity));
  return { amount: toMinorUnits(units.times(unitAmount)), unitAmountDecimal: unitAmount };
}

/** How a tiered price splits a quantity over its tiers: one entry per tier billed. */
export function priceTierCharges(price: Stripe.Price, quantity: Decimal): TTierCharge[] {
  const tiers = price.tiers;
  if (price.billing_scheme !== "tiered" || !tiers || tiers.length === 0) {
    throw new Error(`Price ${price.id} has no tiers to price with (pass the stored price, not a response copy).`);
  }
  const total = new Exact(quantity);
  if (price.tiers_mode === "volume") {
    const index = tiers.findIndex((tier) => tier.up_to === null || total.lessThanOrEqualTo(tier.up_to));
    const position = index < 0 ? tiers.length - 1 : index;
    return [charge(tiers, position, total)];
  }
  const charges: TTierCharge[] = [];
  let below = new Exact(0);
  for (let position = 0; position < tiers.length; position += 1) {
    // The first tier always takes part (it holds quantity 0); a later one only when units reach it.
    if (position > 0 && total.lessThanOrEqualTo(below)) break;
    const upTo = tiers[position]?.up_to ?? null;
    const top = upTo === null ? total : Exact.min(total, upTo);
    charges.push(charge(tiers, position, top.minus(below)));
    if (upTo === null) break;
    below = new Exact(upTo);
  }
  return charges;
}

function charge(tiers: Stripe.Price.Tier[], position: number, units: Decimal): TTierCharge {
  const tier = tiers[position];
  const unitAmountDecimal = amountText(tier?.unit_amount_decimal ?? null, tier?.unit_amount ?? null);
  const flatAmountDecimal = amountText(tier?.flat_amount_decimal ?? null, tier?.flat_amount ?? null);
  return {
    tier: position,
    quantity: units,
    unitAmountDecimal,
    flatAmountDecimal,
    amount: units.times(unitAmountDecimal).plus(flatAmountDecimal),
  };
}

/** `transform_quantity`: divide, then round to a whole number (per_unit prices only). */
function transformQuantity(price: Stripe.Price, quantity: Decimal): Decimal {
  const transform = price.transform_quantity;
  if (!transform) return quantity;
  const divided = quantity.dividedBy(transform.divide_by);
  return divided.toDecimalPlaces(0, transform.round === "up" ? Decimal.ROUND_UP : Decimal.ROUND_DOWN);
}

/**
 * A `*_decimal` field's value. On the wire and in the store these fields are decimal strings;
 * stripe@23 types them as `Stripe.Decimal`, the object the SDK parses them into when it reads a
 * response. The emulator never holds such an object (it would not survive JSON persistence or
 * structuredClone), so this is the one place where a decimal string takes the SDK's type.
 */
export function decimalField(value: Decimal.Value): Stripe.Decimal {
  return new Exact(value).toFixed() as unknown as Stripe.Decimal;
}

/** A `*_decimal` field as a decimal string (it is one at runtime; `String` also reads an SDK Decimal). */
export function decimalText(value: Stripe.Decimal): string {
  return String(value);
}

/** An amount held as a decimal field and/or an integer, as a decimal string ("0" when unset). */
function amountText(decimal: Stripe.Decimal | null, integer: number | null): string {
  return decimal === null ? String(integer ?? 0) : decimalText(decimal);
}

/** The one rounding point of a line: integer minor units, half away from zero. */
function toMinorUnits(amount: Decimal): number {
  return amount.toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}
