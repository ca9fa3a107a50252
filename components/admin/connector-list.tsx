// The connectors page's list: each connector's name (to its page), kind, schedule and last run, with
// its last error in full under it (never behind a click).
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import type { TConnectorSummary } from "@/lib/connectors/find-connectors";
import { formatDateTime } from "@/lib/time/format";
import { connectorLabels } from "./connector-labels";
import { ConnectorStatusBadge } from "./connector-status-badge";

export function ConnectorList({ connectors }: { connectors: TConnectorSummary[] }) {
  if (connectors.length === 0) {
    return <EmptyState title="No connectors yet">Add a SQL source or a HubSpot connector below.</EmptyState>;
  }
  return (
    <div className="relative overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="connectors">
        <caption className="sr-only">Connectors, their schedule and their last run</caption>
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Name</th>
            <th scope="col" className="py-2 pr-4 font-medium">Kind</th>
            <th scope="col" className="py-2 pr-4 font-medium">Schedule</th>
            <th scope="col" className="py-2 font-medium">Last run (UTC)</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {connectors.map((connector) => {
            const labels = connectorLabels(connector);
            const run = connector.lastRun;
            return (
              <tr key={connector.id} data-connector-id={connector.id}>
                <th scope="row" className="py-2 pr-4 font-medium">
                  <Link href={`/admin/connectors/${connector.id}`} className="text-brand-700 hover:underline">
                    {connector.name}
                  </Link>
                </th>
                <td className="py-2 pr-4 whitespace-nowrap text-slate-700">{labels.kind}</td>
                <td className="py-2 pr-4 whitespace-nowrap text-slate-700">{labels.schedule}</td>
                <td className="min-w-72 py-2">
                  {connector.lastRunAt && connector.lastStatus ? (
                    <span className="flex flex-wrap items-center gap-2">
                      <span className="whitespace-nowrap text-slate-700">{formatDateTime(connector.lastRunAt)}</span>
                      <ConnectorStatusBadge status={connector.lastStatus} />
                    </span>
                  ) : (
                    <span className="text-slate-500">Not run yet</span>
                  )}
                  {run ? (
                    <span className="block text-xs text-slate-500">
                      {labels.counts.read.toLowerCase()} {run.rowsRead.toLocaleString("en-US")} · {labels.counts.recorded.toLowerCase()} {run.recordedCount.toLocaleString("en-US")} ·{" "}
                      {labels.counts.unchanged.toLowerCase()} {run.unchangedCount.toLocaleString("en-US")}
                      {run.errorCount > 0 ? ` · ${run.errorCount.toLocaleString("en-US")} with errors` : ""}
                    </span>
                  ) : null}
                  {connector.runningSince ? <span className="block text-xs text-sky-800">Running since {formatDateTime(connector.runningSince, { seconds: true })}</span> : null}
                  {connector.lastError ? (
                    <span className="mt-1 block text-sm break-words text-red-700" data-testid="connector-last-error">
                      <span className="font-medium">Error: </span>
                      {connector.lastError}
                    </span>
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
