// DESIGN.md rule 8: the pricing engine's totals equal Stripe's invoice to the cent. For each case,
// through the app's own Stripe client (here: the emulator, an independent implementation of
// Stripe's tier math): meters, a product, the prices `toStripeMeteredPrice` / `toStripeBaseFeePrice`
// build, a test-clock customer subscribed to them, the usage as meter events; the clock then runs
// past the period end and the finalization grace period, and every metered line of the
// `subscription_cycle` invoice, its base fee line and its total must equal `rateUsage`.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { rateUsage } from "@/lib/billing/rate-usage";
import { toStripeBaseFeePrice, toStripeMeteredPrice } from "@/lib/billing/stripe-price-params";
import type { TCharge, TPlanPricing, TTier } from "@/lib/billing/types";
import { getStripe } from "@/lib/stripe/client";

const HOUR = 3_600;
const DAY = 24 * HOUR;
/** 2024-01-01T00:00:00Z; the first monthly period ends on February 1st. */
const JAN_1 = 1_704_067_200;
const FEB_1 = JAN_1 + 31 * DAY;

const d = (value: Decimal.Value) => new Decimal(value);

function tier(upTo: number | null, unitPriceMinor: Decimal.Value, flatPriceMinor: Decimal.Value = 0): TTier {
  return { upTo: upTo === null ? null : d(upTo), unitPriceMinor: d(unitPriceMinor), flatPriceMinor: d(flatPriceMinor) };
}

type TChargeSpec = Partial<TCharge> & Pick<TCharge, "model">;

function charge(spec: TChargeSpec, index: number): TCharge {
  return {
    meterId: `meter_${index}`,
    meterName: `Meter ${index}`,
    unitLabel: "unit",
    includedQuantity: d(0),
    unitPriceMinor: null,
    packageSize: null,
    tiers: [],
    ...spec,
  };
}

type TCase = {
  name: string;
  currency?: string;
  baseFeeMinor?: bigint;
  /** Each charge with the meter events (whole numbers) its meter receives in the period. */
  charges: { charge: TChargeSpec; events: number[] }[];
  /** The invoice total worked out by hand, so the table also checks itself. */
  expectedTotalMinor: bigint;
};

/** SEMANTICS.md §5: 0–1000 at 0¢, 1001–10000 at 2¢, above at 1¢. */
const DOC_TIERS = [tier(1000, 0), tier(10_000, 2), tier(null, 1)];
/** Up to 100 at 10¢ + $5.00 flat; above, 5¢ + $10.00 flat. */
const FLAT_TIERS = [tier(100, 10, 500), tier(null, 5, 1000)];
const perUnit = (unitPriceMinor: Decimal.Value, includedQuantity: Decimal.Value = 0): TChargeSpec => ({ model: "PER_UNIT", unitPriceMinor: d(unitPriceMinor), includedQuantity: d(includedQuantity) });
const packageOf = (size: number, priceMinor: Decimal.Value): TChargeSpec => ({ model: "PACKAGE", unitPriceMinor: d(priceMinor), packageSize: d(size) });
const graduated = (tiers: TTier[], includedQuantity: Decimal.Value = 0): TChargeSpec => ({ model: "GRADUATED", tiers, includedQuantity: d(includedQuantity) });
const volume = (tiers: TTier[]): TChargeSpec => ({ model: "VOLUME", tiers });

