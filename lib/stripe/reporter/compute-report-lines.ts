// Pure: turns the groups one claim locked (a customer's events of one meter, one window of the UTC
// grid, one segment between billing boundaries) into report lines — what Stripe will receive, when
// it is billed, or why it is held. DESIGN.md rules 4–6:
// - a line's timestamp lies inside the billing period of the events it carries (and inside the
//   window when it can), whole seconds, never older than Stripe accepts;
// - values are whole numbers: quantity × the meter's scale, rounded by the meter's rule, the
//   remainder carried to the next line of the same customer, meter and period (totals never drift);
// - usage for a period whose invoice is final, or from before a mid-period plan change, is billed
//   in the current period as a late adjustment (`late`), never dropped, never counted twice;
// - a customer without a Stripe customer or live subscription, or a meter Stripe does not have,
//   gives a HELD line with its reason, which an admin can release once the cause is fixed.
import { randomUUID } from "node:crypto";
import Decimal from "decimal.js";
import type { InvoiceStatus, MeterAggregation, MeterRounding, SubscriptionStatus } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";

/** Stripe accepts meter events at most 35 days old; a line is kept an hour clear of that edge. */
export const STRIPE_MAX_EVENT_AGE_MS = 35 * 24 * 3_600_000;
const AGE_MARGIN_MS = 3_600_000;
/** A period that ended is still open for usage while its invoice is a draft, up to this long before the grace ends. */
const GRACE_MARGIN_MS = 10 * 60_000;

/** The billing state of a customer and meter, as the claim read it (one snapshot). */
export type TPairBilling = {
  subscriptionId: string | null;
  stripeSubscriptionId: string | null;
  subscriptionStatus: SubscriptionStatus | null;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  previousPeriodStart: Date | null;
  previousPeriodEnd: Date | null;
  /** When the meter's current price was attached (a plan change mid-period moves it). */
  attachedAt: Date | null;
};

export type TClaimedGroup = TPairBilling & {
  customerId: string;
  meterId: string;
  /** Start of the UTC grid window the events fall in. */
  bucketStart: Date;
  /** The latest billing boundary at or before the events (null: before every boundary known). */
  segmentStart: Date | null;
  eventCount: number;
  quantity: Decimal;
  /** The quantity of the latest event (LAST meters). */
  lastQuantity: Decimal;
  firstAt: Date;
  lastAt: Date;
  maxId: bigint;
};

export type TMeterForReport = {
  eventName: string;
  aggregation: MeterAggregation;
  valueScale: Decimal;
  rounding: MeterRounding;
  stripeMeterId: string | null;
};

export type TReportContext = {
  now: Date;
  windowMs: number;
  invoiceGraceMs: number;
  stripeCustomerIds: Map<string, string | null>;
  meters: Map<string, TMeterForReport>;
  /** Status of the invoice that bills a subscription's previous period (key: subscription id). */
  previousInvoiceStatus: Map<string, InvoiceStatus>;
  /** Carried remainder of the last line per customer, meter and period (`carryKey`); updated as lines are made. */
  carries: Map<string, Decimal>;
};

export type THeldCode =
  | "meter_not_in_stripe"
  | "no_stripe_customer"
  | "no_subscription"
  | "subscription_not_in_stripe"
  | "late_last_value"
  | "no_time_in_period";

export type TLineDraft = {
  identifier: string;
  customerId: string;
  meterId: string;
  status: "PENDING" | "HELD" | "DEAD";
  heldCode: THeldCode | null;
  heldReason: string | null;
  stripeCustomerId: string | null;
  eventName: string;
  eventCount: number;
  windowStart: Date;
  windowEnd: Date;
  periodStart: Date;
  periodEnd: Date;
  quantity: Decimal;
  stripeValue: bigint;
  carryIn: Decimal;
  carryOut: Decimal;
  eventAt: Date;
  late: boolean;
  /** The largest event id in the group: with the window, it names the events the line carries. */
  maxId: bigint;
};

