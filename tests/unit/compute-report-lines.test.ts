// What the reporter sends for the events one claim locked (DESIGN.md rules 4–6): windows never
// straddle a billing boundary, whole-number values whose carried remainders never drift, latest
// values, held lines with their reasons, the previous period's draft invoice versus late usage,
// and timestamps Stripe accepts that lie in the period billed.
import Decimal from "decimal.js";
import { describe, expect, it } from "vitest";
import type { InvoiceStatus, MeterAggregation, MeterRounding } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import {
  retimeStaleLine,
  billingBoundaries,
  carryKey,
  computeReportLines,
  groupWindow,
  STRIPE_MAX_EVENT_AGE_MS,
  type TClaimedGroup,
  type TMeterForReport,
  type TReportContext,
} from "@/lib/stripe/reporter/compute-report-lines";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const t = (iso: string) => new Date(iso);
const d = (value: string | number) => new ExactDecimal(value);

// A subscription anchored mid-morning: its periods start at 10:15, inside an hour of the UTC grid.
const PREV_START = t("2026-02-01T10:15:00Z");
const CUR_START = t("2026-03-01T10:15:00Z");
const CUR_END = t("2026-04-01T10:15:00Z");
/** A plan change on March 10th: the meter's new price attached then. */
const CHANGE = t("2026-03-10T14:20:00Z");

function group(overrides: Partial<TClaimedGroup> = {}): TClaimedGroup {
  return {
    customerId: "customer-1",
    meterId: "meter-1",
    bucketStart: t("2026-03-05T08:00:00Z"),
    segmentStart: CUR_START,
    subscriptionId: "subscription-1",
    stripeSubscriptionId: "sub_123",
    subscriptionStatus: "ACTIVE",
    currentPeriodStart: CUR_START,
    currentPeriodEnd: CUR_END,
    previousPeriodStart: PREV_START,
    previousPeriodEnd: CUR_START,
    attachedAt: CUR_START,
    eventCount: 1,
    quantity: d(5),
    lastQuantity: d(5),
    firstAt: t("2026-03-05T08:10:00Z"),
    lastAt: t("2026-03-05T08:40:00.750Z"),
    maxId: 1n,
    ...overrides,
  };
}

function meter(overrides: Partial<TMeterForReport> = {}): TMeterForReport {
  return { eventName: "api_calls", aggregation: "SUM", valueScale: new Decimal(1), rounding: "HALF_UP", stripeMeterId: "mtr_123", ...overrides };
}

function context(now: Date, overrides: Partial<TReportContext> = {}): TReportContext {
  return {
    now,
    windowMs: HOUR_MS,
    invoiceGraceMs: HOUR_MS,
    stripeCustomerIds: new Map([["customer-1", "cus_123"]]),
    meters: new Map([["meter-1", meter()]]),
    previousInvoiceStatus: new Map(),
    carries: new Map(),
    ...overrides,
  };
}

const only = (groups: TClaimedGroup[], ctx: TReportContext) => {
  const [line] = computeReportLines(groups, ctx);
  if (!line) throw new Error("no line");
  return line;
};

