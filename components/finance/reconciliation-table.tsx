// A reconciliation run's rows: per customer, meter and period the four figures (raw → reported →
// Stripe → invoiced), the drift in units, money and percent, its causes and the repair.
import Decimal from "decimal.js";
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import { formatMoney, formatQuantity } from "@/lib/money/currency";
import { CAUSE_LABELS, type TCause, type TCauseCode, type TRepairAction } from "@/lib/reconciliation/compute-reconciliation";
import { needsAttention, type TReconciliationLineView } from "@/lib/reconciliation/find-reconciliation-run";
import { formatDate } from "@/lib/time/format";
import { ReconciliationRepairButton } from "./reconciliation-repair-button";

const quantity = (value: { toString(): string } | null) => (value === null ? "—" : formatQuantity(new Decimal(value.toString())));

type TDetails = { causes?: TCause[]; driftPercent?: string | null; lateIn?: string; lateOut?: string; invoiceFinal?: boolean };

export function ReconciliationTable({ lines, showingAll }: { lines: TReconciliationLineView[]; showingAll: boolean }) {
  if (lines.length === 0) {
    return (
      <EmptyState title={showingAll ? "Nothing was checked" : "No drift"}>
        {showingAll ? "No customer has a subscription with a period to check." : "Every row agrees, or only has usage on its way to Stripe."}{" "}
        {showingAll ? null : <Link href="?rows=all" className="font-medium text-brand-700 hover:underline">Show every row</Link>}
      </EmptyState>
    );
  }
  return (
    <div className="relative overflow-x-auto" role="region" aria-label="Reconciliation rows" tabIndex={0}>
      <table className="w-full text-left text-sm" data-testid="reconciliation-rows">
        <caption className="sr-only">Raw events, Tally&apos;s reported total, Stripe&apos;s meter summary and the invoiced quantity per customer, meter and period</caption>
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Customer · meter · period</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Raw</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">To bill</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Reported</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Stripe</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Invoiced</th>
            <th scope="col" className="py-2 pr-4 text-right font-medium">Drift</th>
            <th scope="col" className="py-2 pr-4 font-medium">Cause</th>
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Repair</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {lines.map((line) => {
            const details = (line.details ?? {}) as TDetails;
            const attention = needsAttention(line);
            const label = `${line.customer.name}, ${line.meter.eventName}, ${formatDate(line.periodStart)}`;
            const drift = new Decimal(line.driftQuantity.toString());
            return (
              <tr key={line.id} data-reconciliation-line={line.id} className={attention ? "bg-amber-50/40" : undefined}>
                <td className="py-2 pr-4">
                  <Link href={`/admin/customers/${line.customer.id}`} className="font-medium text-slate-900 hover:underline">
                    {line.customer.name}
                  </Link>
                  <span className="block font-mono text-xs text-slate-600">{line.meter.eventName}</span>
                  <span className="block text-xs whitespace-nowrap text-slate-500">
                    {formatDate(line.periodStart)} – {formatDate(line.periodEnd)}
                  </span>
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{quantity(line.rawQuantity)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">
                  {quantity(line.expectedQuantity)}
                  {details.lateOut && details.lateOut !== "0" ? <span className="block text-xs text-slate-500">−{quantity(details.lateOut)} billed later</span> : null}
                  {details.lateIn && details.lateIn !== "0" ? <span className="block text-xs text-slate-500">+{quantity(details.lateIn)} late, earlier</span> : null}
                </td>
                <td className="py-2 pr-4 text-right tabular-nums">{quantity(line.reportedQuantity)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{quantity(line.stripeQuantity)}</td>
                <td className="py-2 pr-4 text-right tabular-nums">{line.invoicedQuantity === null ? <span className="text-slate-400">not yet</span> : quantity(line.invoicedQuantity)}</td>
                <td className={`py-2 pr-4 text-right tabular-nums ${drift.isZero() ? "text-slate-500" : "font-medium text-slate-900"}`}>
                  {drift.isZero() ? "0" : `${drift.isPositive() ? "+" : ""}${formatQuantity(drift)} ${line.meter.unitLabel}`}
                  {line.driftMinor !== null && line.driftMinor !== 0n && line.currency ? <span className="block text-xs">{formatMoney(line.driftMinor, line.currency)}</span> : null}
                  {details.driftPercent && !drift.isZero() ? <span className="block text-xs text-slate-500">{new Decimal(details.driftPercent).toDecimalPlaces(2).toString()} %</span> : null}
                </td>
                <td className="max-w-80 py-2 pr-4 text-xs">
                  {line.error ? <p className="text-red-700">{line.error}</p> : null}
                  {(details.causes ?? []).length === 0 && !line.error ? <span className="text-emerald-700">Agrees</span> : null}
                  <ul className="space-y-1">
                    {(details.causes ?? []).map((cause) => (
                      <li key={cause.code} className={cause.code === line.cause ? "text-slate-900" : "text-slate-600"}>
                        {CAUSE_LABELS[cause.code as TCauseCode] ?? cause.code}: {quantity(cause.quantity)}
                      </li>
                    ))}
                  </ul>
                </td>
                <td className="py-2 text-right">
                  {line.repairedAt ? (
                    <span className="text-xs text-emerald-700">Repaired {formatDate(line.repairedAt)}</span>
                  ) : line.repairAction ? (
                    <ReconciliationRepairButton lineId={line.id} action={line.repairAction as TRepairAction} label={label} />
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