const LIVE_STATUSES = new Set<SubscriptionStatus>(["ACTIVE", "PAST_DUE", "TRIALING", "UNPAID", "INCOMPLETE"]);

export const carryKey = (customerId: string, meterId: string, periodStart: Date) => `${customerId}|${meterId}|${periodStart.toISOString()}`;

/** The identifier a line is sent under: fixed when the line is written, before any call. */
export const newLineIdentifier = () => `tally_${randomUUID().replaceAll("-", "")}`;

const ROUNDING: Record<MeterRounding, Decimal.Rounding> = { DOWN: Decimal.ROUND_FLOOR, UP: Decimal.ROUND_CEIL, HALF_UP: Decimal.ROUND_HALF_UP };

const maxDate = (a: Date, b: Date) => (a > b ? a : b);
const minDate = (a: Date, b: Date) => (a < b ? a : b);

/**
 * The billing boundaries the claim grouped by (the same set, in the same order of precedence):
 * the previous period's start, the current period's start, and a price attached mid-period.
 */
export function billingBoundaries(billing: TPairBilling): Date[] {
  const { previousPeriodStart, currentPeriodStart } = billing;
  const attachedAt = midPeriodAttachment(billing);
  const boundaries: Date[] = [];
  if (previousPeriodStart) boundaries.push(previousPeriodStart);
  if (currentPeriodStart) boundaries.push(currentPeriodStart);
  if (attachedAt) boundaries.push(attachedAt);
  return boundaries.sort((a, b) => a.getTime() - b.getTime());
}

/** The window of a group's events: its grid window cut by the billing boundaries around it. */
export function groupWindow(group: TClaimedGroup, windowMs: number): { windowStart: Date; windowEnd: Date } {
  const bucketEnd = new Date(group.bucketStart.getTime() + windowMs);
  const boundaries = billingBoundaries(group);
  const next = boundaries.find((boundary) => (group.segmentStart ? boundary > group.segmentStart : true));
  const windowStart = group.segmentStart ? maxDate(group.bucketStart, group.segmentStart) : group.bucketStart;
  const windowEnd = next ? minDate(bucketEnd, next) : bucketEnd;
  return { windowStart, windowEnd };
}

/** A whole second in [from, until), as close to `wanted` as possible; null when there is none. */
function secondWithin(wanted: Date, from: Date, until: Date): Date | null {
  const low = Math.ceil(from.getTime() / 1000) * 1000;
  const high = Math.ceil(until.getTime() / 1000) * 1000 - 1000; // the last whole second before `until`
  if (low > high) return null;
  const second = Math.floor(wanted.getTime() / 1000) * 1000;
  return new Date(Math.min(high, Math.max(low, second)));
}

/** A price attached strictly inside the current period (a plan change): usage before it belongs to the old price. */
function midPeriodAttachment(billing: Pick<TPairBilling, "currentPeriodStart" | "currentPeriodEnd" | "attachedAt">): Date | null {
  const { currentPeriodStart, currentPeriodEnd, attachedAt } = billing;
  return attachedAt && currentPeriodStart && attachedAt > currentPeriodStart && (!currentPeriodEnd || attachedAt < currentPeriodEnd) ? attachedAt : null;
}

/** Whether the invoice of a period that ended still takes usage: a draft, or unknown to Tally and inside the grace period. */
function isInvoiceOpen(status: InvoiceStatus | null | undefined, periodEnd: Date, context: { now: Date; invoiceGraceMs: number }): boolean {
  if (status === "DRAFT") return true;
  return (status === null || status === undefined) && context.now.getTime() < periodEnd.getTime() + context.invoiceGraceMs - GRACE_MARGIN_MS;
}

