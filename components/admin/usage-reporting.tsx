// The sync page's "Usage reporting" section: how far behind the reporter is, what reached Stripe,
// what is held, failing or flagged, and the workers running. Figures come from getReporterHealth.
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import type { TReporterHealth } from "@/lib/stripe/reporter/get-reporter-health";
import { formatDateTime, formatDuration } from "@/lib/time/format";
import { ReportLineHolds } from "./report-line-holds";

const count = (value: number) => value.toLocaleString("en-US");
/** A wide table scrolls inside its card; `relative` keeps its sr-only (absolute) labels from widening the page. */
const SCROLLS = "relative overflow-x-auto";

function workerModes(workers: TReporterHealth["workers"]["alive"]): string {
  const modes = new Map<string, number>();
  for (const worker of workers) modes.set(worker.mode, (modes.get(worker.mode) ?? 0) + 1);
  return [...modes].map(([mode, workersInMode]) => `${workersInMode} ${mode}`).join(", ");
}

export function UsageReporting({ health }: { health: TReporterHealth }) {
  const { now, backlog, pending, sent, failures, held, workers } = health;
  const age = (instant: Date) => formatDuration(now.getTime() - instant.getTime());
  const stale = workers.stoppedOrStale > 0 ? `${count(workers.stoppedOrStale)} stopped or silent` : "";
  const workersHint =
    workers.alive.length > 0
      ? [workerModes(workers.alive), stale].filter(Boolean).join(" · ")
      : `none running: start one with npm run worker${stale ? ` · ${stale}` : ""}`;

  return (
    <section aria-labelledby="usage-reporting" className="space-y-6">
      <div>
        <h2 id="usage-reporting" className="text-lg font-semibold text-slate-900">
          Usage reporting
        </h2>
        <p className="mt-1 text-sm text-slate-500">Usage events on their way to Stripe meters: claimed into report lines by the reporter, then sent.</p>
      </div>

      <div className="grid grid-cols-2 gap-4 md:grid-cols-3" data-testid="reporting-stats">
        <Stat label="Events waiting" value={count(backlog.events)} hint="not yet claimed by the reporter" />
        <Stat
          label="Oldest waiting"
          value={backlog.oldestReceivedAt ? age(backlog.oldestReceivedAt) : "None"}
          hint={
            backlog.oldestReceivedAt && backlog.oldestOccurredAt
              ? `received ${formatDateTime(backlog.oldestReceivedAt)} UTC; oldest usage ${formatDateTime(backlog.oldestOccurredAt)} UTC`
              : "the queue is empty"
          }
        />
        <Stat
          label="Lines pending"
          value={count(pending.lines)}
          hint={`${count(pending.retrying)} retrying${pending.oldestCreatedAt ? ` · oldest ${age(pending.oldestCreatedAt)} old` : ""}`}
        />
        <Stat label="Lines sent, last minute" value={count(sent.lastMinute)} hint={`${count(sent.lastHour)} in the last hour`} />
        <Stat label="Events reported, last hour" value={count(sent.eventsLastHour)} hint="carried by the lines Stripe accepted" />
        <Stat label="Held" value={count(held.lines)} hint="not sent: no subscription, meter not in Stripe, …" />
        <Stat label="Dead-lettered" value={count(held.dead)} hint="Stripe refused them; a resend alone cannot fix it" />
        <Stat label="Flagged by Stripe" value={count(health.flagged)} hint="sent lines in a meter error report" />
        <Stat label="Workers alive" value={count(workers.alive.length)} hint={workersHint} />
      </div>

      <ReportLineHolds reasons={held.reasons} lines={held.recent} total={held.lines + held.dead} />

      <Card title="Failing lines (retried with backoff)">
        {failures.recent.length === 0 ? (
          <EmptyState title="No failing lines.">Every pending line is waiting for its first attempt or was sent.</EmptyState>
        ) : (
          <>
            <p className="mb-3 text-sm text-slate-600">
              {count(failures.lines)} pending {failures.lines === 1 ? "line" : "lines"} failed their last attempt
              {failures.recent.length < failures.lines ? ` · showing the newest ${count(failures.recent.length)}` : ""}.
            </p>
            <div className={SCROLLS} role="region" aria-label="Failing lines" tabIndex={0}>
              <table className="w-full text-left text-sm" data-testid="failing-report-lines">
                <caption className="sr-only">Failing report lines</caption>
                <thead className="text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Line</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Customer</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Meter</th>
                    <th scope="col" className="py-2 pr-4 text-right font-medium">Attempts</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Last error</th>
                    <th scope="col" className="py-2 font-medium">Next attempt (UTC)</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 align-top">
                  {failures.recent.map((line) => (
                    <tr key={line.id}>
                      <td className="py-2 pr-4 font-mono text-xs text-slate-600">{line.id}</td>
                      <td className="py-2 pr-4 whitespace-nowrap text-slate-900">{line.customer.name}</td>
                      <td className="py-2 pr-4 font-mono text-xs text-slate-900">{line.eventName}</td>
                      <td className="py-2 pr-4 text-right tabular-nums">{count(line.attempts)}</td>
                      <td className="min-w-64 py-2 pr-4 font-mono text-xs break-words text-red-700">{line.lastError}</td>
                      <td className="py-2 whitespace-nowrap text-slate-600">{formatDateTime(line.nextAttemptAt, { seconds: true })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Card>

      <Card title="Reporter workers">
        {workers.alive.length === 0 ? (
          <EmptyState title="No reporter worker is running.">
            Events wait in the queue until one runs (<span className="font-mono">npm run worker</span>, or <span className="font-mono">npm start</span>).
          </EmptyState>
        ) : (
          <div className={SCROLLS} role="region" aria-label="Reporter workers" tabIndex={0}>
            <table className="w-full text-left text-sm" data-testid="reporter-workers">
              <caption className="sr-only">Reporter workers seen in the last 2 minutes</caption>
              <thead className="text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Host</th>
                  <th scope="col" className="py-2 pr-4 font-medium">PID</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Mode</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Started (UTC)</th>
                  <th scope="col" className="py-2 font-medium">Last heartbeat</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {workers.alive.map((worker) => (
                  <tr key={worker.id}>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-900">{worker.hostname}</td>
                    <td className="py-2 pr-4 tabular-nums text-slate-600">{worker.pid}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-900">{worker.mode}</td>
                    <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{formatDateTime(worker.startedAt)}</td>
                    <td className="py-2 whitespace-nowrap text-slate-600">{age(worker.lastSeenAt)} ago</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </section>
  );
}