describe("windows", () => {
  it("cut a grid window at the period start: the events before it and after it get a window each", () => {
    const before = group({ bucketStart: t("2026-03-01T10:00:00Z"), segmentStart: PREV_START, lastAt: t("2026-03-01T10:14:59.999Z") });
    const after = group({ bucketStart: t("2026-03-01T10:00:00Z"), segmentStart: CUR_START, lastAt: t("2026-03-01T10:40:00.500Z") });
    expect(groupWindow(before, HOUR_MS)).toEqual({ windowStart: t("2026-03-01T10:00:00Z"), windowEnd: CUR_START });
    expect(groupWindow(after, HOUR_MS)).toEqual({ windowStart: CUR_START, windowEnd: t("2026-03-01T11:00:00Z") });

    // Twenty minutes into the new period, the previous invoice is still a draft: each line in its own period.
    const [first, second] = computeReportLines([before, after], context(t("2026-03-01T10:35:00Z")));
    expect(first).toMatchObject({ periodStart: PREV_START, periodEnd: CUR_START, eventAt: t("2026-03-01T10:14:59Z"), late: false, status: "PENDING" });
    expect(second).toMatchObject({ periodStart: CUR_START, periodEnd: CUR_END, eventAt: t("2026-03-01T10:40:00Z"), late: false, status: "PENDING" });
  });

  it("cut a grid window where a plan change attached the meter's new price", () => {
    const billing = { attachedAt: CHANGE, bucketStart: t("2026-03-10T14:00:00Z") };
    expect(billingBoundaries(group(billing))).toEqual([PREV_START, CUR_START, CHANGE]);
    expect(groupWindow(group({ ...billing, segmentStart: CUR_START }), HOUR_MS)).toEqual({ windowStart: t("2026-03-10T14:00:00Z"), windowEnd: CHANGE });
    expect(groupWindow(group({ ...billing, segmentStart: CHANGE }), HOUR_MS)).toEqual({ windowStart: CHANGE, windowEnd: t("2026-03-10T15:00:00Z") });
    // Events older than every boundary known: the window ends at the first one.
    expect(groupWindow(group({ bucketStart: t("2026-02-01T10:00:00Z"), segmentStart: null }), HOUR_MS)).toEqual({ windowStart: t("2026-02-01T10:00:00Z"), windowEnd: PREV_START });
  });

  it("are not cut by an attachment at the period start or outside the period", () => {
    expect(billingBoundaries(group({ attachedAt: CUR_START }))).toEqual([PREV_START, CUR_START]);
    expect(billingBoundaries(group({ attachedAt: t("2026-01-15T00:00:00Z") }))).toEqual([PREV_START, CUR_START]);
    expect(billingBoundaries(group({ attachedAt: CUR_END }))).toEqual([PREV_START, CUR_START]);
    expect(groupWindow(group({ attachedAt: CUR_END, bucketStart: t("2026-03-20T09:00:00Z") }), HOUR_MS)).toEqual({
      windowStart: t("2026-03-20T09:00:00Z"),
      windowEnd: t("2026-03-20T10:00:00Z"),
    });
  });

  it("give each line an identifier of its own, fixed when the line is made", () => {
    const lines = computeReportLines([group(), group({ bucketStart: t("2026-03-05T09:00:00Z") })], context(t("2026-03-06T00:00:00Z")));
    expect(lines.map((line) => line.identifier)).toEqual([expect.stringMatching(/^tally_[0-9a-f]{32}$/), expect.stringMatching(/^tally_[0-9a-f]{32}$/)]);
    expect(new Set(lines.map((line) => line.identifier)).size).toBe(2);
  });
});

/** A deterministic stream of quantities with up to three decimals. */
function quantities(count: number): string[] {
  let seed = 12_345;
  return Array.from({ length: count }, () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return (seed % 1_000_000).toString().replace(/(\d{3})$/, ".$1").replace(/^\./, "0.");
  });
}

