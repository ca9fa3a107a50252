// Currencies and minor units: how many decimals a currency's minor unit has (as Stripe's API counts
// them), the one rounding of an exact amount to integer minor units, and money for people.
// Amounts are integer minor units (bigint); unit prices are exact decimals of minor units
// (0.1 = a tenth of a cent). No JS number ever carries money here.
import Decimal from "decimal.js";

/**
 * decimal.js rounds every operation to `precision` significant digits (20 by default), which is
 * too few for 38-digit quantities times 12-decimal prices. Money math uses this clone; operations
 * on its instances are exact at any size the database can hold (numeric(38, 12) × numeric(30, 12)).
 */
export const ExactDecimal = Decimal.clone({ precision: 100, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -100, toExpPos: 100 });

/** Stripe's zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);

/** ISO 4217 three-decimal currencies Stripe supports (https://docs.stripe.com/currencies#three-decimal). */
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

/**
 * Decimals of the currency's minor unit, as Stripe's API counts them: 0 for Stripe's zero-decimal
 * list, 3 for the three-decimal currencies, 2 for everything else. (ISK is 0 in ISO 4217 but 2 in
 * Stripe's API, "for backwards compatibility": Stripe's amounts are what we store, so it is 2 here.)
 */
export function minorUnitExponent(currency: string): number {
  const code = normalizeCurrency(currency);
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** "USD" → "usd"; refuses anything that is not three letters (a caller bug). */
export function normalizeCurrency(currency: string): string {
  if (!/^[A-Za-z]{3}$/.test(currency)) throw new Error(`"${currency}" is not a three-letter ISO 4217 currency code.`);
  return currency.toLowerCase();
}

/**
 * The one rounding point of a line: an exact amount in minor units → integer minor units, half away
 * from zero (what Stripe does to an invoice line: 0.5¢ → 1¢, −0.5¢ → −1¢).
 */
export function roundToMinorUnits(amountMinor: Decimal.Value): bigint {
  return BigInt(new ExactDecimal(amountMinor).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toFixed(0));
}

/**
 * An amount in major units ("200.00" dollars) → integer minor units (20000n). Refuses an amount
 * with more decimals than the currency has ("0.001" dollars), rather than rounding a person's input.
 */
export function toMinorUnits(amountMajor: Decimal.Value, currency: string): bigint {
  const exponent = minorUnitExponent(currency);
  const minor = new ExactDecimal(amountMajor).times(new ExactDecimal(10).pow(exponent));
  if (!minor.isInteger()) {
    throw new Error(`${new ExactDecimal(amountMajor).toFixed()} ${currency.toUpperCase()} has more than ${exponent} decimal places.`);
  }
  return BigInt(minor.toFixed(0));
}

/** Minor units (integer or a fractional unit price) → an exact amount in major units. */
export function fromMinorUnits(amountMinor: bigint | Decimal, currency: string): Decimal {
  const exponent = minorUnitExponent(currency);
  return new ExactDecimal(amountMinor.toString()).dividedBy(new ExactDecimal(10).pow(exponent));
}

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string, minimumFractionDigits: number): Intl.NumberFormat {
  const key = `${locale}|${currency}|${minimumFractionDigits}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: currency.toUpperCase(),
      minimumFractionDigits,
      // Intl's ceiling; a 12-decimal unit price of a 3-decimal currency needs 15.
      maximumFractionDigits: 20,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * Money for people: "$200.00", "¥1,200", "BHD 1.250", and sub-minor-unit prices in full
 * ("$0.001", "$0.000004"). Whole amounts show exactly the currency's decimals; a fractional
 * amount of minor units shows every decimal it has, never rounded. Intl formats the decimal
 * string exactly (no float conversion).
 */
export function formatMoney(amountMinor: bigint | Decimal, currency: string, locale = "en-US"): string {
  const exponent = minorUnitExponent(currency);
  const major = fromMinorUnits(amountMinor, currency);
  const decimals = Math.max(exponent, major.decimalPlaces());
  if (decimals > 20) throw new Error(`${major.toFixed()} has more decimals than can be shown (20).`);
  // Intl.NumberFormat takes a decimal string as an exact value (ECMA-402's "Intl mathematical value").
  return formatterFor(normalizeCurrency(currency), locale, exponent).format(numericText(major));
}

/** A quantity for people: "1,000,000", "2.5", "0.000001" — exact, grouped, never rounded. */
export function formatQuantity(quantity: Decimal, locale = "en-US"): string {
  if (quantity.decimalPlaces() > 20) throw new Error(`${quantity.toFixed()} has more decimals than can be shown (20).`);
  return quantityFormatter(locale).format(numericText(quantity));
}

/** A quantity with its unit: "1,000,000 calls", "1 call", "12 GB" (abbreviations and plural labels stay). */
export function formatUnits(quantity: Decimal, unitLabel: string, qualifier = ""): string {
  return `${formatQuantity(quantity)} ${qualifier}${quantity.equals(1) ? unitLabel : pluralUnit(unitLabel)}`;
}

/** "call" → "calls"; labels that are abbreviations or already plural stay ("GB", "kWh", "units"). */
export function pluralUnit(label: string): string {
  return /[a-z]$/.test(label) && !/s$/.test(label) && !/[A-Z]/.test(label) ? `${label}s` : label;
}

/** A decimal as the numeric string Intl formats exactly (toFixed never uses exponent notation). */
function numericText(value: Decimal): Intl.StringNumericLiteral {
  return value.toFixed() as Intl.StringNumericLiteral;
}

const quantityFormatters = new Map<string, Intl.NumberFormat>();

function quantityFormatter(locale: string): Intl.NumberFormat {
  let formatter = quantityFormatters.get(locale);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { maximumFractionDigits: 20 });
    quantityFormatters.set(locale, formatter);
  }
  return formatter;
}