/** A late adjustment's timestamp: now, inside [billedFrom, periodEnd) and within Stripe's 35 days. */
function lateEventAt(now: Date, billedFrom: Date, periodEnd: Date): Date | null {
  const oldest = new Date(now.getTime() - STRIPE_MAX_EVENT_AGE_MS + AGE_MARGIN_MS);
  return secondWithin(maxDate(now, oldest), maxDate(billedFrom, oldest), periodEnd);
}

type TBilling =
  | { kind: "held"; code: THeldCode; reason: string }
  | { kind: "billed"; periodStart: Date; periodEnd: Date; eventAt: Date; late: boolean };

function decideBilling(group: TClaimedGroup, meter: TMeterForReport, stripeCustomerId: string | null, context: TReportContext): TBilling {
  if (!meter.stripeMeterId) {
    return { kind: "held", code: "meter_not_in_stripe", reason: `The meter "${meter.eventName}" has no Stripe meter yet (publish a plan that charges it, or save the meter again).` };
  }
  if (!stripeCustomerId) return { kind: "held", code: "no_stripe_customer", reason: "The customer has no Stripe customer yet." };
  const { currentPeriodStart, currentPeriodEnd, subscriptionStatus } = group;
  if (!group.subscriptionId || !currentPeriodStart || !currentPeriodEnd || !subscriptionStatus || !LIVE_STATUSES.has(subscriptionStatus)) {
    return { kind: "held", code: "no_subscription", reason: "The customer has no live subscription: usage is kept here until one starts (release it then; it is billed as a late adjustment)." };
  }
  if (!group.stripeSubscriptionId) {
    return { kind: "held", code: "subscription_not_in_stripe", reason: "The customer's subscription is not in Stripe yet." };
  }

  const oldest = new Date(context.now.getTime() - STRIPE_MAX_EVENT_AGE_MS + AGE_MARGIN_MS);
  const billedFrom = midPeriodAttachment(group) ?? currentPeriodStart;
  const late = (): TBilling => {
    // Billed now, in the current period (after a plan change: at the current price).
    const eventAt = lateEventAt(context.now, billedFrom, currentPeriodEnd);
    return eventAt
      ? { kind: "billed", periodStart: currentPeriodStart, periodEnd: currentPeriodEnd, eventAt, late: true }
      : { kind: "held", code: "no_time_in_period", reason: "The current period leaves no time Stripe accepts for this usage (its end is in the past)." };
  };
  const inPeriod = (periodStart: Date, periodEnd: Date, from: Date): TBilling => {
    const eventAt = secondWithin(group.lastAt, maxDate(from, oldest), periodEnd);
    return eventAt ? { kind: "billed", periodStart, periodEnd, eventAt, late: false } : late();
  };

  const segment = group.segmentStart;
  if (segment && segment >= billedFrom) return inPeriod(currentPeriodStart, currentPeriodEnd, billedFrom);
  if (segment && segment.getTime() === currentPeriodStart.getTime()) return late(); // before a plan change that happened since
  const { previousPeriodStart, previousPeriodEnd } = group;
  if (segment && previousPeriodStart && previousPeriodEnd && segment.getTime() === previousPeriodStart.getTime()) {
    if (isInvoiceOpen(context.previousInvoiceStatus.get(group.subscriptionId), previousPeriodEnd, context)) {
      return inPeriod(previousPeriodStart, previousPeriodEnd, previousPeriodStart);
    }
  }
  return late();
}

/** One line per group, in the groups' order (customer, meter, window), carrying remainders along. */
export function computeReportLines(groups: TClaimedGroup[], context: TReportContext): TLineDraft[] {
  return groups.map((group) => computeReportLine(group, context));
}

