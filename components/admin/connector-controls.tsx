"use client";
// A connector page's buttons: Run now (its outcome announced, the page refreshed with the new run),
// Dry run (SQL sources: what a run would record, shown inline), Pause / Resume, and Delete
// (confirmed first; a SQL source that recorded usage is refused, with why). Outcomes take the
// keyboard focus.
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { deleteConnectorAction, previewSqlSourceAction, runConnectorAction, updateConnectorAction } from "@/app/admin/connectors/actions";
import { Button } from "@/components/ui/button";
import type { ConnectorKind, ConnectorRunStatus } from "@/lib/db";
import type { TActionError } from "@/lib/http/action-client";
import { ConnectorDryRunResult, type TDryRun } from "./connector-dry-run-result";
import { FormAlert, FormNotice } from "./form-controls";
import { useFocusedNotice } from "./use-focused-notice";
import { useStaffAction } from "./use-staff-action";

type TRunOutcome = { status: ConnectorRunStatus; rowsRead: number; recorded: number; unchanged: number; errorCount: number; error: string | null };

const plural = (count: number, one: string, many: string) => `${count.toLocaleString("en-US")} ${count === 1 ? one : many}`;

/** "Recorded 12 events from 150 rows; 135 already recorded; 3 rows had errors." */
function describeRun(kind: ConnectorKind, run: TRunOutcome): string {
  if (kind === "HUBSPOT") {
    const parts = [`Updated ${plural(run.recorded, "company", "companies")} for ${plural(run.rowsRead, "customer", "customers")}`, `${run.unchanged.toLocaleString("en-US")} unchanged`];
    if (run.errorCount > 0) parts.push(`${plural(run.errorCount, "customer", "customers")} had errors (see the run below)`);
    return `${parts.join("; ")}.`;
  }
  const parts = [`Recorded ${plural(run.recorded, "event", "events")} from ${plural(run.rowsRead, "row", "rows")}`];
  if (run.unchanged > 0) parts.push(`${run.unchanged.toLocaleString("en-US")} already recorded or unchanged`);
  if (run.errorCount > 0) parts.push(`${plural(run.errorCount, "row", "rows")} had errors (see the run below)`);
  return `${parts.join("; ")}.`;
}

export function ConnectorControls({ connector }: { connector: { id: string; name: string; kind: ConnectorKind; enabled: boolean; aggregate: boolean } }) {
  const router = useRouter();
  const runNow = useStaffAction(runConnectorAction);
  const preview = useStaffAction(previewSqlSourceAction);
  const update = useStaffAction(updateConnectorAction);
  const remove = useStaffAction(deleteConnectorAction);
  const { notice, setNotice, noticeRef } = useFocusedNotice();
  /** A run that failed as a whole: shown as an alert rather than a notice. */
  const [failure, setFailure] = useState<TActionError | null>(null);
  const [dryRun, setDryRun] = useState<TDryRun | null>(null);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const actionsRef = useRef<HTMLDivElement>(null);
  const refocusDelete = useRef(false);
  const busy = runNow.pending || preview.pending || update.pending || remove.pending;
  const error = runNow.error ?? preview.error ?? update.error ?? remove.error;

  useEffect(() => {
    if (confirmingDelete || !refocusDelete.current) return;
    actionsRef.current?.querySelector<HTMLButtonElement>('[data-action="delete"]')?.focus();
    refocusDelete.current = false;
  }, [confirmingDelete]);

  function reset() {
    setNotice(null);
    setFailure(null);
    setDryRun(null);
  }

  function run() {
    reset();
    runNow.run({ connectorId: connector.id }, (outcome) => {
      if (outcome.status === "FAILED") {
        setFailure({ code: "unprocessable", message: `The run failed: ${outcome.error ?? "no reason was given."}`, fieldErrors: {} });
        setNotice("The run failed; nothing was recorded.");
      } else setNotice(describeRun(connector.kind, outcome));
      router.refresh();
    });
  }

  function dry() {
    reset();
    preview.run({ connectorId: connector.id }, (result) => {
      setDryRun(result);
      setNotice(`Dry run done: a run now would record ${plural(result.recorded, "event", "events")}. Nothing was written.`);
    });
  }

  function setEnabled(enabled: boolean) {
    reset();
    update.run({ connectorId: connector.id, changes: { enabled } }, () => {
      setNotice(enabled ? `Resumed ${connector.name}: it runs on its schedule again.` : `Paused ${connector.name}: it does not run on its schedule (Run now still works).`);
      router.refresh();
    });
  }

  function confirmDelete() {
    remove.run({ connectorId: connector.id }, () => router.push("/admin/connectors"));
  }

  return (
    <div className="space-y-3">
      {confirmingDelete ? (
        <div role="group" aria-label={`Delete ${connector.name}`} className="space-y-2">
          <p className="text-sm text-slate-700">
            Delete {connector.name} with its run history{connector.kind === "HUBSPOT" ? " and its company links" : ""}? This cannot be undone.
            {connector.kind === "POSTGRES" ? " A source that recorded usage cannot be deleted: pause it instead." : ""}
          </p>
          <div className="flex flex-wrap gap-2">
            {/* The confirmation replaces the button that had focus. */}
            <Button autoFocus type="button" variant="secondary" className="text-red-700 ring-red-300" disabled={busy} onClick={confirmDelete}>
              {remove.pending ? "Deleting…" : "Confirm delete"}
            </Button>
            <Button
              type="button"
              variant="ghost"
              disabled={busy}
              onClick={() => {
                refocusDelete.current = true;
                setConfirmingDelete(false);
              }}
            >
              Cancel
            </Button>
          </div>
        </div>
      ) : (
        <div ref={actionsRef} className="flex flex-wrap gap-2">
          <Button type="button" disabled={busy} onClick={run}>
            {runNow.pending ? "Running…" : "Run now"}
          </Button>
          {connector.kind === "POSTGRES" ? (
            <Button type="button" variant="secondary" disabled={busy} onClick={dry}>
              {preview.pending ? "Dry running…" : "Dry run"}
            </Button>
          ) : null}
          <Button type="button" variant="secondary" disabled={busy} onClick={() => setEnabled(!connector.enabled)}>
            {update.pending ? "Saving…" : connector.enabled ? "Pause" : "Resume"}
          </Button>
          <Button
            data-action="delete"
            type="button"
            variant="secondary"
            className="text-red-700"
            disabled={busy}
            onClick={() => {
              reset();
              setConfirmingDelete(true);
            }}
          >
            Delete…
          </Button>
        </div>
      )}
      <div ref={noticeRef} tabIndex={-1} className="space-y-2 focus:outline-none" data-testid="connector-outcome">
        {notice && !failure ? <FormNotice>{notice}</FormNotice> : null}
        <FormAlert error={failure ?? error} />
      </div>
      {dryRun ? <ConnectorDryRunResult result={dryRun} aggregate={connector.aggregate} /> : null}
    </div>
  );
}
