import type { Metadata } from "next";
import Link from "next/link";
import { UsageReporting } from "@/components/admin/usage-reporting";
import { WebhookDeliveries } from "@/components/admin/webhook-deliveries";
import { WebhookEndpoints } from "@/components/admin/webhook-endpoints";
import { PageHeader } from "@/components/app-shell";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { getSyncHealth, type TSyncState } from "@/lib/stripe/get-sync-health";
import { getReporterHealth } from "@/lib/stripe/reporter/get-reporter-health";
import { formatDateTime } from "@/lib/time/format";
import { findWebhookDeliveries } from "@/lib/webhooks/find-webhook-deliveries";
import { findWebhookEndpoints } from "@/lib/webhooks/find-webhook-endpoints";
import { ZWebhookDeliveriesQuery } from "@/lib/webhooks/schemas";

export const metadata: Metadata = { title: "Stripe sync" };


const STATE: Record<TSyncState, { label: string; className: string }> = {
  synced: { label: "synced", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  not_synced: { label: "not synced", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  not_required: { label: "draft: not in Stripe yet", className: "bg-slate-50 text-slate-600 ring-slate-200" },
};

export default async function SyncPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireStaffPage("ADMIN");
  const deliveriesQuery = ZWebhookDeliveriesQuery.parse(await searchParams);
  const [reporting, health, webhookEndpoints, webhookDeliveries] = await Promise.all([
    getReporterHealth(),
    getSyncHealth(),
    findWebhookEndpoints(),
    findWebhookDeliveries(deliveriesQuery),
  ]);
  const notSynced = health.kinds.reduce((sum, kind) => sum + kind.notSynced, 0);
  return (
    <>
      <PageHeader
        title="Stripe sync"
        description="Usage on its way to Stripe, which Tally objects have their Stripe counterpart, the webhook deliveries Stripe sent us, and the webhooks Tally sends."
      />
      <UsageReporting health={reporting} />

      <h2 id="stripe-objects" className="mt-10 mb-4 text-lg font-semibold text-slate-900">
        Stripe objects and webhooks
      </h2>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <Stat label="Objects not synced" value={notSynced} hint="should be in Stripe but have no Stripe id" />
        <Stat label="Webhook events applied" value={health.events.total} hint={`${health.events.last24h} in the last 24 h`} />
        <Stat label="Failed deliveries" value={health.failures.total} hint={`${health.failures.last24h} in the last 24 h`} />
        <Stat label="Last event" value={<span className="text-base">{health.events.recent[0] ? formatDateTime(health.events.recent[0].receivedAt, { seconds: true }) : "None yet"}</span>} hint="UTC" />
      </div>

      {health.kinds.map((kind) => (
        <Card key={kind.kind} title={kind.title} className="mt-6">
          <p className="mb-3 text-sm text-slate-600" data-testid={`sync-counts-${kind.kind}`}>
            {kind.synced} of {kind.total} synced
            {kind.notSynced > 0 ? <span className="text-amber-700"> · {kind.notSynced} not synced</span> : null}
            {kind.notRequired > 0 ? ` · ${kind.notRequired} draft` : null}
            {kind.objects.length < kind.total ? ` · showing the newest ${kind.objects.length}` : null}
          </p>
          {kind.objects.length === 0 ? (
            <EmptyState title="None yet" />
          ) : (
            <div className="max-h-96 overflow-auto">
              <table className="w-full text-left text-sm" data-testid={`sync-${kind.kind}`}>
                <caption className="sr-only">{kind.title}</caption>
                <thead className="sticky top-0 bg-white text-slate-500">
                  <tr>
                    <th scope="col" className="py-2 pr-4 font-medium">Object</th>
                    <th scope="col" className="py-2 pr-4 font-medium">Details</th>
                    <th scope="col" className="py-2 pr-4 font-medium">State</th>
                    <th scope="col" className="py-2 font-medium">Stripe id</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {kind.objects.map((object) => (
                    <tr key={object.id}>
                      <td className="py-2 pr-4 font-medium text-slate-900">
                        {object.href ? (
                          <Link href={object.href} className="hover:underline">
                            {object.label}
                          </Link>
                        ) : (
                          object.label
                        )}
                      </td>
                      <td className="py-2 pr-4 text-slate-600">{object.detail}</td>
                      <td className="py-2 pr-4">
                        <span className={`rounded-full px-2 py-0.5 text-xs ring-1 ${STATE[object.state].className}`}>{STATE[object.state].label}</span>
                      </td>
                      <td className="py-2 font-mono text-xs text-slate-600">{object.stripeId ?? "—"}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      ))}

      <Card title="Recent webhook events (newest first)" className="mt-6">
        {health.events.recent.length === 0 ? (
          <EmptyState title="No webhook events received yet" />
        ) : (
          <div className="max-h-96 overflow-auto">
            <table className="w-full text-left text-sm" data-testid="stripe-events">
              <caption className="sr-only">Recent webhook events</caption>
              <thead className="sticky top-0 bg-white text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Event</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Type</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Created at Stripe (UTC)</th>
                  <th scope="col" className="py-2 font-medium">Received (UTC)</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {health.events.recent.map((event) => (
                  <tr key={event.id}>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{event.id}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-900">{event.type}</td>
                    <td className="py-2 pr-4 text-slate-600">{formatDateTime(event.stripeCreatedAt, { seconds: true })}</td>
                    <td className="py-2 text-slate-600">{formatDateTime(event.receivedAt, { seconds: true })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Card title="Failed webhook deliveries (newest first)" className="mt-6">
        {health.failures.recent.length === 0 ? (
          <EmptyState title="No failed deliveries">Stripe retries a failed delivery; its effects were rolled back.</EmptyState>
        ) : (
          <div className="max-h-96 overflow-auto">
            <table className="w-full text-left text-sm" data-testid="stripe-event-failures">
              <caption className="sr-only">Failed webhook deliveries</caption>
              <thead className="sticky top-0 bg-white text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Received (UTC)</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Event</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Type</th>
                  <th scope="col" className="py-2 font-medium">Error</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top">
                {health.failures.recent.map((failure) => (
                  <tr key={failure.id}>
                    <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{formatDateTime(failure.receivedAt, { seconds: true })}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{failure.eventId}</td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-900">{failure.type}</td>
                    <td className="py-2 text-red-700">{failure.error}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <section aria-labelledby="outbound-webhooks" className="mt-10 space-y-6">
        <div>
          <h2 id="outbound-webhooks" className="text-lg font-semibold text-slate-900">
            Outbound webhooks
          </h2>
          <p className="mt-1 text-sm text-slate-500">
            Tally POSTs the events an endpoint subscribes to, signed with its secret (<span className="font-mono">Tally-Signature</span>), and retries
            failures with backoff (22 attempts over about 3 days).
          </p>
        </div>
        <WebhookEndpoints endpoints={webhookEndpoints} />
        <div id="webhook-deliveries" className="scroll-mt-6">
          <WebhookDeliveries page={webhookDeliveries} status={deliveriesQuery.status} paged={deliveriesQuery.cursor !== undefined} />
        </div>
      </section>
    </>
  );
}
