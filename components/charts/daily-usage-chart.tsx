"use client";
// One meter's usage over a billing period, day by day: each day's usage as a bar, the running total
// as a line, the included quantity as a horizontal line, and (current period) the run-rate
// projection as a dashed line from today to the period end. Quantities arrive as exact decimal
// strings; only the chart's coordinates are floats.
import Decimal from "decimal.js";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { formatQuantity, pluralUnit } from "@/lib/money/currency";

export type TDailyPoint = { day: string; quantity: string; total: string };

type TRow = { day: string; label: string; daily: number | null; total: number | null; projected: number | null; exactDaily: string; exactTotal: string };

const DAY_MS = 86_400_000;
const labelOf = (iso: string) => new Date(iso).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const quantity = (value: number | string) => formatQuantity(new Decimal(value).toDecimalPlaces(4));
/** Axis ticks: 75M, 1.5K. */
const COMPACT = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** Every UTC day from the period start to its end (exclusive), with the days that had usage filled in. */
function rowsFor(points: TDailyPoint[], periodStart: string, periodEnd: string, until: string | null, projection: { at: string; total: string } | null): TRow[] {
  const byDay = new Map(points.map((point) => [point.day.slice(0, 10), point]));
  const first = Date.UTC(new Date(periodStart).getUTCFullYear(), new Date(periodStart).getUTCMonth(), new Date(periodStart).getUTCDate());
  const end = new Date(periodEnd).getTime();
  // Days after now (the current period) have no usage yet: only the projection is drawn there.
  const today = until ? new Date(until).getTime() : Number.POSITIVE_INFINITY;
  const rows: TRow[] = [];
  let total = "0";
  for (let day = first; day < end; day += DAY_MS) {
    const key = new Date(day).toISOString().slice(0, 10);
    const point = byDay.get(key);
    if (point) total = point.total;
    const past = day <= today;
    rows.push({
      day: key,
      label: labelOf(key),
      daily: past ? Number(point?.quantity ?? 0) : null,
      // The running total (SUM, COUNT), or the gauge's latest value carried over days without events (MAX, LAST).
      total: past ? Number(total) : null,
      projected: null,
      exactDaily: point?.quantity ?? "0",
      exactTotal: total,
    });
  }
  if (projection && rows.length > 0) {
    // From the last measured day, straight to the projected total at the last day of the period.
    const lastMeasured = rows.findLastIndex((row) => row.total !== null);
    const from = lastMeasured >= 0 ? Number(rows[lastMeasured]?.exactTotal ?? 0) : 0;
    const to = Number(projection.total);
    const span = rows.length - 1 - Math.max(lastMeasured, 0);
    rows.forEach((row, index) => {
      if (index < lastMeasured) return;
      row.projected = span <= 0 ? to : from + ((to - from) * (index - Math.max(lastMeasured, 0))) / span;
    });
  }
  return rows;
}

export function DailyUsageChart({
  title,
  unitLabel,
  points,
  periodStart,
  periodEnd,
  included,
  until,
  projection,
  cumulative,
}: {
  title: string;
  unitLabel: string;
  points: TDailyPoint[];
  periodStart: string;
  periodEnd: string;
  included: string | null;
  /** The current period: now (no usage is drawn after it). */
  until: string | null;
  /** The current period of a SUM/COUNT meter: now, and the projected total at the period end. */
  projection: { at: string; total: string } | null;
  /** SUM/COUNT meters add up over the period; MAX/LAST meters show each day's value. */
  cumulative: boolean;
}) {
  const rows = rowsFor(points, periodStart, periodEnd, until, projection);
  const units = pluralUnit(unitLabel);
  const includedValue = included === null ? null : Number(included);
  // A line needs two days: at the start of a period, each measured day is drawn as a dot too.
  const fewDays = rows.filter((row) => row.total !== null).length <= 2;
  const last = rows.findLast((row) => row.total !== null);
  const summary = `${title}: ${quantity(last?.exactTotal ?? "0")} ${units}${included !== null ? ` of ${quantity(included)} included` : ""}${
    projection ? `, projected ${quantity(projection.total)} by the period end` : ""
  }.`;
  return (
    <figure className="space-y-2" data-testid="daily-usage-chart">
      <figcaption className="sr-only">{summary}</figcaption>
      <div role="img" aria-label={summary}>
        <ComposedChart responsive style={{ width: "100%", height: 260 }} data={rows} margin={{ top: 8, right: 12, bottom: 4, left: 4 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={16} />
          <YAxis width={48} tick={{ fontSize: 11 }} tickFormatter={(tick: number) => COMPACT.format(tick)} />
          <Tooltip
            formatter={(value, name, item) => {
              const row = item.payload as TRow;
              if (name === "That day") return [`${quantity(row.exactDaily)} ${units}`, name];
              if (name === "So far" || name === "Value") return [`${quantity(row.exactTotal)} ${units}`, name];
              return [`${quantity(Number(value))} ${units}`, name];
            }}
          />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {cumulative ? <Bar dataKey="daily" name="That day" fill="#c7d2fe" isAnimationActive={false} /> : null}
          <Line type="monotone" dataKey="total" name={cumulative ? "So far" : "Value"} stroke="#3b54d9" strokeWidth={2} dot={fewDays ? { r: 3 } : false} isAnimationActive={false} connectNulls={false} />
          {projection ? (
            <Line type="linear" dataKey="projected" name="Projected" stroke="#3b54d9" strokeDasharray="6 4" strokeWidth={1.5} dot={false} isAnimationActive={false} />
          ) : null}
          {includedValue !== null ? (
            <ReferenceLine y={includedValue} stroke="#059669" strokeDasharray="4 2" label={{ value: `Included ${quantity(includedValue)}`, position: "insideTopLeft", fill: "#047857", fontSize: 11 }} />
          ) : null}
        </ComposedChart>
      </div>
    </figure>
  );
}