describe("whole-number values and the carried remainder", () => {
  const now = t("2026-03-31T00:00:00Z");
  const scale = new Decimal("0.001");
  const values = quantities(300);
  const groups = values.map((quantity, index) =>
    group({ bucketStart: new Date(CUR_START.getTime() + (index + 1) * HOUR_MS), lastAt: new Date(CUR_START.getTime() + (index + 1) * HOUR_MS + 60_000), quantity: d(quantity), maxId: BigInt(index + 1) }),
  );
  const exact = values.reduce((sum, quantity) => sum.plus(d(quantity).times(d("0.001"))), d(0));

  const bounds: Record<MeterRounding, [number, number]> = { DOWN: [0, 1], UP: [-1, 0], HALF_UP: [-0.5, 0.5] };
  for (const rounding of ["DOWN", "UP", "HALF_UP"] as const) {
    it(`never drift with rounding ${rounding}: the values sent stay within 1 of the exact scaled total`, () => {
      const ctx = context(now, { meters: new Map([["meter-1", meter({ valueScale: scale, rounding })]]) });
      const lines = computeReportLines(groups, ctx);
      const sent = lines.reduce((sum, line) => sum + line.stripeValue, 0n);
      expect(d(sent.toString()).minus(exact).abs().lessThan(1)).toBe(true);
      // Exactly: what was sent plus what is carried is the scaled total.
      const last = lines.at(-1);
      expect(d(sent.toString()).plus(last?.carryOut ?? 0).equals(exact)).toBe(true);
      // Each line starts from the remainder the one before it left.
      lines.forEach((line, index) => {
        expect(line.carryIn.toString()).toBe(index === 0 ? "0" : lines[index - 1]?.carryOut.toString());
        const [low, high] = bounds[rounding];
        expect(line.carryOut.greaterThanOrEqualTo(low) && line.carryOut.lessThanOrEqualTo(high)).toBe(true);
      });
      // The next claim continues from it.
      expect(ctx.carries.get(carryKey("customer-1", "meter-1", CUR_START))?.toString()).toBe(last?.carryOut.toString());
    });
  }

  it("continue the remainder of the period's last line, and not another period's", () => {
    const carries = new Map([
      [carryKey("customer-1", "meter-1", CUR_START), d("0.7")],
      [carryKey("customer-1", "meter-1", PREV_START), d("-0.4")],
    ]);
    const ctx = context(now, { carries, meters: new Map([["meter-1", meter({ valueScale: new Decimal("0.1") })]]) });
    const line = only([group({ quantity: d(4) })], ctx); // 0.4 + 0.7
    expect(line).toMatchObject({ stripeValue: 1n });
    expect(line.carryIn.toString()).toBe("0.7");
    expect(line.carryOut.toString()).toBe("0.1");
  });
});

describe("latest-value meters", () => {
  for (const aggregation of ["LAST", "MAX"] as const satisfies MeterAggregation[]) {
    it(`${aggregation}: send the latest value, scaled and rounded, with nothing carried`, () => {
      const ctx = context(t("2026-03-06T00:00:00Z"), { meters: new Map([["meter-1", meter({ aggregation, valueScale: new Decimal(1000), rounding: "UP" })]]) });
      const line = only([group({ quantity: d(10), lastQuantity: d("2.5005") })], ctx);
      expect(line).toMatchObject({ status: "PENDING", stripeValue: 2501n, late: false });
      expect(line.carryOut.isZero()).toBe(true);
      expect(ctx.carries.size).toBe(0);
    });
  }

  it("dead-letter a latest value for a period already invoiced (late): it is no value of the current period", () => {
    const ctx = context(t("2026-03-01T12:00:00Z"), {
      meters: new Map([["meter-1", meter({ aggregation: "LAST" })]]),
      previousInvoiceStatus: new Map<string, InvoiceStatus>([["subscription-1", "PAID"]]),
    });
    const line = only([group({ segmentStart: PREV_START, bucketStart: t("2026-02-20T09:00:00Z"), lastAt: t("2026-02-20T09:30:00Z") })], ctx);
    expect(line).toMatchObject({ status: "DEAD", heldCode: "late_last_value", stripeValue: 0n, late: true });
  });
});

describe("held lines", () => {
  const now = t("2026-03-06T00:00:00Z");
  const cases: [string, Partial<TClaimedGroup>, Partial<TReportContext>, string][] = [
    ["a meter Stripe does not have", {}, { meters: new Map([["meter-1", meter({ stripeMeterId: null })]]) }, "meter_not_in_stripe"],
    ["a customer without a Stripe customer", {}, { stripeCustomerIds: new Map([["customer-1", null]]) }, "no_stripe_customer"],
    [
      "a customer without a subscription",
      { subscriptionId: null, stripeSubscriptionId: null, subscriptionStatus: null, currentPeriodStart: null, currentPeriodEnd: null, previousPeriodStart: null, previousPeriodEnd: null, attachedAt: null, segmentStart: null },
      {},
      "no_subscription",
    ],
    ["a cancelled subscription", { subscriptionStatus: "CANCELED" }, {}, "no_subscription"],
    ["a subscription not in Stripe yet", { stripeSubscriptionId: null }, {}, "subscription_not_in_stripe"],
  ];
  for (const [what, billing, overrides, code] of cases) {
    it(`hold the usage of ${what} (${code}), with its reason, nothing to send and nothing carried`, () => {
      const ctx = context(now, overrides);
      const line = only([group(billing)], ctx);
      expect(line).toMatchObject({ status: "HELD", heldCode: code, stripeValue: 0n, late: false, eventCount: 1 });
      expect(line.heldReason).toBeTruthy();
      expect(line.quantity.toString()).toBe("5");
      expect(ctx.carries.size).toBe(0);
    });
  }
});

