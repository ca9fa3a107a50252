// Pure: from the figures of one customer, meter and billing period (Tally's raw events and report
// lines, Stripe's meter event summary, the finalized invoice lines), what the period should bill,
// the drift, its causes and the repair it calls for (DESIGN.md rule 9).
//
// Quantities on Stripe's side are whole numbers (`value` = units × the meter's scale); they are
// compared as such, so a rounding remainder carried to the next line is told apart from a unit lost.
//
//   expected = raw − usage of the period billed late in a later one + late usage billed here
//            = the period's report lines (not released) + its unclaimed events
//   expected ─(held, dead, in flight, rounding carry)→ reported ─(missing, duplicate)→ Stripe
//            ─(late after the invoice, cancelled in Stripe)→ invoiced (+ adjustments)
import type Decimal from "decimal.js";
import { ExactDecimal } from "@/lib/money/currency";

export type TCauseCode =
  | "missing_in_stripe"
  | "duplicate_in_stripe"
  | "late_after_invoice"
  | "cancelled_in_stripe"
  | "dead_lettered"
  | "held"
  | "in_flight"
  | "rounding_carry";

export type TRepairAction = "resend" | "cancel_duplicate" | "adjust_next_invoice" | "release" | "send_now";

/** Causes that need nobody: the reporter sends what is in flight, and a carry goes with the next line. */
export const BENIGN_CAUSES: ReadonlySet<TCauseCode> = new Set(["in_flight", "rounding_carry"]);

export const CAUSE_LABELS: Record<TCauseCode, string> = {
  missing_in_stripe: "Missing in Stripe: Tally has it as sent, Stripe's summary does not have it (lost, or cancelled in Stripe)",
  duplicate_in_stripe: "Duplicate in Stripe: Stripe counts more than Tally sent",
  late_after_invoice: "Late: reached Stripe after the period's invoice was finalized, so the invoice does not bill it",
  cancelled_in_stripe: "Cancelled in Stripe after the invoice: the invoice bills more than Stripe now counts",
  dead_lettered: "Dead-lettered: Stripe refused it and it waits for an admin",
  held: "Held: not sent (no subscription, meter not in Stripe, …)",
  in_flight: "In flight: not sent yet (the reporter sends it shortly)",
  rounding_carry: "Rounding carry: a remainder below one Stripe unit, carried to the period's next line",
};

export const REPAIR_LABELS: Record<TRepairAction, string> = {
  resend: "Resend to Stripe",
  cancel_duplicate: "Cancel the duplicate in Stripe",
  adjust_next_invoice: "Adjust on the next invoice",
  release: "Release the lines",
  send_now: "Send now",
};

/** A report line that may be a duplicate in Stripe: released or dead-lettered after a send attempt. */
export type TDuplicateCandidate = { id: string; identifier: string; stripeValue: bigint; cancellable: boolean };

export type TReconciliationFigures = {
  aggregation: "SUM" | "COUNT" | "LAST" | "MAX";
  /** Stripe value = units × scale. */
  valueScale: Decimal;
  /** Raw events that occurred in the period, under the meter's aggregation (units). */
  raw: Decimal;
  /** Units of events of the period billed in a later period (late lines, and unclaimed events of an invoiced period). */
  lateOut: Decimal;
  /** Units of earlier periods billed in this one. */
  lateIn: Decimal;
  /** Report lines of the period by status: exact units and whole Stripe values. */
  sent: { quantity: Decimal; value: bigint };
  pending: { quantity: Decimal; value: bigint };
  held: { quantity: Decimal; value: bigint; lineIds: string[] };
  dead: { quantity: Decimal; value: bigint; lineIds: string[] };
  /** Unclaimed events of the period, when its invoice still takes them (units). */
  unclaimed: Decimal;
  /** Stripe's summary over the period (whole value); null when Stripe would not say. */
  stripeValue: bigint | null;
  /** Whether the period's invoice is finalized (Tally's copy): its lines no longer change. */
  invoiceFinal: boolean;
  /** Quantity of the finalized invoice lines (Stripe values); null until finalized. */
  invoicedValue: bigint | null;
  /** Adjustments already made for the period (units). */
  adjusted: Decimal;
  /** Released or dead-lettered lines Stripe may have counted, found in its per-minute summaries. */
  duplicates: TDuplicateCandidate[];
};

export type TCause = { code: TCauseCode; quantity: string };

