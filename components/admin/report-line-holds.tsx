"use client";
// Held and dead-lettered report lines on the sync page: the reasons (with "Retry all" per code,
// confirmed first) and the newest lines (with "Retry" each). A retry hands the lines' events back
// to the reporter's queue; what happened stays announced above the tables after the page refreshes.
import Decimal from "decimal.js";
import { useState } from "react";
import { releaseReportLinesAction } from "@/app/admin/sync/actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatQuantity } from "@/lib/money/currency";
import type { TReporterHeldLine, TReporterHoldReason } from "@/lib/stripe/reporter/get-reporter-health";
import { formatDateTime } from "@/lib/time/format";
import { FormAlert, FormNotice } from "./form-controls";
import { useFocusedNotice } from "./use-focused-notice";
import { useStaffAction } from "./use-staff-action";

const STATUS: Record<TReporterHoldReason["status"], { label: string; className: string }> = {
  HELD: { label: "held", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  DEAD: { label: "dead-lettered", className: "bg-red-50 text-red-700 ring-red-200" },
};

const count = (value: number) => value.toLocaleString("en-US");
/** A wide table scrolls inside its card; `relative` keeps its sr-only (absolute) labels from widening the page. */
const SCROLLS = "relative overflow-x-auto";
const plural = (value: number, one: string, many: string) => `${count(value)} ${value === 1 ? one : many}`;

function describeRelease({ released, events }: { released: number; events: number }): string {
  if (released === 0) return "Nothing to retry: those lines were already retried (or are no longer held).";
  return `Released ${plural(released, "line", "lines")} (${plural(events, "event", "events")}); the reporter will send them again.`;
}

function StatusBadge({ status }: { status: TReporterHoldReason["status"] }) {
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ${STATUS[status].className}`}>{STATUS[status].label}</span>;
}

export function ReportLineHolds({ reasons, lines, total }: { reasons: TReporterHoldReason[]; lines: TReporterHeldLine[]; total: number }) {
  const { notice, setNotice, noticeRef } = useFocusedNotice();
  const { run, pending, error } = useStaffAction(releaseReportLinesAction);
  /** The button whose call is in flight ("line:<id>" or "code:<code>"), for its label. */
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmingCode, setConfirmingCode] = useState<string | null>(null);

  function release(input: { lineIds: string[] } | { heldCode: string }, key: string) {
    setBusy(key);
    setNotice(null);
    run(input, (result) => {
      setConfirmingCode(null);
      setNotice(describeRelease(result));
    });
  }

  return (
    <div className="space-y-6">
      <div ref={noticeRef} tabIndex={-1} className="space-y-2 focus:outline-none" data-testid="release-outcome">
        {notice ? <FormNotice>{notice}</FormNotice> : null}
        <FormAlert error={error} />
      </div>

      <Card title="Held and dead-lettered, by reason">
        {reasons.length === 0 ? (
          <EmptyState title="Nothing held.">Every claimed event is on its way to Stripe.</EmptyState>
        ) : (
          <div className={SCROLLS}>
            <table className="w-full text-left text-sm" data-testid="report-hold-reasons">
              <caption className="sr-only">Held and dead-lettered report lines by reason</caption>
              <thead className="text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Code</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Reason (newest line)</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Lines</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Oldest (UTC)</th>
                  <th scope="col" className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top">
                {reasons.map((reason) => {
                  const code = reason.code;
                  const key = `${reason.status}:${code ?? ""}`;
                  return (
                    <tr key={key}>
                      <td className="py-2 pr-4">
                        <StatusBadge status={reason.status} />
                      </td>
                      <td className="py-2 pr-4 font-mono text-xs whitespace-nowrap text-slate-900">{code ?? "—"}</td>
                      <td className="min-w-56 py-2 pr-4 text-slate-700">{reason.reason ?? "No reason recorded."}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{count(reason.lines)}</td>
                      <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{formatDateTime(reason.oldestCreatedAt)}</td>
                      <td className="py-2 text-right">
                        {code === null ? null : confirmingCode === code ? (
                          <div role="group" aria-label={`Retry all lines with code ${code}`} className="min-w-64 space-y-2 text-left">
                            <p className="text-xs text-slate-700">
                              Retry every held or dead-lettered line with code <span className="font-mono">{code}</span>? Their events go back to the queue; if
                              the cause is still there, they are held again.
                            </p>
                            <div className="flex gap-2">
                              <Button
                                // The confirmation replaces the button that had focus.
                                autoFocus
                                type="button"
                                className="px-2.5 py-1 text-xs"
                                disabled={pending}
                                onClick={() => release({ heldCode: code }, `code:${code}`)}
                              >
                                {pending && busy === `code:${code}` ? "Retrying…" : "Confirm retry"}
                              </Button>
                              <Button type="button" variant="ghost" className="px-2.5 py-1 text-xs" disabled={pending} onClick={() => setConfirmingCode(null)}>
                                Cancel
                              </Button>
                            </div>
                          </div>
                        ) : (
                          <Button
                            type="button"
                            variant="secondary"
                            className="px-2.5 py-1 text-xs whitespace-nowrap"
                            disabled={pending}
                            aria-label={`Retry all lines with code ${code}`}
                            onClick={() => setConfirmingCode(code)}
                          >
                            Retry all…
                          </Button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      {lines.length > 0 ? (
        <Card title="Held and dead-lettered lines (newest first)">
          {lines.length < total ? <p className="mb-3 text-sm text-slate-600">Showing the newest {count(lines.length)} of {count(total)}.</p> : null}
          <div className={SCROLLS}>
            <table className="w-full text-left text-sm" data-testid="held-report-lines">
              <caption className="sr-only">Held and dead-lettered report lines</caption>
              <thead className="text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Line</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Customer</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Meter and window (UTC)</th>
                  <th scope="col" className="py-2 pr-4 text-right font-medium">Quantity</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Why</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Created (UTC)</th>
                  <th scope="col" className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top">
                {lines.map((line) => (
                  <tr key={line.id} data-line-id={line.id}>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{line.id}</td>
                    <td className="py-2 pr-4">
                      <span className="font-medium text-slate-900">{line.customer.name}</span>
                      <span className="block font-mono text-xs text-slate-500">{line.customer.externalId}</span>
                    </td>
                    <td className="py-2 pr-4">
                      <span className="font-mono text-xs text-slate-900">{line.eventName}</span>
                      <span className="block text-xs whitespace-nowrap text-slate-600">from {formatDateTime(line.windowStart)}</span>
                      <span className="block text-xs whitespace-nowrap text-slate-600">to {formatDateTime(line.windowEnd)}</span>
                    </td>
                    <td className="py-2 pr-4 text-right tabular-nums">
                      {formatQuantity(new Decimal(line.quantity))}
                      <span className="block text-xs whitespace-nowrap text-slate-500">
                        {plural(line.eventCount, "event", "events")} · Stripe value {formatQuantity(new Decimal(line.stripeValue))}
                      </span>
                    </td>
                    <td className="min-w-56 py-2 pr-4">
                      <StatusBadge status={line.status} /> <span className="font-mono text-xs text-slate-900">{line.heldCode ?? "—"}</span>
                      {line.heldReason ? <span className="mt-1 block text-slate-700">{line.heldReason}</span> : null}
                      {line.lastError ? <span className="mt-1 block font-mono text-xs break-words text-red-700">{line.lastError}</span> : null}
                    </td>
                    <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{formatDateTime(line.createdAt)}</td>
                    <td className="py-2 text-right">
                      <Button
                        type="button"
                        variant="secondary"
                        className="px-2.5 py-1 text-xs"
                        disabled={pending}
                        aria-label={`Retry line ${line.id}`}
                        onClick={() => release({ lineIds: [line.id] }, `line:${line.id}`)}
                      >
                        {pending && busy === `line:${line.id}` ? "Retrying…" : "Retry"}
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ) : null}
    </div>
  );
}
