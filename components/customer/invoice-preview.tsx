// The coming invoice as the pricing engine computes it from the usage so far: base fee, included
// units, overage by tier, credits; with the projected total at the run-rate, and Stripe's own
// preview beside it (streamed in: it is a call to Stripe).
import type { TRatedInvoice, TRatedLine } from "@/lib/billing/rate-usage";
import { getStripeInvoicePreview } from "@/lib/billing/get-stripe-invoice-preview";
import { formatMoney } from "@/lib/money/currency";
import { formatDateTime } from "@/lib/time/format";

function LineRows({ line, currency }: { line: TRatedLine; currency: string }) {
  if (line.kind !== "USAGE") {
    return (
      <tr>
        <td className="py-2 pr-4 text-slate-900">{line.kind === "BASE_FEE" ? "Base fee" : line.description}</td>
        <td className="py-2 text-right tabular-nums">{formatMoney(line.amountMinor, currency)}</td>
      </tr>
    );
  }
  return (
    <>
      <tr>
        <td className="pt-2 pr-4 font-medium text-slate-900">{line.meterName}</td>
        <td className="pt-2 text-right font-medium tabular-nums">{formatMoney(line.amountMinor, currency)}</td>
      </tr>
      {line.breakdown.map((step, index) => (
        <tr key={index} className="text-slate-500">
          <td className="py-0.5 pr-4 pl-4 text-xs sm:text-sm">{step.description}</td>
          <td className="py-0.5 text-right text-xs tabular-nums sm:text-sm">{step.amountMinor.isZero() ? "—" : formatMoney(step.amountMinor, currency)}</td>
        </tr>
      ))}
    </>
  );
}

export function InvoicePreview({ soFar, projected, pricedSince, periodStart }: { soFar: TRatedInvoice; projected: TRatedInvoice; pricedSince: Date; periodStart: Date }) {
  const { currency } = soFar;
  return (
    <div data-testid="invoice-preview">
      {pricedSince.getTime() !== periodStart.getTime() ? (
        <p className="mb-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600">
          Your plan changed on {formatDateTime(pricedSince)} UTC: usage before then was billed at the previous plan&apos;s prices. This invoice prices the usage since.
        </p>
      ) : null}
      <table className="w-full text-left text-sm">
        <caption className="sr-only">The coming invoice at your usage so far</caption>
        <thead className="text-slate-500">
          <tr>
            <th className="py-2 pr-4 font-medium">Line</th>
            <th className="py-2 text-right font-medium">Amount</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {soFar.lines.map((line, index) => (
            <LineRows key={index} line={line} currency={currency} />
          ))}
        </tbody>
        <tfoot className="border-t border-slate-200">
          <tr>
            <th className="py-2 pr-4 font-semibold text-slate-900">Total so far</th>
            <td className="py-2 text-right font-semibold tabular-nums text-slate-900" data-testid="preview-total">
              {formatMoney(soFar.totalMinor, currency)}
            </td>
          </tr>
          <tr>
            <th className="py-1 pr-4 font-normal text-slate-600">Projected at the period end, at your pace</th>
            <td className="py-1 text-right tabular-nums text-slate-600" data-testid="projected-total">
              {formatMoney(projected.totalMinor, currency)}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

/**
 * Stripe's preview of the same invoice: equal to the engine's once the usage so far has been
 * reported. Free units (QUANTITY credits) reach Stripe only when it drafts the invoice, so the
 * engine's figure compared here is without them (`freeUnitsMinor`, said in words).
 */
export async function StripePreviewComparison({
  stripeSubscriptionId,
  engineTotalMinor,
  freeUnitsMinor,
  currency,
  reportedAt,
}: {
  stripeSubscriptionId: string;
  engineTotalMinor: bigint;
  freeUnitsMinor: bigint;
  currency: string;
  reportedAt: Date | null;
}) {
  const preview = await getStripeInvoicePreview(stripeSubscriptionId);
  if (!preview.available) return <p className="mt-3 text-sm text-slate-500">Stripe&apos;s preview is not available right now ({preview.reason}).</p>;
  const difference = engineTotalMinor - preview.totalMinor;
  return (
    <p className="mt-3 rounded-md bg-slate-50 px-3 py-2 text-sm text-slate-600" data-testid="stripe-preview">
      Stripe&apos;s preview of this invoice: <span className="font-medium tabular-nums text-slate-900">{formatMoney(preview.totalMinor, currency)}</span>
      {difference === 0n
        ? " — the same, to the cent."
        : ` — ${formatMoney(difference < 0n ? -difference : difference, currency)} ${difference > 0n ? "less" : "more"}: Stripe has the usage reported up to ${reportedAt ? `${formatDateTime(reportedAt)} UTC` : "now"}; the rest is sent within the hour.`}
      {freeUnitsMinor > 0n ? ` Your free units (${formatMoney(freeUnitsMinor, currency)} at this usage) are granted on the invoice when Stripe drafts it.` : null}
    </p>
  );
}
