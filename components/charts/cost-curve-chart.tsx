"use client";
// What one charge costs against usage, from 0 to a sensible maximum, computed in the browser by the
// one pricing engine (rateUsage): the curve is what an invoice line would say at each quantity.
// Amounts stay exact until the very end; only the chart's y coordinates are floats.
import Decimal from "decimal.js";
import { useMemo } from "react";
import { CartesianGrid, Line, LineChart, ReferenceArea, Tooltip, XAxis, YAxis } from "recharts";
import { rateUsage, type TRatedUsageLine } from "@/lib/billing/rate-usage";
import type { TCharge } from "@/lib/billing/types";
import { formatMoney, formatQuantity, fromMinorUnits, minorUnitExponent } from "@/lib/money/currency";

const SAMPLES = 160;

type TPoint = { quantity: number; cost: number; amountMinor: string };

/** Rounds up to 1, 2 or 5 × a power of ten (2,000 rather than 1,873). */
function niceCeil(value: Decimal): Decimal {
  const power = new Decimal(10).pow(value.log(10).floor());
  for (const step of [1, 2, 5, 10]) {
    const candidate = power.times(step);
    if (candidate.greaterThanOrEqualTo(value)) return candidate;
  }
  return power.times(10);
}

/** Twice the last thing that changes the price (the included quantity, a tier bound, a few packages). */
export function costCurveMax(charge: TCharge): Decimal {
  const marks = [charge.includedQuantity];
  for (const tier of charge.tiers) if (tier.upTo !== null) marks.push(charge.includedQuantity.plus(tier.upTo));
  if (charge.model === "PACKAGE" && charge.packageSize !== null) marks.push(charge.includedQuantity.plus(charge.packageSize.times(5)));
  const top = Decimal.max(...marks);
  return top.isZero() ? new Decimal(100) : niceCeil(top.times(2));
}

/** The quantities to price: an even spread plus each point where the price changes (and the unit after). */
function sampleQuantities(charge: TCharge, max: Decimal): Decimal[] {
  const quantities = new Map<string, Decimal>();
  const add = (quantity: Decimal) => {
    if (quantity.greaterThanOrEqualTo(0) && quantity.lessThanOrEqualTo(max)) quantities.set(quantity.toFixed(), quantity);
  };
  for (let index = 0; index <= SAMPLES; index += 1) add(max.times(index).dividedBy(SAMPLES).toDecimalPlaces(max.greaterThan(SAMPLES) ? 0 : 4));
  add(charge.includedQuantity);
  for (const tier of charge.tiers) {
    if (tier.upTo === null) continue;
    add(charge.includedQuantity.plus(tier.upTo));
    add(charge.includedQuantity.plus(tier.upTo).plus(1));
  }
  return [...quantities.values()].sort((a, b) => a.comparedTo(b));
}

function rateAt(charge: TCharge, currency: string, quantity: Decimal): TRatedUsageLine {
  const invoice = rateUsage({ currency, baseFeeMinor: 0n, charges: [charge] }, new Map([[charge.meterId, quantity]]));
  const line = invoice.lines.find((candidate) => candidate.kind === "USAGE");
  if (!line) throw new Error("The engine priced no usage line.");
  return line;
}

/** The engine's own arithmetic at one quantity: "At 2,000: tier 1: 1,000 calls at $0.01; … = $15.00". */
function explain(line: TRatedUsageLine, currency: string): string {
  return `At ${formatQuantity(line.quantity)}: ${line.breakdown.map((step) => step.description).join("; ")} = ${formatMoney(line.amountMinor, currency)}`;
}

export function CostCurveChart({ charge, currency, title }: { charge: TCharge; currency: string; title: string }) {
  const curve = useMemo(() => {
    try {
      const max = costCurveMax(charge);
      const points: TPoint[] = sampleQuantities(charge, max).map((quantity) => {
        const amountMinor = rateAt(charge, currency, quantity).amountMinor;
        return { quantity: quantity.toNumber(), cost: fromMinorUnits(amountMinor, currency).toNumber(), amountMinor: amountMinor.toString() };
      });
      return { max, points, summary: explain(rateAt(charge, currency, max), currency), problem: null };
    } catch (error) {
      return { max: null, points: [], summary: "", problem: error instanceof Error ? error.message : String(error) };
    }
  }, [charge, currency]);

  if (curve.problem !== null || curve.max === null) {
    return <p className="text-sm text-slate-500">The cost curve appears once the charge can be priced: {curve.problem}</p>;
  }
  const unit = charge.unitLabel ? ` (${charge.unitLabel})` : "";
  const included = charge.includedQuantity;
  const exponent = minorUnitExponent(currency);
  const { summary } = curve;
  return (
    <figure className="space-y-2" data-testid="cost-curve">
      <figcaption className="space-y-0.5 text-sm">
        <span className="block font-medium text-slate-700">{title}</span>
        <span className="block text-slate-600" data-testid="cost-curve-summary">
          {summary}
        </span>
      </figcaption>
      <div role="img" aria-label={`${title}: cost against usage${unit} from 0 to ${formatQuantity(curve.max)}. ${summary}.`}>
        <LineChart responsive style={{ width: "100%", height: 220 }} data={curve.points} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          {included.greaterThan(0) ? (
            <ReferenceArea x1={0} x2={included.toNumber()} fill="#10b981" fillOpacity={0.08} label={{ value: "included", position: "insideTopLeft", fill: "#047857", fontSize: 12 }} />
          ) : null}
          <XAxis
            dataKey="quantity"
            type="number"
            domain={[0, curve.max.toNumber()]}
            tickFormatter={(tick: number) => formatQuantity(new Decimal(tick).toDecimalPlaces(4))}
            tick={{ fontSize: 12 }}
          />
          <YAxis
            width={72}
            tickFormatter={(tick: number) => formatMoney(BigInt(Math.round(tick * 10 ** exponent)), currency)}
            tick={{ fontSize: 12 }}
          />
          <Tooltip
            labelFormatter={(label) => `Usage ${formatQuantity(new Decimal(String(label)))}${unit}`}
            formatter={(_value, _name, item) => [formatMoney(BigInt((item.payload as TPoint).amountMinor), currency), "Cost"]}
          />
          <Line type="linear" dataKey="cost" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </div>
    </figure>
  );
}