const CASES: TCase[] = [
  // 200,000 × 0.1¢
  { name: "per-unit $0.001, nothing included", charges: [{ charge: perUnit("0.1"), events: [150_000, 50_000] }], expectedTotalMinor: 20_000n },
  // $49 + (1,200,000 − 1,000,000) × 0.1¢ = 4,900 + 20,000
  { name: "per-unit, 1,000,000 included, base fee (the issue's example)", baseFeeMinor: 4900n, charges: [{ charge: perUnit("0.1", 1_000_000), events: [700_000, 500_000] }], expectedTotalMinor: 24_900n },
  { name: "per-unit, usage exactly at the included quantity", charges: [{ charge: perUnit(5, 1000), events: [1000] }], expectedTotalMinor: 0n },
  { name: "per-unit, one unit above the included quantity", charges: [{ charge: perUnit(5, 1000), events: [600, 401] }], expectedTotalMinor: 5n },
  // 1,234,567 × 0.0004¢ = 493.8268 → 494
  { name: "per-unit 0.0004¢ × 1,234,567", charges: [{ charge: perUnit("0.0004"), events: [1_234_567] }], expectedTotalMinor: 494n },
  // 10 × 0.25¢ = 2.5 → 3 (half away from zero)
  { name: "per-unit rounding a half up", charges: [{ charge: perUnit("0.25"), events: [4, 6] }], expectedTotalMinor: 3n },
  { name: "per-unit, zero usage, base fee only", baseFeeMinor: 2000n, charges: [{ charge: perUnit(2), events: [] }], expectedTotalMinor: 2000n },
  // 10⁹ × 0.000001¢ = 1,000¢
  { name: "per-unit, a 12-decimal price over a billion units", charges: [{ charge: perUnit("0.000001000000"), events: [600_000_000, 400_000_000] }], expectedTotalMinor: 1000n },
  // ceil(2,500 / 1,000) = 3 × 500
  { name: "package, rounds up to 3 packages", charges: [{ charge: packageOf(1000, 500), events: [2500] }], expectedTotalMinor: 1500n },
  { name: "package, exactly one package", charges: [{ charge: packageOf(1000, 500), events: [1000] }], expectedTotalMinor: 500n },
  { name: "package, one unit into the second package", charges: [{ charge: packageOf(1000, 500), events: [1000, 1] }], expectedTotalMinor: 1000n },
  { name: "package, zero usage", charges: [{ charge: packageOf(1000, 500), events: [] }], expectedTotalMinor: 0n },
  // 1,000 × 0 + 9,000 × 2 + 5,000 × 1
  { name: "graduated, Stripe's documented example", charges: [{ charge: graduated(DOC_TIERS), events: [5000, 10_000] }], expectedTotalMinor: 23_000n },
  { name: "graduated, exactly at the first up_to", charges: [{ charge: graduated(DOC_TIERS), events: [1000] }], expectedTotalMinor: 0n },
  // 9,000 × 2 + 1 × 1
  { name: "graduated, one above the second up_to", charges: [{ charge: graduated(DOC_TIERS), events: [10_001] }], expectedTotalMinor: 18_001n },
  // quantity 0 lies in tier 1: its flat 500
  { name: "graduated, zero usage charges the first tier's flat amount", charges: [{ charge: graduated(FLAT_TIERS), events: [] }], expectedTotalMinor: 500n },
  // 100 × 10 + 500 + 1 × 5 + 1,000
  { name: "graduated with flats, one above up_to", charges: [{ charge: graduated(FLAT_TIERS), events: [101] }], expectedTotalMinor: 2505n },
  { name: "graduated with flats, 1,000 included, usage at the included quantity", charges: [{ charge: graduated(FLAT_TIERS, 1000), events: [1000] }], expectedTotalMinor: 0n },
  { name: "graduated with flats, 1,000 included, zero usage", charges: [{ charge: graduated(FLAT_TIERS, 1000), events: [] }], expectedTotalMinor: 0n },
  // 101 overage units: 100 × 10 + 500 + 1 × 5 + 1,000
  { name: "graduated with flats, 1,000 included, 101 above", charges: [{ charge: graduated(FLAT_TIERS, 1000), events: [1101] }], expectedTotalMinor: 2505n },
  // 3 × 0.5 + 3 × 0.5 = 3 (per-tier rounding would give 4)
  { name: "graduated, rounded once per line", charges: [{ charge: graduated([tier(3, "0.5"), tier(null, "0.5")]), events: [6] }], expectedTotalMinor: 3n },
  // 15,000 in tier 3: 15,000 × 1
  { name: "volume, Stripe's documented example", charges: [{ charge: volume(DOC_TIERS), events: [15_000] }], expectedTotalMinor: 15_000n },
  { name: "volume, exactly at up_to", charges: [{ charge: volume(DOC_TIERS), events: [10_000] }], expectedTotalMinor: 20_000n },
  { name: "volume, one above up_to costs less", charges: [{ charge: volume(DOC_TIERS), events: [10_001] }], expectedTotalMinor: 10_001n },
  { name: "volume, zero usage charges the first tier's flat amount", charges: [{ charge: volume([tier(10, 0, 700), tier(null, 50, 100)]), events: [] }], expectedTotalMinor: 700n },
  // 1,234 in tier 2: 1,234 × 0.0125 + 99.5 = 114.925 → 115
  { name: "volume, fractional unit and flat amounts", charges: [{ charge: volume([tier(100, "0.333"), tier(null, "0.0125", "99.5")]), events: [1234] }], expectedTotalMinor: 115n },
  // ¥1,000 + 3 × ¥0.5 = 1.5 → 2
  { name: "jpy (zero-decimal): per-unit ¥0.5 and a base fee", currency: "jpy", baseFeeMinor: 1000n, charges: [{ charge: perUnit("0.5"), events: [3] }], expectedTotalMinor: 1002n },
  // 12,500 fils + 3 × 2.5 = 7.5 → 8 fils
  { name: "bhd (three-decimal): per-unit and a base fee", currency: "bhd", baseFeeMinor: 12_500n, charges: [{ charge: perUnit("2.5"), events: [3] }], expectedTotalMinor: 12_508n },
  // $99 + (50,000 − 10,000) × 0.2 = 8,000 + (2,000 → 1,000 × 0 + 1,000 × 2 = 2,000)
  {
    name: "two meters: per-unit with included quota and graduated, base fee",
    baseFeeMinor: 9900n,
    charges: [
      { charge: perUnit("0.2", 10_000), events: [20_000, 30_000] },
      { charge: graduated(DOC_TIERS), events: [2000] },
    ],
    expectedTotalMinor: 19_900n,
  },
];

