// The customer's invoices from Stripe, newest first; each opens to its lines.
import type { TCustomerInvoice } from "@/lib/billing/find-customer-invoices";
import { formatMoney, formatQuantity } from "@/lib/money/currency";
import { formatDate } from "@/lib/time/format";
import Decimal from "decimal.js";

const STATUS_STYLE: Record<string, string> = {
  DRAFT: "bg-slate-100 text-slate-700",
  OPEN: "bg-amber-100 text-amber-800",
  PAID: "bg-emerald-100 text-emerald-800",
  VOID: "bg-slate-100 text-slate-500",
  UNCOLLECTIBLE: "bg-red-100 text-red-800",
};

export function InvoiceList({ invoices }: { invoices: TCustomerInvoice[] }) {
  return (
    <ul className="divide-y divide-slate-100" data-testid="invoice-list">
      {invoices.map((invoice) => (
        <li key={invoice.id}>
          <details className="group py-2">
            <summary className="flex cursor-pointer list-none flex-wrap items-center gap-x-4 gap-y-1 rounded-md px-1 py-1 text-sm hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-brand-600">
              <span aria-hidden className="text-slate-400 transition-transform group-open:rotate-90">
                ▸
              </span>
              <span className="font-medium text-slate-900">{invoice.number ?? "Draft"}</span>
              <span className="text-slate-500">
                {invoice.periodEnd > invoice.periodStart ? `${formatDate(invoice.periodStart)} – ${formatDate(invoice.periodEnd)}` : formatDate(invoice.periodStart)}
              </span>
              <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLE[invoice.status] ?? ""}`}>{invoice.status.toLowerCase()}</span>
              <span className="ml-auto font-medium tabular-nums text-slate-900">{formatMoney(invoice.totalMinor, invoice.currency)}</span>
            </summary>
            <table className="mt-2 w-full text-left text-sm">
              <caption className="sr-only">Lines of invoice {invoice.number ?? invoice.stripeInvoiceId}</caption>
              <thead className="text-slate-500">
                <tr>
                  <th className="py-1 pr-4 font-medium">Description</th>
                  <th className="py-1 pr-4 text-right font-medium">Qty</th>
                  <th className="py-1 text-right font-medium">Amount</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-50">
                {invoice.lines.map((line) => (
                  <tr key={line.id}>
                    <td className="py-1 pr-4 text-slate-700">
                      {line.description}
                      {line.proration ? <span className="ml-2 text-xs text-slate-400">proration</span> : null}
                    </td>
                    <td className="py-1 pr-4 text-right tabular-nums text-slate-600">{line.quantity === null ? "" : formatQuantity(new Decimal(line.quantity.toString()))}</td>
                    <td className="py-1 text-right tabular-nums">{formatMoney(line.amountMinor, invoice.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {invoice.hostedUrl ? (
              <a href={invoice.hostedUrl} className="mt-2 inline-block text-sm text-brand-700 underline" target="_blank" rel="noreferrer">
                Open in Stripe
              </a>
            ) : null}
          </details>
        </li>
      ))}
    </ul>
  );
}
