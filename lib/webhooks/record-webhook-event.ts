// Queues an event for every enabled endpoint subscribed to its type: the outbox. Called inside the
// caller's transaction, so the fact (a usage alert, …) and its deliveries commit together or not at
// all; deliverWebhooks sends them later, outside any transaction. Recording the same event id
// again (a retried job with a deterministic id) queues nothing new.
import { randomUUID } from "node:crypto";
import type { TDb } from "@/lib/db";
import { insertDeliveries } from "./webhook-deliveries-query";
import type { TWebhookEnvelope, TWebhookEventType } from "./webhook-event-types";

export type TWebhookEventInput = {
  type: TWebhookEventType;
  /** The event's own fields (JSON): what the receiver finds under `data`. */
  data: Record<string, unknown>;
  customerId?: string;
  /** The alert this event announces: its webhook_delivered_at is set on the first delivery. */
  usageAlertId?: string;
  /** A deterministic id (e.g. derived from the alert) makes recording idempotent; default evt_<uuid>. */
  eventId?: string;
  /** When it happened (the envelope's `created`, and when its deliveries fall due); default now. */
  createdAt?: Date;
};

/** Returns how many deliveries were queued (0: no endpoint wants it, or already recorded). */
export async function recordWebhookEvent(tx: TDb, event: TWebhookEventInput): Promise<number> {
  const createdAt = event.createdAt ?? new Date();
  const envelope: TWebhookEnvelope = {
    id: event.eventId ?? `evt_${randomUUID().replaceAll("-", "")}`,
    type: event.type,
    created: Math.floor(createdAt.getTime() / 1000),
    data: event.data,
  };
  const queued = await insertDeliveries(tx, {
    eventId: envelope.id,
    type: envelope.type,
    payload: JSON.stringify(envelope),
    customerId: event.customerId ?? null,
    usageAlertId: event.usageAlertId ?? null,
    createdAt,
  });
  return queued.length;
}
