import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { z } from "zod";
import { PageHeader } from "@/components/app-shell";
import { ConnectorCompanies } from "@/components/admin/connector-companies";
import { ConnectorControls } from "@/components/admin/connector-controls";
import { ConnectorEditForm } from "@/components/admin/connector-edit-form";
import { connectorLabels } from "@/components/admin/connector-labels";
import { ConnectorRuns } from "@/components/admin/connector-runs";
import { ConnectorStatusBadge } from "@/components/admin/connector-status-badge";
import { BackLink } from "@/components/ui/back-link";
import { Card } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { getConnector, type TConnectorDetail } from "@/lib/connectors/get-connector";
import { ZConnectorRunsQuery } from "@/lib/connectors/schemas";
import { isAppError } from "@/lib/errors";
import { formatDateTime } from "@/lib/time/format";

export const metadata: Metadata = { title: "Connector" };

const MODE_WORDS = {
  RAW: "raw events: one row per event, recorded once by its event_id",
  AGGREGATE: "per-period totals: each run records the change of each total since the last run",
} as const;

async function loadConnector(connectorId: string, runsBefore: string | undefined): Promise<TConnectorDetail> {
  if (!z.uuid().safeParse(connectorId).success) notFound();
  try {
    return await getConnector(connectorId, { runsBefore });
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}

export default async function ConnectorPage({
  params,
  searchParams,
}: {
  params: Promise<{ connectorId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireStaffPage("ADMIN");
  const { runsBefore } = ZConnectorRunsQuery.parse(await searchParams);
  const connector = await loadConnector((await params).connectorId, runsBefore);
  const labels = connectorLabels(connector);
  const sql = connector.kind === "POSTGRES";

  return (
    <>
      <BackLink href="/admin/connectors">Connectors</BackLink>
      <PageHeader title={connector.name} description={`${labels.kind} · ${labels.schedule}`} />

      {connector.lastError ? (
        <div className="mb-6 rounded-md bg-red-50 p-4 text-sm text-red-800 ring-1 ring-red-200" data-testid="connector-last-error">
          <p className="font-semibold">
            {connector.lastStatus === "FAILED" ? "The last run failed" : "The last run had errors"}
            {connector.lastRunAt ? ` (${formatDateTime(connector.lastRunAt)} UTC)` : ""}:
          </p>
          <p className="mt-1 break-words">{connector.lastError}</p>
        </div>
      ) : null}

      <Card title="Connector">
        <dl className="mb-4 grid gap-x-6 gap-y-1.5 text-sm sm:grid-cols-[max-content_1fr]">
          <dt className="text-slate-500">Kind</dt>
          <dd className="text-slate-900">{sql ? "SQL source (Postgres)" : "HubSpot"}</dd>
          {sql && connector.mode ? (
            <>
              <dt className="text-slate-500">Rows</dt>
              <dd className="text-slate-900">{MODE_WORDS[connector.mode]}</dd>
              <dt className="text-slate-500">Connection</dt>
              <dd className="font-mono text-xs break-all text-slate-900">{connector.secretHint}</dd>
              <dt className="text-slate-500">Idempotency key prefix</dt>
              <dd className="text-slate-900">
                <span className="font-mono text-xs">{connector.keyPrefix}</span> <span className="text-xs text-slate-500">(fixed)</span>
              </dd>
            </>
          ) : (
            <>
              <dt className="text-slate-500">Access token</dt>
              <dd className="font-mono text-xs text-slate-900">{connector.secretHint}</dd>
              <dt className="text-slate-500">API</dt>
              <dd className="font-mono text-xs break-all text-slate-900">{connector.apiBaseUrl ?? "https://api.hubapi.com"}</dd>
            </>
          )}
          <dt className="text-slate-500">Schedule</dt>
          <dd className="text-slate-900">{labels.schedule}</dd>
          <dt className="text-slate-500">Next run (UTC)</dt>
          <dd className="text-slate-900">{connector.enabled ? formatDateTime(connector.nextRunAt) : "none while paused (Run now still works)"}</dd>
          {connector.runningSince ? (
            <>
              <dt className="text-slate-500">Running</dt>
              <dd className="text-sky-800">since {formatDateTime(connector.runningSince, { seconds: true })} UTC</dd>
            </>
          ) : null}
          <dt className="text-slate-500">Last run (UTC)</dt>
          <dd className="flex flex-wrap items-center gap-2 text-slate-900">
            {connector.lastRunAt && connector.lastStatus ? (
              <>
                {formatDateTime(connector.lastRunAt, { seconds: true })} <ConnectorStatusBadge status={connector.lastStatus} />
              </>
            ) : (
              "not run yet"
            )}
          </dd>
        </dl>
        <ConnectorControls connector={{ id: connector.id, name: connector.name, kind: connector.kind, enabled: connector.enabled, aggregate: connector.mode === "AGGREGATE" }} />
      </Card>

      {sql ? (
        <Card title="Query" className="mt-6">
          <pre className="overflow-x-auto rounded-md bg-slate-50 p-3 font-mono text-xs text-slate-900 ring-1 ring-slate-200">{connector.query}</pre>
          <p className="mt-2 text-xs text-slate-500">$1 is now − 35 days, $2 is now and $3 the last run&rsquo;s start less an hour, at each run.</p>
        </Card>
      ) : null}

      {connector.companies ? (
        <Card title="Companies" className="mt-6">
          <p className="mb-3 text-sm text-slate-600">
            Each sync writes a customer&apos;s usage this period onto its company: the id stored here, else the company whose domain is the customer&apos;s email domain (kept once
            found).
          </p>
          <ConnectorCompanies connectorId={connector.id} companies={connector.companies} />
        </Card>
      ) : null}

      <div id="runs" className="scroll-mt-6">
        <Card title="Runs (newest first)" className="mt-6">
          <ConnectorRuns connectorId={connector.id} runs={connector.runs} nextCursor={connector.runsNextCursor} paged={runsBefore !== undefined} counts={labels.counts} />
        </Card>
      </div>

      <Card title="Edit" className="mt-6">
        <ConnectorEditForm
          connector={{
            id: connector.id,
            kind: connector.kind,
            name: connector.name,
            intervalMinutes: connector.intervalMinutes,
            query: connector.query,
            apiBaseUrl: connector.apiBaseUrl,
            secretHint: connector.secretHint,
          }}
        />
      </Card>
    </>
  );
}
