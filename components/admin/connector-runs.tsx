// A connector's runs, newest first, 20 a page: when, why, how it went and its counts; under a run
// that failed, its reason in full, and under one with row errors, those rows in a disclosure
// ("ref — detail"; a run keeps its first 100).
import Link from "next/link";
import { Fragment } from "react";
import { EmptyState } from "@/components/ui/empty-state";
import type { TConnectorRunRow } from "@/lib/connectors/get-connector";
import { formatDateTime, formatDuration } from "@/lib/time/format";
import type { TConnectorLabels } from "./connector-labels";
import { ConnectorStatusBadge } from "./connector-status-badge";

const COLUMNS = 8;
const number = (value: number) => value.toLocaleString("en-US");

export function ConnectorRuns({
  connectorId,
  runs,
  nextCursor,
  paged,
  counts,
}: {
  connectorId: string;
  runs: TConnectorRunRow[];
  nextCursor: string | null;
  paged: boolean;
  counts: TConnectorLabels["counts"];
}) {
  const href = (cursor?: string) => `/admin/connectors/${connectorId}${cursor ? `?runsBefore=${cursor}` : ""}#runs`;
  return (
    <>
      {runs.length === 0 ? (
        <EmptyState title={paged ? "No older runs" : "No runs yet"}>{paged ? null : "Its first run is due at once: Run now, or wait for the worker."}</EmptyState>
      ) : (
        <div className="relative overflow-x-auto" role="region" aria-label="Runs" tabIndex={0}>
          <table className="w-full text-left text-sm" data-testid="connector-runs">
            <caption className="sr-only">Runs of this connector, newest first</caption>
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">Started (UTC)</th>
                <th scope="col" className="py-2 pr-4 font-medium">Trigger</th>
                <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">{counts.read}</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">{counts.recorded}</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">{counts.unchanged}</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">Errors</th>
                <th scope="col" className="py-2 text-right font-medium">Duration</th>
              </tr>
            </thead>
            <tbody className="align-top">
              {runs.map((run) => {
                const problems = run.error !== null || run.errors.length > 0;
                return (
                  <Fragment key={run.id}>
                    <tr className="border-t border-slate-100" data-run-id={run.id}>
                      <td className="py-2 pr-4 whitespace-nowrap text-slate-700">{formatDateTime(run.startedAt, { seconds: true })}</td>
                      <td className="py-2 pr-4 text-slate-600">
                        {run.trigger === "MANUAL" ? "manual" : "schedule"}
                        {run.triggeredByEmail ? <span className="block text-xs text-slate-500">{run.triggeredByEmail}</span> : null}
                      </td>
                      <td className="py-2 pr-4">
                        <ConnectorStatusBadge status={run.status} />
                      </td>
                      <td className="py-2 pr-4 text-right tabular-nums">{number(run.rowsRead)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{number(run.recordedCount)}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{number(run.unchangedCount)}</td>
                      <td className={`py-2 pr-4 text-right tabular-nums ${run.errorCount > 0 ? "font-medium text-red-700" : ""}`}>{number(run.errorCount)}</td>
                      <td className="py-2 text-right whitespace-nowrap text-slate-600">{run.finishedAt ? formatDuration(run.finishedAt.getTime() - run.startedAt.getTime()) : "running"}</td>
                    </tr>
                    {problems ? (
                      <tr>
                        <td colSpan={COLUMNS} className="pb-3 pl-4">
                          {run.error ? (
                            <p className="text-sm break-words text-red-700">
                              <span className="font-medium">The run failed: </span>
                              {run.error}
                            </p>
                          ) : null}
                          {run.errors.length > 0 ? (
                            <details className="text-sm">
                              <summary className="cursor-pointer text-red-700">
                                {run.errorCount === run.errors.length ? number(run.errorCount) : `The first ${number(run.errors.length)} of ${number(run.errorCount)}`}{" "}
                                {run.errorCount === 1 ? "error" : "errors"}
                                <span className="sr-only"> of the run started {formatDateTime(run.startedAt, { seconds: true })}</span>
                              </summary>
                              <ul className="mt-1 max-h-64 list-disc space-y-0.5 overflow-auto pl-5 text-slate-700">
                                {run.errors.map((error, index) => (
                                  <li key={`${error.ref}-${index}`}>
                                    <span className="font-medium">{error.ref}</span> — {error.detail}
                                  </li>
                                ))}
                              </ul>
                            </details>
                          ) : null}
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {paged || nextCursor ? (
        <nav aria-label="Run pages" className="mt-3 flex flex-wrap gap-4 text-sm">
          {paged ? (
            <Link href={href()} className="text-brand-700 hover:underline">
              ← Newest
            </Link>
          ) : null}
          {nextCursor ? (
            <Link href={href(nextCursor)} className="text-brand-700 hover:underline">
              Older runs →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}