let sequence = 0;

/** Advances the clock and waits (polling, with a deadline) until it is ready at `frozenTime`. */
async function advanceClock(stripe: Stripe, clockId: string, frozenTime: number): Promise<void> {
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  const deadline = Date.now() + 15_000;
  for (;;) {
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    if (clock.status === "ready" && clock.frozen_time === frozenTime) return;
    if (clock.status === "internal_failure") throw new Error(`test clock ${clockId} failed to advance`);
    if (Date.now() > deadline) throw new Error(`test clock ${clockId} is still ${clock.status} after 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Bills one case in the emulator and returns the `subscription_cycle` invoice with the price of each line. */
async function billInStripe(plan: TPlanPricing, events: number[][]) {
  const stripe = getStripe();
  sequence += 1;
  const tag = `${process.pid}_${sequence}`;
  const product = await stripe.products.create({ name: `Pricing equality ${tag}` });
  const meteredPrices: Stripe.Price[] = [];
  const meters: Stripe.Billing.Meter[] = [];
  for (const [index, planCharge] of plan.charges.entries()) {
    const meter = await stripe.billing.meters.create({ display_name: planCharge.meterName, event_name: `pricing_${tag}_${index}`, default_aggregation: { formula: "sum" } });
    meters.push(meter);
    meteredPrices.push(await stripe.prices.create(toStripeMeteredPrice(planCharge, { currency: plan.currency, product: product.id, meter: meter.id })));
  }
  const basePrice = plan.baseFeeMinor > 0n ? await stripe.prices.create(toStripeBaseFeePrice(plan, { product: product.id, interval: "month" })) : null;

  const clock = await stripe.testHelpers.testClocks.create({ frozen_time: JAN_1 });
  const customer = await stripe.customers.create({ name: `Pricing ${tag}`, test_clock: clock.id });
  const subscription = await stripe.subscriptions.create({
    customer: customer.id,
    items: [...(basePrice ? [{ price: basePrice.id }] : []), ...meteredPrices.map((price) => ({ price: price.id }))],
  });

  // Usage inside the period and never after the clock's time (Stripe refuses events from the future).
  await advanceClock(stripe, clock.id, JAN_1 + DAY);
  for (const [index, values] of events.entries()) {
    for (const [position, value] of values.entries()) {
      await stripe.billing.meterEvents.create({
        event_name: meters[index]!.event_name,
        payload: { stripe_customer_id: customer.id, value: String(value) },
        timestamp: JAN_1 + HOUR + position,
      });
    }
  }
  // Past the period end and the 1 h finalization grace period.
  await advanceClock(stripe, clock.id, FEB_1 + HOUR + 60);

  const invoices = await stripe.invoices.list({ subscription: subscription.id, limit: 10 });
  const cycle = invoices.data.filter((invoice) => invoice.billing_reason === "subscription_cycle");
  expect(cycle).toHaveLength(1);
  const invoice = cycle[0]!;
  const lineFor = (priceId: string) => {
    const lines = invoice.lines.data.filter((line) => line.pricing?.price_details?.price === priceId);
    expect(lines).toHaveLength(1);
    return lines[0]!;
  };
  return {
    invoice,
    meteredLines: meteredPrices.map((price) => lineFor(price.id)),
    baseLine: basePrice ? lineFor(basePrice.id) : null,
  };
}

describe("the pricing engine equals Stripe's invoice", () => {
  it("has a table of at least 20 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
  });

  it.concurrent.each(CASES)("$name", async (testCase) => {
    const plan: TPlanPricing = {
      currency: testCase.currency ?? "usd",
      baseFeeMinor: testCase.baseFeeMinor ?? 0n,
      charges: testCase.charges.map((entry, index) => charge(entry.charge, index)),
    };
    const usage = new Map(
      plan.charges.map((planCharge, index) => [planCharge.meterId, testCase.charges[index]!.events.reduce((sum, value) => sum.plus(value), d(0))]),
    );
    const rated = rateUsage(plan, usage);
    expect(rated.totalMinor).toBe(testCase.expectedTotalMinor);

    const { invoice, meteredLines, baseLine } = await billInStripe(
      plan,
      testCase.charges.map((entry) => entry.events),
    );
    expect(invoice.status).toBe("paid"); // finalized after the grace period: it can no longer change
    const usageLines = rated.lines.filter((line) => line.kind === "USAGE");
    expect(meteredLines.map((line) => [line.quantity, BigInt(line.amount)])).toEqual(
      usageLines.map((line) => [line.quantity.toNumber(), line.amountMinor]),
    );
    expect(baseLine ? BigInt(baseLine.amount) : 0n).toBe(plan.baseFeeMinor);
    expect(invoice.lines.data).toHaveLength(meteredLines.length + (baseLine ? 1 : 0));
    expect(BigInt(invoice.total)).toBe(rated.totalMinor);
    expect(invoice.currency).toBe(plan.currency);
  });
});
