"use client";
// The sync page's "Recent deliveries" of outbound webhooks: newest first, filtered by status (links,
// so the filter is in the address), 50 a page, with Retry on the failed ones. A retried delivery is
// due at once: the next delivery pass sends it.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { retryWebhookDeliveryAction } from "@/app/admin/sync/webhook-actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import type { OutboxStatus } from "@/lib/db";
import { formatDateTime } from "@/lib/time/format";
import type { TWebhookDeliveriesPage } from "@/lib/webhooks/find-webhook-deliveries";
import { FormAlert, FormNotice } from "./form-controls";
import { useFocusedNotice } from "./use-focused-notice";
import { useStaffAction } from "./use-staff-action";

const STATUS: Record<OutboxStatus, { label: string; className: string }> = {
  PENDING: { label: "pending", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  SENT: { label: "sent", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  FAILED: { label: "failed", className: "bg-red-50 text-red-700 ring-red-200" },
};

const FILTERS: { status: OutboxStatus | undefined; label: string }[] = [
  { status: undefined, label: "All" },
  { status: "FAILED", label: "Failed" },
  { status: "PENDING", label: "Pending" },
  { status: "SENT", label: "Sent" },
];

/** A wide table scrolls inside its card; `relative` keeps its sr-only (absolute) labels from widening the page. */
const SCROLLS = "relative overflow-x-auto";

/** The sync page with this filter (and page), scrolled to the deliveries. */
function deliveriesHref(status: OutboxStatus | undefined, cursor?: string): string {
  const params = new URLSearchParams();
  if (status) params.set("deliveries", status.toLowerCase());
  if (cursor) params.set("deliveriesAfter", cursor);
  const query = params.toString();
  return `/admin/sync${query ? `?${query}` : ""}#webhook-deliveries`;
}

export function WebhookDeliveries({ page, status, paged }: { page: TWebhookDeliveriesPage; status: OutboxStatus | undefined; paged: boolean }) {
  const { notice, setNotice, noticeRef } = useFocusedNotice();
  const router = useRouter();
  const { run, pending, error } = useStaffAction(retryWebhookDeliveryAction);
  const [busy, setBusy] = useState<string | null>(null);

  function retry(deliveryId: string, eventType: string) {
    setBusy(deliveryId);
    setNotice(null);
    run({ deliveryId }, () => {
      setNotice(`Queued ${eventType} again: the next delivery pass sends it.`);
      router.refresh();
    });
  }

  return (
    <Card title="Recent deliveries (newest first)">
      <nav aria-label="Filter deliveries by status" className="mb-3 flex flex-wrap gap-2">
        {FILTERS.map((filter) => {
          const current = filter.status === status;
          return (
            <Link
              key={filter.label}
              href={deliveriesHref(filter.status)}
              aria-current={current ? "page" : undefined}
              className={`rounded-full px-3 py-1 text-xs font-medium ring-1 ${current ? "bg-slate-900 text-white ring-slate-900" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"}`}
            >
              {filter.label}
            </Link>
          );
        })}
      </nav>
      <div ref={noticeRef} tabIndex={-1} className="mb-3 space-y-2 focus:outline-none empty:mb-0" data-testid="webhook-retry-outcome">
        {notice ? <FormNotice>{notice}</FormNotice> : null}
        <FormAlert error={error} />
      </div>

      {page.deliveries.length === 0 ? (
        <EmptyState title={status ? `No ${STATUS[status].label} deliveries` : "No deliveries yet"}>
          {status ? null : "Each event an endpoint subscribes to becomes one delivery here."}
        </EmptyState>
      ) : (
        <div className={SCROLLS} role="region" aria-label="Recent webhook deliveries" tabIndex={0}>
          <table className="w-full text-left text-sm" data-testid="webhook-deliveries">
            <caption className="sr-only">Recent outbound webhook deliveries{status ? `, ${STATUS[status].label} only` : ""}</caption>
            <thead className="text-slate-500">
              <tr>
                <th scope="col" className="py-2 pr-4 font-medium">Time (UTC)</th>
                <th scope="col" className="py-2 pr-4 font-medium">Event</th>
                <th scope="col" className="py-2 pr-4 font-medium">Endpoint</th>
                <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                <th scope="col" className="py-2 pr-4 text-right font-medium">Attempts</th>
                <th scope="col" className="py-2 pr-4 font-medium">Last answer</th>
                <th scope="col" className="py-2 pr-4 font-medium">Next attempt (UTC)</th>
                <th scope="col" className="py-2 font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 align-top">
              {page.deliveries.map((delivery) => (
                <tr key={delivery.id} data-delivery-id={delivery.id}>
                  <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{formatDateTime(delivery.createdAt, { seconds: true })}</td>
                  <td className="py-2 pr-4">
                    <span className="font-mono text-xs text-slate-900">{delivery.eventType}</span>
                    <span className="block font-mono text-xs text-slate-500">{delivery.eventId}</span>
                  </td>
                  <td className="max-w-64 py-2 pr-4 font-mono text-xs break-all text-slate-700">{delivery.endpointUrl}</td>
                  <td className="py-2 pr-4">
                    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ${STATUS[delivery.status].className}`}>
                      {STATUS[delivery.status].label}
                    </span>
                    {delivery.deliveredAt ? <span className="block text-xs whitespace-nowrap text-slate-500">{formatDateTime(delivery.deliveredAt, { seconds: true })}</span> : null}
                  </td>
                  <td className="py-2 pr-4 text-right tabular-nums">{delivery.attempts}</td>
                  <td className="min-w-56 py-2 pr-4">
                    {delivery.lastStatusCode !== null ? <span className="font-mono text-xs text-slate-900">HTTP {delivery.lastStatusCode}</span> : null}
                    {delivery.lastError ? <span className="block font-mono text-xs break-words text-red-700">{delivery.lastError}</span> : null}
                    {delivery.lastStatusCode === null && !delivery.lastError ? <span className="text-slate-400">—</span> : null}
                  </td>
                  <td className="py-2 pr-4 whitespace-nowrap text-slate-600">
                    {delivery.status === "PENDING" ? formatDateTime(delivery.nextAttemptAt, { seconds: true }) : "—"}
                  </td>
                  <td className="py-2 text-right">
                    {delivery.status === "FAILED" ? (
                      <Button
                        type="button"
                        variant="secondary"
                        className="px-2.5 py-1 text-xs"
                        disabled={pending}
                        aria-label={`Retry ${delivery.eventType} to ${delivery.endpointUrl}`}
                        onClick={() => retry(delivery.id, delivery.eventType)}
                      >
                        {pending && busy === delivery.id ? "Retrying…" : "Retry"}
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {paged || page.nextCursor ? (
        <nav aria-label="Delivery pages" className="mt-3 flex flex-wrap gap-4 text-sm">
          {paged ? (
            <Link href={deliveriesHref(status)} className="text-brand-700 hover:underline">
              ← Newest
            </Link>
          ) : null}
          {page.nextCursor ? (
            <Link href={deliveriesHref(status, page.nextCursor)} className="text-brand-700 hover:underline">
              Older deliveries →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </Card>
  );
}