export type TReconciliation = {
  expected: Decimal;
  reported: Decimal;
  stripe: Decimal | null;
  invoiced: Decimal | null;
  /** expected − billed (invoiced once final, else Stripe); units. */
  drift: Decimal;
  /** drift / expected, in percent (null when nothing is expected). */
  driftPercent: Decimal | null;
  causes: TCause[];
  /** The first cause that needs someone, else the first benign one; null when everything agrees. */
  cause: TCauseCode | null;
  repairAction: TRepairAction | null;
};

const units = (value: bigint, scale: Decimal) => new ExactDecimal(value.toString()).div(scale);

export function computeReconciliation(figures: TReconciliationFigures): TReconciliation {
  const scale = new ExactDecimal(figures.valueScale.toString());
  const additive = figures.aggregation === "SUM" || figures.aggregation === "COUNT";
  const expected = additive ? figures.raw.minus(figures.lateOut).plus(figures.lateIn) : figures.raw;
  const reported = units(figures.sent.value, scale);
  const stripe = figures.stripeValue === null ? null : units(figures.stripeValue, scale);
  const invoiced = figures.invoicedValue === null ? null : units(figures.invoicedValue, scale).plus(figures.adjusted);

  const causes: TCause[] = [];
  const add = (code: TCauseCode, quantity: Decimal) => {
    if (!quantity.isZero()) causes.push({ code, quantity: quantity.toFixed() });
  };

  // Stripe against what Tally sent.
  if (figures.stripeValue !== null) {
    const gap = figures.stripeValue - figures.sent.value;
    if (gap < 0n) add("missing_in_stripe", units(-gap, scale));
    if (gap > 0n) add("duplicate_in_stripe", units(gap, scale));
  }
  // The invoice against Stripe (the invoice froze at finalization; adjustments count with it).
  if (figures.invoicedValue !== null && figures.stripeValue !== null) {
    const gap = units(figures.stripeValue, scale).minus(units(figures.invoicedValue, scale).plus(figures.adjusted));
    if (gap.greaterThan(0)) add("late_after_invoice", gap);
    if (gap.lessThan(0)) add("cancelled_in_stripe", gap.negated());
  }
  // What never reached Stripe.
  add("dead_lettered", figures.dead.quantity);
  add("held", figures.held.quantity);
  if (additive) {
    add("in_flight", figures.pending.quantity.plus(figures.unclaimed));
    // Units the lines carry but their whole values do not (yet): a remainder below one Stripe unit.
    const lineUnits = figures.sent.quantity;
    add("rounding_carry", lineUnits.minus(reported));
  } else if (!figures.pending.quantity.isZero() || !figures.unclaimed.isZero()) {
    // A latest value: what Stripe lacks of it is the value still on its way.
    add("in_flight", expected.minus(reported));
  }

  const billed = invoiced ?? stripe ?? reported;
  const drift = expected.minus(billed);
  const driftPercent = expected.isZero() ? null : drift.div(expected).times(100).toDecimalPlaces(4);
  const first = causes.find((cause) => !BENIGN_CAUSES.has(cause.code)) ?? causes[0];
  const cause = first?.code ?? null;
  return { expected, reported, stripe, invoiced, drift, driftPercent, causes, cause, repairAction: cause ? repairFor(cause, figures) : null };
}

function repairFor(cause: TCauseCode, figures: TReconciliationFigures): TRepairAction | null {
  switch (cause) {
    case "missing_in_stripe":
      return figures.invoiceFinal ? "adjust_next_invoice" : "resend";
    case "duplicate_in_stripe": {
      const extra = (figures.stripeValue ?? 0n) - figures.sent.value;
      const cancellable = figures.duplicates.filter((line) => line.cancellable).reduce((sum, line) => sum + line.stripeValue, 0n);
      if (figures.invoiceFinal) return "adjust_next_invoice";
      // Not cancellable (older than Stripe's 24 hours, or not a line Tally knows): the invoice will
      // bill it, and the next run, once the invoice is final, offers the adjustment.
      return cancellable > 0n && cancellable <= extra ? "cancel_duplicate" : null;
    }
    case "late_after_invoice":
    case "cancelled_in_stripe":
      return "adjust_next_invoice";
    case "dead_lettered":
    case "held":
      return "release";
    case "in_flight":
      return figures.invoiceFinal ? null : "send_now";
    case "rounding_carry":
      return null;
  }
}
