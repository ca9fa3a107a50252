"use client";
// The sync page's outbound webhook endpoints: the form that adds one, and each endpoint with its
// event types, its signing secret (hidden until "Reveal", with a copy button), and enable / disable,
// rotate-secret and delete (the last three confirmed first). Outcomes are announced above the list,
// which takes keyboard focus when the endpoint that had it goes away.
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import {
  createWebhookEndpointAction,
  deleteWebhookEndpointAction,
  rotateWebhookSecretAction,
  updateWebhookEndpointAction,
} from "@/app/admin/sync/webhook-actions";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/lib/time/format";
import type { TWebhookEndpointSummary } from "@/lib/webhooks/find-webhook-endpoints";
import { WEBHOOK_EVENT_TYPE_INFO, WEBHOOK_EVENT_TYPES, type TWebhookEventType } from "@/lib/webhooks/webhook-event-types";
import { FieldError, FormAlert, FormNotice, TextField } from "./form-controls";
import { useFocusedNotice } from "./use-focused-notice";
import { useStaffAction } from "./use-staff-action";

const SMALL = "px-2.5 py-1 text-xs";

export function WebhookEndpoints({ endpoints }: { endpoints: TWebhookEndpointSummary[] }) {
  const { notice, setNotice, noticeRef } = useFocusedNotice();

  return (
    <div className="space-y-6">
      <Card title="New endpoint">
        <WebhookEndpointCreateForm onCreated={setNotice} />
      </Card>

      <Card title="Endpoints">
        <div ref={noticeRef} tabIndex={-1} className="mb-3 focus:outline-none" data-testid="webhook-endpoint-outcome">
          {notice ? <FormNotice>{notice}</FormNotice> : null}
        </div>
        {endpoints.length === 0 ? (
          <EmptyState title="No endpoints yet">Add one above: Tally then POSTs the events it subscribes to, signed with its secret.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" data-testid="webhook-endpoints">
            {endpoints.map((endpoint) => (
              <WebhookEndpointItem key={endpoint.id} endpoint={endpoint} onOutcome={setNotice} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function WebhookEndpointCreateForm({ onCreated }: { onCreated: (notice: string) => void }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(createWebhookEndpointAction);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const input = {
      url: String(form.get("url") ?? ""),
      description: String(form.get("description") ?? ""),
      eventTypes: form.getAll("eventTypes").map(String) as TWebhookEventType[],
    };
    run(input, (data) => {
      formElement.reset();
      onCreated(`Added ${data.url}. Copy its signing secret below into your receiver.`);
      router.refresh();
    });
  }

  const typesError = fieldError("/eventTypes");
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New webhook endpoint" className="space-y-4">
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          id="webhook-url"
          name="url"
          type="url"
          label="URL"
          placeholder="https://example.com/webhooks/tally"
          autoComplete="off"
          inputMode="url"
          required
          error={fieldError("/url")}
          hint="https:// (http:// only for localhost in production)."
        />
        <TextField id="webhook-description" name="description" label="Description (optional)" placeholder="billing alerts to Slack" autoComplete="off" error={fieldError("/description")} />
      </div>
      <fieldset className="space-y-1.5" aria-describedby={typesError ? "webhook-event-types-error" : undefined}>
        <legend className="text-sm font-medium text-slate-700">Event types</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="flex items-start gap-2 text-sm text-slate-700">
            <input
              type="checkbox"
              name="eventTypes"
              value={type}
              defaultChecked={type === "usage.threshold_crossed"}
              aria-invalid={typesError ? true : undefined}
              className="mt-1"
            />
            <span>
              <span className="font-mono">{type}</span>
              <span className="text-slate-500">
                {" "}
                — {WEBHOOK_EVENT_TYPE_INFO[type].description}
                {WEBHOOK_EVENT_TYPE_INFO[type].emitted ? "" : " (not sent yet)"}
              </span>
            </span>
          </label>
        ))}
        {typesError ? <FieldError id="webhook-event-types-error">{typesError}</FieldError> : null}
      </fieldset>
      {error && Object.keys(error.fieldErrors).length === 0 ? <FormAlert error={error} /> : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Adding…" : "Add endpoint"}
      </Button>
    </form>
  );
}

function WebhookEndpointItem({ endpoint, onOutcome }: { endpoint: TWebhookEndpointSummary; onOutcome: (notice: string) => void }) {
  const router = useRouter();
  const update = useStaffAction(updateWebhookEndpointAction);
  const remove = useStaffAction(deleteWebhookEndpointAction);
  const rotate = useStaffAction(rotateWebhookSecretAction);
  const [confirming, setConfirming] = useState<"disable" | "delete" | "rotate" | null>(null);
  const actionsRef = useRef<HTMLDivElement>(null);
  /** After "Cancel", focus goes back to the button that asked for the confirmation. */
  const refocus = useRef<string | null>(null);
  const enabled = endpoint.disabledAt === null;
  const busy = update.pending || remove.pending || rotate.pending;
  const error = update.error ?? remove.error ?? rotate.error;

  useEffect(() => {
    if (confirming !== null || refocus.current === null) return;
    actionsRef.current?.querySelector<HTMLButtonElement>(`[data-action="${refocus.current}"]`)?.focus();
    refocus.current = null;
  }, [confirming]);

  function cancel() {
    refocus.current = confirming;
    setConfirming(null);
  }

  function setEnabled(next: boolean) {
    update.run({ endpointId: endpoint.id, changes: { enabled: next } }, () => {
      setConfirming(null);
      onOutcome(next ? `Enabled ${endpoint.url}.` : `Disabled ${endpoint.url}: its pending deliveries fail instead of being sent.`);
      router.refresh();
    });
  }

  return (
    <li className="space-y-3 py-4 first:pt-0 last:pb-0" data-endpoint-id={endpoint.id}>
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0">
          <p className="font-mono text-sm break-all text-slate-900">{endpoint.url}</p>
          {endpoint.description ? <p className="text-sm text-slate-600">{endpoint.description}</p> : null}
        </div>
        <EnabledBadge enabled={enabled} />
      </div>

      <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="text-slate-500">Event types</dt>
        <dd className="font-mono text-xs break-words text-slate-900">{endpoint.eventTypes.join(", ")}</dd>
        <dt className="text-slate-500">Created (UTC)</dt>
        <dd className="text-slate-700">{formatDateTime(endpoint.createdAt)}</dd>
        <dt className="text-slate-500">Deliveries</dt>
        <dd className="text-slate-700">
          {endpoint.pendingDeliveries} pending · <span className={endpoint.failedDeliveries > 0 ? "text-red-700" : ""}>{endpoint.failedDeliveries} failed</span>
        </dd>
        <dt className="text-slate-500">Signing secret</dt>
        <dd>
          <SigningSecret endpointId={endpoint.id} secret={endpoint.secret} url={endpoint.url} />
        </dd>
      </dl>

      {confirming ? (
        <Confirm
          label={`${confirming === "delete" ? "Delete" : confirming === "disable" ? "Disable" : "Rotate the secret of"} ${endpoint.url}`}
          confirmLabel={confirming === "delete" ? "Confirm delete" : confirming === "disable" ? "Confirm disable" : "Confirm rotate"}
          pending={busy}
          onCancel={cancel}
          onConfirm={() => {
            if (confirming === "disable") setEnabled(false);
            else if (confirming === "delete")
              remove.run({ endpointId: endpoint.id }, () => {
                onOutcome(`Deleted ${endpoint.url} and its deliveries.`);
                router.refresh();
              });
            else
              rotate.run({ endpointId: endpoint.id }, () => {
                setConfirming(null);
                onOutcome(`New signing secret for ${endpoint.url}: update your receiver now.`);
                router.refresh();
              });
          }}
        >
          {confirming === "delete"
            ? "Delete this endpoint and its delivery history? Pending deliveries are dropped. This cannot be undone."
            : confirming === "disable"
              ? "Disable this endpoint? Nothing new is queued for it, and its pending deliveries fail (you can retry them after enabling it again)."
              : "Replace the signing secret? Every delivery from now on is signed with the new one: your receiver rejects them until you update it."}
        </Confirm>
      ) : (
        <div ref={actionsRef} className="flex flex-wrap gap-2">
          {enabled ? (
            <Button type="button" variant="secondary" className={SMALL} disabled={busy} data-action="disable" aria-label={`Disable ${endpoint.url}`} onClick={() => setConfirming("disable")}>
              Disable…
            </Button>
          ) : (
            <Button type="button" variant="secondary" className={SMALL} disabled={busy} aria-label={`Enable ${endpoint.url}`} onClick={() => setEnabled(true)}>
              {update.pending ? "Enabling…" : "Enable"}
            </Button>
          )}
          <Button type="button" variant="secondary" className={SMALL} disabled={busy} data-action="rotate" aria-label={`Rotate the signing secret of ${endpoint.url}`} onClick={() => setConfirming("rotate")}>
            Rotate secret…
          </Button>
          <Button type="button" variant="secondary" className={`${SMALL} text-red-700`} disabled={busy} data-action="delete" aria-label={`Delete ${endpoint.url}`} onClick={() => setConfirming("delete")}>
            Delete…
          </Button>
        </div>
      )}
      <FormAlert error={error} />
    </li>
  );
}

function EnabledBadge({ enabled }: { enabled: boolean }) {
  const className = enabled ? "bg-emerald-50 text-emerald-800 ring-emerald-200" : "bg-slate-100 text-slate-600 ring-slate-200";
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ${className}`}>{enabled ? "enabled" : "disabled"}</span>;
}

/** Hidden by default; "Reveal" shows it (a toggle), "Copy" copies it either way. */
function SigningSecret({ endpointId, secret, url }: { endpointId: string; secret: string; url: string }) {
  const [revealed, setRevealed] = useState(false);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);
  const valueId = `webhook-secret-${endpointId}`;

  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }

  return (
    <div className="space-y-1">
      <div className="flex flex-wrap items-center gap-2">
        <code id={valueId} className="rounded bg-slate-50 px-2 py-1 font-mono text-xs break-all text-slate-900 ring-1 ring-slate-200" data-testid="webhook-secret">
          {revealed ? secret : `whsec_${"•".repeat(12)}`}
          {revealed ? null : <span className="sr-only"> (hidden)</span>}
        </code>
        <Button type="button" variant="ghost" className={SMALL} aria-controls={valueId} aria-label={`${revealed ? "Hide" : "Reveal"} the signing secret of ${url}`} onClick={() => setRevealed((value) => !value)}>
          {revealed ? "Hide" : "Reveal"}
        </Button>
        <Button type="button" variant="ghost" className={SMALL} aria-label={`Copy the signing secret of ${url}`} onClick={() => void copy()}>
          Copy
        </Button>
      </div>
      <p aria-live="polite" className="text-xs text-slate-600">
        {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "The browser refused the clipboard: reveal the secret and copy it." : ""}
      </p>
    </div>
  );
}

function Confirm({
  label,
  confirmLabel,
  pending,
  onConfirm,
  onCancel,
  children,
}: {
  label: string;
  confirmLabel: string;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <div role="group" aria-label={label} className="space-y-2">
      <p className="text-xs text-slate-700">{children}</p>
      <div className="flex flex-wrap gap-2">
        {/* The confirmation replaces the button that had focus. */}
        <Button autoFocus type="button" variant="secondary" className={`${SMALL} text-red-700 ring-red-300`} disabled={pending} onClick={onConfirm}>
          {pending ? "Working…" : confirmLabel}
        </Button>
        <Button type="button" variant="ghost" className={SMALL} disabled={pending} onClick={onCancel}>
          Cancel
        </Button>
      </div>
    </div>
  );
}
