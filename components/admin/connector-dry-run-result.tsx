// A SQL source's dry run, inline on its page: what its next run would record now (counts, the first
// 500 events, for totals the change from the total recorded before) and the rows it would refuse.
// Nothing of it was written.
import type { TConnectorRowError } from "@/lib/connectors/types";
import type { TPlannedEvent } from "@/lib/connectors/postgres/run-sql-source";
import { formatDateTime } from "@/lib/time/format";

export type TDryRun = { rowsRead: number; recorded: number; unchanged: number; errorCount: number; errors: TConnectorRowError[]; events: TPlannedEvent[]; truncated: boolean };

const number = (value: number) => value.toLocaleString("en-US");

function instant(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : formatDateTime(date, { seconds: true });
}

export function ConnectorDryRunResult({ result, aggregate }: { result: TDryRun; aggregate: boolean }) {
  return (
    <section aria-labelledby="dry-run-title" className="space-y-3 rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200" data-testid="connector-dry-run">
      <h3 id="dry-run-title" className="text-sm font-semibold text-slate-900">
        Dry run: nothing was written
      </h3>
      <p className="text-sm text-slate-700">
        The query returned {number(result.rowsRead)} {result.rowsRead === 1 ? "row" : "rows"}. A run now would record {number(result.recorded)}{" "}
        {result.recorded === 1 ? "event" : "events"}; {number(result.unchanged)} {aggregate ? "unchanged or already recorded" : "already recorded"}
        {result.errorCount > 0 ? <span className="font-medium text-red-700">; {number(result.errorCount)} {result.errorCount === 1 ? "row has an error" : "rows have errors"}</span> : null}.
      </p>
      {result.truncated ? <p className="text-sm text-amber-800">The dry run stopped after these {number(result.rowsRead)} rows; a run reads them all.</p> : null}

      {result.events.length > 0 ? (
        <div className="relative max-h-96 overflow-auto rounded-md bg-white ring-1 ring-slate-200" role="region" aria-label="Events the dry run would record" tabIndex={0}>
          <table className="w-full text-left text-sm">
            <caption className="sr-only">
              Events a run would record{result.events.length < result.recorded ? `, the first ${number(result.events.length)} of ${number(result.recorded)}` : ""}
            </caption>
            <thead className="sticky top-0 bg-white text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2 font-medium">Row</th>
                <th scope="col" className="px-3 py-2 font-medium">Customer</th>
                <th scope="col" className="px-3 py-2 font-medium">Meter</th>
                <th scope="col" className="px-3 py-2 text-right font-medium">Quantity</th>
                <th scope="col" className="px-3 py-2 font-medium">Occurred at (UTC)</th>
                {aggregate ? <th scope="col" className="px-3 py-2 font-medium">Total before → after</th> : null}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {result.events.map((event) => (
                <tr key={event.idempotencyKey}>
                  <td className="px-3 py-1.5 text-xs text-slate-500">{event.ref}</td>
                  <td className="px-3 py-1.5 font-mono text-xs text-slate-900">{event.customer}</td>
                  <td className="px-3 py-1.5 font-mono text-xs text-slate-900">{event.meter}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{event.quantity ?? <span title="No quantity: the event counts as one">—</span>}</td>
                  <td className="px-3 py-1.5 whitespace-nowrap text-slate-600">{instant(event.occurredAt)}</td>
                  {aggregate ? (
                    <td className="px-3 py-1.5 whitespace-nowrap tabular-nums text-slate-700">
                      {event.previousTotal ?? "0"} → {event.total ?? "—"}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {result.events.length < result.recorded ? <p className="text-xs text-slate-500">Showing the first {number(result.events.length)} events.</p> : null}

      {result.errors.length > 0 ? (
        <div>
          <h4 className="text-sm font-medium text-red-700">Rows that would not be recorded</h4>
          <ul className="mt-1 max-h-64 list-disc space-y-0.5 overflow-auto pl-5 text-sm text-slate-700">
            {result.errors.map((error, index) => (
              <li key={`${error.ref}-${index}`}>
                <span className="font-medium">{error.ref}</span> — {error.detail}
              </li>
            ))}
          </ul>
          {result.errors.length < result.errorCount ? <p className="text-xs text-slate-500">The first {number(result.errors.length)} of {number(result.errorCount)}.</p> : null}
        </div>
      ) : null}
    </section>
  );
}