function computeReportLine(group: TClaimedGroup, context: TReportContext): TLineDraft {
  const meter = context.meters.get(group.meterId);
  if (!meter) throw new Error(`Meter ${group.meterId} of a claimed event is missing.`);
  const stripeCustomerId = context.stripeCustomerIds.get(group.customerId) ?? null;
  const { windowStart, windowEnd } = groupWindow(group, context.windowMs);
  const billing = decideBilling(group, meter, stripeCustomerId, context);
  const base = {
    identifier: newLineIdentifier(),
    customerId: group.customerId,
    meterId: group.meterId,
    stripeCustomerId,
    eventName: meter.eventName,
    eventCount: group.eventCount,
    windowStart,
    windowEnd,
    quantity: group.quantity,
    maxId: group.maxId,
  };
  const zero = new ExactDecimal(0);

  if (billing.kind === "held") {
    return {
      ...base,
      status: "HELD",
      heldCode: billing.code,
      heldReason: billing.reason,
      periodStart: group.currentPeriodStart ?? windowStart,
      periodEnd: group.currentPeriodEnd ?? windowEnd,
      stripeValue: 0n,
      carryIn: zero,
      carryOut: zero,
      eventAt: group.lastAt,
      late: false,
    };
  }

  const scale = new ExactDecimal(meter.valueScale.toString());
  const rounding = ROUNDING[meter.rounding];
  const billed = { ...base, periodStart: billing.periodStart, periodEnd: billing.periodEnd, eventAt: billing.eventAt, late: billing.late };
  if (meter.aggregation === "LAST" || meter.aggregation === "MAX") {
    if (billing.late) {
      return {
        ...billed,
        status: "DEAD",
        heldCode: "late_last_value",
        heldReason: "A latest value for a period already invoiced cannot change that invoice, and is not a value of the current period.",
        stripeValue: 0n,
        carryIn: zero,
        carryOut: zero,
      };
    }
    const value = new ExactDecimal(group.lastQuantity.toString()).times(scale).toDecimalPlaces(0, rounding);
    return { ...billed, status: "PENDING", heldCode: null, heldReason: null, stripeValue: BigInt(value.toFixed(0)), carryIn: zero, carryOut: zero };
  }

  const key = carryKey(group.customerId, group.meterId, billing.periodStart);
  const carryIn = context.carries.get(key) ?? zero;
  const exact = new ExactDecimal(group.quantity.toString()).times(scale).plus(carryIn);
  const value = exact.toDecimalPlaces(0, rounding);
  const carryOut = exact.minus(value);
  context.carries.set(key, carryOut);
  return { ...billed, status: "PENDING", heldCode: null, heldReason: null, stripeValue: BigInt(value.toFixed(0)), carryIn, carryOut };
}

/**
 * A pending line may go stale before it reaches Stripe (retried past a plan change, or past the
 * finalization of the invoice it was meant for): sent as it is, Stripe would count it where no
 * invoice bills it any more. Such a line is moved into the current billing segment as a late
 * adjustment — same identifier, so a copy Stripe already has still counts once. Null: send it as it is.
 */
export function retimeStaleLine(
  line: { eventAt: Date; periodStart: Date; periodEnd: Date; aggregation: MeterAggregation },
  billing: Pick<TPairBilling, "currentPeriodStart" | "currentPeriodEnd" | "attachedAt"> & { invoiceStatus: InvoiceStatus | null },
  context: { now: Date; invoiceGraceMs: number },
): { eventAt: Date; periodStart: Date; periodEnd: Date; late: true } | null {
  const { currentPeriodStart, currentPeriodEnd } = billing;
  if (!currentPeriodStart || !currentPeriodEnd || line.aggregation === "LAST" || line.aggregation === "MAX") return null;
  const billedFrom = midPeriodAttachment(billing) ?? currentPeriodStart;
  if (line.periodStart >= currentPeriodStart) {
    if (line.eventAt >= billedFrom) return null;
  } else if (isInvoiceOpen(billing.invoiceStatus, line.periodEnd, context)) {
    return null;
  }
  const eventAt = lateEventAt(context.now, billedFrom, currentPeriodEnd);
  return eventAt ? { eventAt, periodStart: currentPeriodStart, periodEnd: currentPeriodEnd, late: true } : null;
}
