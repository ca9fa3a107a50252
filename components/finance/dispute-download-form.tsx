// Finance's dispute downloads: a plain GET form (no JavaScript) back to the finance page, which then
// offers the dispute CSV and its summary for the chosen customer and period (or invoice line), and
// links for the customer's recent metered invoice lines. Times are UTC.
import { SelectField, TextField } from "@/components/admin/form-controls";
import { Button } from "@/components/ui/button";
import type { TMeteredInvoiceLine } from "@/lib/finance/find-metered-invoice-lines";
import { formatDate } from "@/lib/time/format";

/** What the form was submitted with (the finance page's query), as typed. */
export type TDisputeFormValues = { customerId: string; periodStart: string; periodEnd: string; meter: string; invoiceLineId: string };

type TProps = {
  values: TDisputeFormValues;
  customers: { id: string; name: string; externalId: string }[];
  meters: { eventName: string; displayName: string }[];
  /** The chosen customer's recent metered invoice lines, newest first. */
  invoiceLines: TMeteredInvoiceLine[];
};

const LINK = "font-medium text-brand-700 underline";

export function DisputeDownloadForm({ values, customers, meters, invoiceLines }: TProps) {
  const query = toDisputeQuery(values);
  return (
    <div className="space-y-5">
      <form action="/finance" method="get" className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <SelectField
          id="dispute-customer"
          name="customerId"
          label="Customer"
          defaultValue={values.customerId}
          options={[{ value: "", label: "Choose a customer" }, ...customers.map((customer) => ({ value: customer.id, label: `${customer.name} (${customer.externalId})` }))]}
        />
        <TextField id="dispute-period-start" name="periodStart" type="datetime-local" step="1" label="Period start (UTC)" defaultValue={values.periodStart} />
        <TextField id="dispute-period-end" name="periodEnd" type="datetime-local" step="1" label="Period end (UTC, excluded)" defaultValue={values.periodEnd} />
        <SelectField
          id="dispute-meter"
          name="meter"
          label="Meter"
          defaultValue={values.meter}
          options={[{ value: "", label: "Every meter" }, ...meters.map((meter) => ({ value: meter.eventName, label: `${meter.displayName} (${meter.eventName})` }))]}
        />
        <TextField
          id="dispute-invoice-line"
          name="invoiceLineId"
          label="Or an invoice line"
          placeholder="il_…"
          defaultValue={values.invoiceLineId}
          hint="Alone, it brings its own period and meter."
        />
        <div className="flex items-end">
          <Button type="submit" variant="secondary">
            Prepare downloads
          </Button>
        </div>
      </form>

      {query ? (
        <p className="flex flex-wrap gap-x-6 gap-y-2 text-sm" data-testid="dispute-downloads">
          <a className={LINK} href={disputeHref("dispute.csv", values.customerId, query)}>
            Dispute CSV (every raw event)
          </a>
          <a className={LINK} href={disputeHref("dispute-summary.csv", values.customerId, query)}>
            Summary CSV (raw total → invoice line)
          </a>
        </p>
      ) : values.customerId ? (
        <p className="text-sm text-slate-500">Give a period start and end, or an invoice line, to download.</p>
      ) : null}

      {invoiceLines.length > 0 ? (
        <table className="w-full text-left text-sm">
          <caption className="mb-2 text-left font-medium text-slate-700">Recent metered invoice lines</caption>
          <thead className="text-slate-500">
            <tr>
              <th className="py-1 pr-4 font-medium">Meter</th>
              <th className="py-1 pr-4 font-medium">Period</th>
              <th className="py-1 pr-4 font-medium">Stripe line</th>
              <th className="py-1 font-medium">Downloads</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-50">
            {invoiceLines.map((line) => {
              const lineQuery = new URLSearchParams({ invoiceLineId: line.stripeLineId });
              return (
                <tr key={line.id}>
                  <td className="py-1 pr-4">{line.meter.eventName}</td>
                  <td className="py-1 pr-4 tabular-nums">
                    {formatDate(line.periodStart)} – {formatDate(line.periodEnd)}
                  </td>
                  <td className="py-1 pr-4 font-mono text-xs">{line.stripeLineId}</td>
                  <td className="space-x-4 py-1">
                    <a className={LINK} href={disputeHref("dispute.csv", values.customerId, lineQuery)}>
                      CSV
                    </a>
                    <a className={LINK} href={disputeHref("dispute-summary.csv", values.customerId, lineQuery)}>
                      Summary
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function disputeHref(file: "dispute.csv" | "dispute-summary.csv", customerId: string, query: URLSearchParams): string {
  return `/api/customers/${encodeURIComponent(customerId)}/${file}?${query.toString()}`;
}

const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/;

/** A datetime-local value read as UTC, as the API takes it (ISO 8601 with a zone); null when it is not one. */
function toUtcInstant(value: string): string | null {
  if (!LOCAL_DATETIME.test(value)) return null;
  const instant = new Date(`${value}Z`);
  return Number.isNaN(instant.getTime()) ? null : instant.toISOString();
}

/** The downloads' query for the form's values; null until a customer and a period or an invoice line are given. */
function toDisputeQuery(values: TDisputeFormValues): URLSearchParams | null {
  if (!values.customerId) return null;
  const query = new URLSearchParams();
  const periodStart = toUtcInstant(values.periodStart);
  const periodEnd = toUtcInstant(values.periodEnd);
  if (periodStart && periodEnd) {
    query.set("periodStart", periodStart);
    query.set("periodEnd", periodEnd);
  }
  if (values.meter) query.set("meter", values.meter);
  if (values.invoiceLineId.trim()) query.set("invoiceLineId", values.invoiceLineId.trim());
  return query.has("periodStart") || query.has("invoiceLineId") ? query : null;
}
