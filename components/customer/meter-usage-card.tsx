// One meter of the customer's period: usage against the included quantity (a bar that changes at
// 75 / 90 / 100 %), the run-rate projection, what it costs, and the daily chart.
import Decimal from "decimal.js";
import { DailyUsageChart } from "@/components/charts/daily-usage-chart";
import type { TDashboardMeter } from "@/lib/billing/get-usage-dashboard";
import { formatMoney, formatQuantity, pluralUnit } from "@/lib/money/currency";
import { LEVEL_TEXT, QuotaBar, quotaLevel } from "./quota-bar";

const q = (value: string) => formatQuantity(new Decimal(value));
/** "100,000 requests", "1 request". */
const units = (value: string, label: string) => `${q(value)} ${new Decimal(value).equals(1) ? label : pluralUnit(label)}`;

export function MeterUsageCard({
  meter,
  currency,
  period,
  current,
  now,
}: {
  meter: TDashboardMeter;
  currency: string | null;
  period: { periodStart: Date; periodEnd: Date };
  current: boolean;
  now: Date;
}) {
  const level = quotaLevel(meter.percentUsed);
  const cumulative = meter.aggregation === "SUM" || meter.aggregation === "COUNT";
  const projectedOver = meter.included !== null && new Decimal(meter.projectedUsage).greaterThan(meter.included);
  return (
    <section className="rounded-xl bg-white p-5 shadow-sm ring-1 ring-slate-200" aria-labelledby={`meter-${meter.meterId}`} data-testid="meter-card">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`meter-${meter.meterId}`} className="font-semibold text-slate-900">
          {meter.displayName}
        </h2>
        {meter.percentUsed !== null ? (
          <span className={`text-sm font-medium tabular-nums ${LEVEL_TEXT[level]}`} data-testid="percent-used">
            {meter.percentUsed.toLocaleString("en-US", { maximumFractionDigits: 1 })}% of included
          </span>
        ) : (
          <span className="text-sm text-slate-500">No included quantity</span>
        )}
      </div>
      <p className="mt-2 text-2xl font-semibold tabular-nums text-slate-900">
        <span data-testid="usage">{q(meter.usage)}</span>
        <span className="text-base font-normal text-slate-500">
          {meter.included !== null ? ` / ${units(meter.included, meter.unitLabel)}` : ` ${pluralUnit(meter.unitLabel)}`}
        </span>
      </p>
      <div className="mt-3">
        <QuotaBar percent={meter.percentUsed} label={`${meter.displayName} used`} />
      </div>
      <dl className="mt-4 grid grid-cols-2 gap-3 text-sm sm:grid-cols-3">
        {current ? (
          <div>
            <dt className="text-slate-500">Projected by {period.periodEnd.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" })}</dt>
            <dd className={`font-medium tabular-nums ${projectedOver ? "text-orange-700" : "text-slate-900"}`} data-testid="projected-usage">
              {units(meter.projectedUsage, meter.unitLabel)}
            </dd>
          </div>
        ) : null}
        {meter.remaining !== null ? (
          <div>
            <dt className="text-slate-500">Included left</dt>
            <dd className="font-medium tabular-nums text-slate-900">
              {units(meter.remaining, meter.unitLabel)}
            </dd>
          </div>
        ) : null}
        {currency && meter.amountMinor !== null ? (
          <div>
            <dt className="text-slate-500">{current ? "Cost so far → projected" : "Cost"}</dt>
            <dd className="font-medium tabular-nums text-slate-900" data-testid="projected-cost">
              {formatMoney(meter.amountMinor, currency)}
              {current && meter.projectedAmountMinor !== null ? ` → ${formatMoney(meter.projectedAmountMinor, currency)}` : ""}
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="mt-4">
        {meter.daily.length === 0 ? (
          <p className="rounded-lg bg-slate-50 px-4 py-6 text-center text-sm text-slate-500">No {meter.displayName.toLowerCase()} in this period yet.</p>
        ) : (
          <DailyUsageChart
            title={meter.displayName}
            unitLabel={meter.unitLabel}
            points={meter.daily.map((point) => ({ day: point.day.toISOString(), quantity: point.quantity, total: point.total }))}
            periodStart={period.periodStart.toISOString()}
            periodEnd={period.periodEnd.toISOString()}
            included={meter.included}
            until={current ? now.toISOString() : null}
            projection={current && cumulative ? { at: now.toISOString(), total: meter.projectedUsage } : null}
            cumulative={cumulative}
          />
        )}
      </div>
    </section>
  );
}