describe("the previous period", () => {
  const usage = group({ segmentStart: PREV_START, bucketStart: t("2026-02-25T09:00:00Z"), lastAt: t("2026-02-25T09:30:12.400Z") });
  const statusOf = (status: InvoiceStatus) => ({ previousInvoiceStatus: new Map<string, InvoiceStatus>([["subscription-1", status]]) });

  it("bills usage of the period that just ended into its draft invoice, inside that period", () => {
    const line = only([usage], context(new Date(CUR_START.getTime() + 20 * 60_000)));
    expect(line).toMatchObject({ status: "PENDING", late: false, periodStart: PREV_START, periodEnd: CUR_START, eventAt: t("2026-02-25T09:30:12Z") });
    // The invoice is known to be a draft still: the same, past the usual grace.
    expect(only([usage], context(new Date(CUR_START.getTime() + 5 * HOUR_MS), statusOf("DRAFT")))).toMatchObject({ late: false, periodStart: PREV_START });
  });

  it("bills it late, in the current period, once the invoice is final or the grace is (nearly) over", () => {
    for (const [now, status] of [
      [new Date(CUR_START.getTime() + 20 * 60_000), "OPEN"],
      [new Date(CUR_START.getTime() + 20 * 60_000), "PAID"],
      [new Date(CUR_START.getTime() + 55 * 60_000), undefined], // less than 10 minutes of the hour's grace left
    ] as const) {
      const line = only([usage], context(now, status ? statusOf(status) : {}));
      expect(line).toMatchObject({ status: "PENDING", late: true, periodStart: CUR_START, periodEnd: CUR_END, eventAt: now });
    }
  });
});

describe("timestamps Stripe accepts", () => {
  it("move usage older than 35 days to the oldest second Stripe accepts inside its period", () => {
    // A quarterly period: usage from January is still in it in late March.
    const start = t("2026-01-01T00:00:00Z");
    const end = t("2026-04-01T00:00:00Z");
    const now = t("2026-03-20T12:00:00.250Z");
    const old = group({
      currentPeriodStart: start,
      currentPeriodEnd: end,
      previousPeriodStart: null,
      previousPeriodEnd: null,
      attachedAt: start,
      segmentStart: start,
      bucketStart: t("2026-01-10T08:00:00Z"),
      lastAt: t("2026-01-10T08:30:00Z"),
    });
    const line = only([old], context(now));
    expect(line).toMatchObject({ status: "PENDING", late: false, periodStart: start, periodEnd: end, eventAt: t("2026-02-13T13:00:01Z") });
    expect(now.getTime() - line.eventAt.getTime()).toBeLessThan(STRIPE_MAX_EVENT_AGE_MS);
    expect(line.eventAt.getTime() % 1000).toBe(0);
  });

  it("put late usage inside the current billing segment: after a plan change, at the new price", () => {
    const now = t("2026-03-12T09:00:00.700Z");
    const beforeChange = group({ attachedAt: CHANGE, segmentStart: CUR_START, bucketStart: t("2026-03-05T08:00:00Z"), lastAt: t("2026-03-05T08:20:00Z") });
    const afterChange = group({ attachedAt: CHANGE, segmentStart: CHANGE, bucketStart: t("2026-03-11T08:00:00Z"), lastAt: t("2026-03-11T08:20:00Z") });
    const [late, onTime] = computeReportLines([beforeChange, afterChange], context(now, { meters: new Map([["meter-1", meter({ valueScale: new Decimal("0.1") })]]) }));
    expect(late).toMatchObject({ late: true, periodStart: CUR_START, periodEnd: CUR_END, eventAt: t("2026-03-12T09:00:00Z") });
    expect(late!.eventAt >= CHANGE).toBe(true);
    expect(onTime).toMatchObject({ late: false, eventAt: t("2026-03-11T08:20:00Z") });
    // Both lines carry one remainder, the period's: 0.5 sent as 1, then 0.5 − 0.5 sent as 0.
    expect([late?.stripeValue, onTime?.stripeValue]).toEqual([1n, 0n]);
    expect(onTime?.carryIn.toString()).toBe("-0.5");
  });

  it("keep late usage inside the current period when the clock is past its end, and hold it when no accepted second is left", () => {
    const usage = group({ segmentStart: PREV_START, bucketStart: t("2026-02-25T09:00:00Z"), lastAt: t("2026-02-25T09:30:00Z") });
    const paid = { previousInvoiceStatus: new Map<string, InvoiceStatus>([["subscription-1", "PAID"]]) };
    const stale = only([usage], context(new Date(CUR_END.getTime() + HOUR_MS), paid));
    expect(stale).toMatchObject({ late: true, periodStart: CUR_START, eventAt: new Date(CUR_END.getTime() - 1000) });
    const gone = only([usage], context(new Date(CUR_END.getTime() + 36 * DAY_MS), paid));
    expect(gone).toMatchObject({ status: "HELD", heldCode: "no_time_in_period", stripeValue: 0n });
  });
});

