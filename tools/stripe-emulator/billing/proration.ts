// Prorations for a change to one subscription item mid-period (flexible billing mode, SEMANTICS.md
// §6.3, docs.stripe.com/billing/subscriptions/prorations):
// - a licensed configuration (price × quantity) that stops is credited for its unused time, and
//   one that starts is charged for the remaining time, both over [change, period end);
// - a metered price that is replaced or removed is billed right away for the usage it accrued over
//   [usage window start, change) (classic mode drops that usage instead).
//
// Rounding: each line is the full-period amount of that configuration (from `priceLineAmount`,
// i.e. what the period was charged) × (period end − change) / (period end − period start), to the
// second, rounded once to integer minor units, half away from zero. A credit is the negative of
// the same computation, so an upgrade and its reversal cancel exactly.
import Decimal from "decimal.js";
import type Stripe from "stripe";
import type { Store } from "../core/store";
import type { TCharge } from "./invoice-builder";
import { amountFor, describeItem, meteredCharge } from "./item-charges";
import { formatDate } from "./periods";
import { isMetered } from "./subscription-objects";

export type TItemConfig = { price: Stripe.Price; quantity: number | undefined };

export type TProrationInput = {
  store: Store;
  customerId: string;
  subscriptionId: string;
  itemId: string;
  metadata: Record<string, string>;
  /** The item before and after the change (null: added / removed). */
  before: TItemConfig | null;
  after: TItemConfig | null;
  period: { start: number; end: number };
  /** The time prorations are computed for (`proration_date`, default now). */
  prorateAt: number;
  /** Now: the end of the metered usage billed for a replaced price. */
  now: number;
  /** Where the old metered price's usage window started. */
  usageStart: number;
  billingMode: Stripe.Subscription.BillingMode.Type;
  /** `clear_usage` on a deleted item: its metered usage is not billed. */
  clearUsage: boolean;
};

function sameConfig(a: TItemConfig | null, b: TItemConfig | null): boolean {
  if (!a || !b) return a === b;
  return a.price.id === b.price.id && (a.quantity ?? 1) === (b.quantity ?? 1);
}

function timeCharge(input: TProrationInput, config: TItemConfig, sign: 1 | -1): TCharge | null {
  const { start, end } = input.period;
  const at = Math.min(Math.max(input.prorateAt, start), end);
  if (at >= end || end <= start) return null;
  const quantity = new Decimal(config.quantity ?? 1);
  const full = amountFor(input.store, config.price, quantity).amount;
  const amount = new Decimal(full)
    .times(end - at)
    .div(end - start)
    .toDecimalPlaces(0, Decimal.ROUND_HALF_UP)
    .times(sign)
    .toNumber();
  const label = sign < 0 ? "Unused time on" : "Remaining time on";
  return {
    amount,
    currency: config.price.currency,
    description: `${label} ${describeItem(input.store, config.price, quantity, false)} after ${formatDate(at)}`,
    period: { start: at, end },
    price: config.price,
    quantity,
    unitAmountDecimal: quantity.isZero() ? null : new Decimal(amount).div(quantity).toDecimalPlaces(12).toString(),
    proration: true,
    subscriptionId: input.subscriptionId,
    subscriptionItemId: input.itemId,
    invoiceItemId: null,
    metadata: { ...input.metadata },
  };
}

/** The invoice items a change to one item creates (none when nothing billable changed). */
export function prorationCharges(input: TProrationInput): TCharge[] {
  const { before, after } = input;
  if (sameConfig(before, after)) return [];
  const charges: TCharge[] = [];
  const priceChanged = !before || !after || before.price.id !== after.price.id;

  if (before && isMetered(before.price)) {
    if (priceChanged && input.billingMode === "flexible" && !input.clearUsage) {
      charges.push(
        meteredCharge(input.store, {
          customerId: input.customerId,
          subscriptionId: input.subscriptionId,
          item: { id: input.itemId, price: before.price, metadata: input.metadata },
          start: input.usageStart,
          end: Math.max(input.usageStart, input.now),
          proration: true,
        }),
      );
    }
  } else if (before) {
    const credit = timeCharge(input, before, -1);
    if (credit) charges.push(credit);
  }

  if (after && !isMetered(after.price)) {
    const charge = timeCharge(input, after, 1);
    if (charge) charges.push(charge);
  }
  return charges;
}