describe("retimeStaleLine", () => {
  const now = t("2026-03-12T09:00:00Z");
  const context = { now, invoiceGraceMs: HOUR_MS };
  const billing = { currentPeriodStart: CUR_START, currentPeriodEnd: CUR_END, attachedAt: CHANGE, invoiceStatus: null };
  const sum = "SUM" as MeterAggregation;

  it("moves a pending line of the current period from before a plan change to after it, as late", () => {
    const line = { eventAt: t("2026-03-05T00:00:00Z"), periodStart: CUR_START, periodEnd: CUR_END, aggregation: sum };
    expect(retimeStaleLine(line, billing, context)).toEqual({ eventAt: t("2026-03-12T09:00:00Z"), periodStart: CUR_START, periodEnd: CUR_END, late: true });
    // After the change, or with no change in the period, it is sent as it is.
    expect(retimeStaleLine({ ...line, eventAt: t("2026-03-11T00:00:00Z") }, billing, context)).toBeNull();
    expect(retimeStaleLine(line, { ...billing, attachedAt: CUR_START }, context)).toBeNull();
  });

  it("keeps a line of the previous period while its invoice is a draft, and moves it once the invoice is final", () => {
    const line = { eventAt: t("2026-02-20T00:00:00Z"), periodStart: PREV_START, periodEnd: CUR_START, aggregation: sum };
    const noChange = { ...billing, attachedAt: null };
    expect(retimeStaleLine(line, { ...noChange, invoiceStatus: "DRAFT" as InvoiceStatus }, context)).toBeNull();
    expect(retimeStaleLine(line, { ...noChange, invoiceStatus: "PAID" as InvoiceStatus }, context)).toMatchObject({ late: true, periodStart: CUR_START, eventAt: now });
    // Invoice unknown to Tally: open until the grace period (less a margin) is over.
    const early = { now: new Date(CUR_START.getTime() + 10 * 60_000), invoiceGraceMs: HOUR_MS };
    expect(retimeStaleLine(line, noChange, early)).toBeNull();
    expect(retimeStaleLine(line, noChange, context)).toMatchObject({ late: true });
  });

  it("leaves LAST values and customers without a live subscription alone", () => {
    const line = { eventAt: t("2026-03-05T00:00:00Z"), periodStart: CUR_START, periodEnd: CUR_END, aggregation: "LAST" as MeterAggregation };
    expect(retimeStaleLine(line, billing, context)).toBeNull();
    expect(retimeStaleLine({ ...line, aggregation: sum }, { ...billing, currentPeriodStart: null, currentPeriodEnd: null }, context)).toBeNull();
  });
});
