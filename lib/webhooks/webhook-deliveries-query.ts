// SQL of the webhook outbox. Deliveries are queued in the caller's transaction (one per enabled
// endpoint subscribed to the type), leased with FOR UPDATE SKIP LOCKED (so any number of workers
// share the queue), and marked with what the receiver answered. A lease only moves next_attempt_at
// forward: a worker that dies mid-send leaves the delivery due again once the lease runs out.
import type { TDb } from "@/lib/db";

export type TQueuedDeliveryRow = { id: string; endpoint_id: string };

/** Inserts the event's deliveries; an endpoint that already has this event id is skipped. */
export async function insertDeliveries(
  db: TDb,
  event: { eventId: string; type: string; payload: string; customerId: string | null; usageAlertId: string | null; createdAt: Date },
): Promise<TQueuedDeliveryRow[]> {
  // gen_random_uuid(): the ids are made here, in one statement, on any supported Postgres.
  return db.$queryRaw<TQueuedDeliveryRow[]>`
    INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, customer_id, usage_alert_id, next_attempt_at, created_at)
    SELECT gen_random_uuid(), e.id, ${event.eventId}, ${event.type}, ${event.payload}::jsonb, ${event.customerId}::uuid,
           ${event.usageAlertId}::uuid, ${event.createdAt}, ${event.createdAt}
    FROM webhook_endpoints e
    WHERE e.disabled_at IS NULL AND ${event.type} = ANY(e.event_types)
    ORDER BY e.id
    ON CONFLICT (endpoint_id, event_id) DO NOTHING
    RETURNING id, endpoint_id`;
}

export type TLeasedDeliveryRow = {
  id: string;
  event_id: string;
  event_type: string;
  payload: { id: string; type: string; created: number; data: Record<string, unknown> };
  usage_alert_id: string | null;
  /** Counting the attempt being made now; 0 when the endpoint is disabled (failed without one). */
  attempts: number;
  url: string;
  secret: string;
  /** FAILED: the endpoint is disabled, the delivery was failed by the lease itself and is not sent. */
  status: "PENDING" | "FAILED";
};

/**
 * Leases up to `limit` due PENDING deliveries (optionally only `deliveryIds`) until `leaseUntil`,
 * counting an attempt. Deliveries to a disabled endpoint are failed with "endpoint disabled" instead.
 */
export async function leaseDueDeliveries(
  db: TDb,
  options: { now: Date; leaseUntil: Date; limit: number; deliveryIds: string[] | null },
): Promise<TLeasedDeliveryRow[]> {
  const { now, leaseUntil, limit, deliveryIds } = options;
  return db.$queryRaw<TLeasedDeliveryRow[]>`
    WITH due AS (
      SELECT id FROM webhook_deliveries
      WHERE status = 'PENDING' AND next_attempt_at <= ${now}
        AND (${deliveryIds}::uuid[] IS NULL OR id = ANY(${deliveryIds}::uuid[]))
      ORDER BY next_attempt_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET
      status = CASE WHEN e.disabled_at IS NULL THEN 'PENDING' ELSE 'FAILED' END::"OutboxStatus",
      attempts = d.attempts + CASE WHEN e.disabled_at IS NULL THEN 1 ELSE 0 END,
      next_attempt_at = CASE WHEN e.disabled_at IS NULL THEN ${leaseUntil} ELSE d.next_attempt_at END,
      last_attempt_at = CASE WHEN e.disabled_at IS NULL THEN ${now} ELSE d.last_attempt_at END,
      last_error = CASE WHEN e.disabled_at IS NULL THEN d.last_error ELSE 'endpoint disabled' END
    FROM due, webhook_endpoints e
    WHERE d.id = due.id AND e.id = d.endpoint_id
    RETURNING d.id, d.event_id, d.event_type, d.payload, d.usage_alert_id,
              CASE WHEN e.disabled_at IS NULL THEN d.attempts ELSE 0 END AS attempts,
              e.url, e.secret, d.status::text AS status`;
}

/**
 * The receiver answered 2xx: SENT, and the usage alert it carries (if any) gets its
 * webhook_delivered_at (the first delivery's, of all its endpoints). Returns false when the delivery
 * was no longer pending (an admin or another worker settled it meanwhile).
 */
export async function markDeliverySent(db: TDb, delivery: { id: string; statusCode: number; deliveredAt: Date }): Promise<boolean> {
  const rows = await db.$queryRaw<{ sent: bigint }[]>`
    WITH sent AS (
      UPDATE webhook_deliveries SET status = 'SENT', delivered_at = ${delivery.deliveredAt}, last_status_code = ${delivery.statusCode}, last_error = NULL
      WHERE id = ${delivery.id}::uuid AND status = 'PENDING'
      RETURNING usage_alert_id
    ),
    alert AS (
      UPDATE usage_alerts a SET webhook_delivered_at = coalesce(a.webhook_delivered_at, ${delivery.deliveredAt})
      FROM sent WHERE a.id = sent.usage_alert_id
      RETURNING a.id
    )
    SELECT count(*) AS sent FROM sent`;
  return Number(rows[0]?.sent ?? 0) === 1;
}

/**
 * Not delivered: due again at `nextAttemptAt`, or FAILED when `nextAttemptAt` is null (out of
 * attempts). Only the lease that made attempt number `attempts` may write it, so a worker whose
 * lease ran out never overwrites a newer attempt's outcome.
 */
export async function markDeliveryFailedAttempt(
  db: TDb,
  delivery: { id: string; attempts: number; nextAttemptAt: Date | null; statusCode: number | null; error: string },
): Promise<void> {
  await db.$executeRaw`
    UPDATE webhook_deliveries SET
      status = CASE WHEN ${delivery.nextAttemptAt}::timestamptz IS NULL THEN 'FAILED' ELSE 'PENDING' END::"OutboxStatus",
      next_attempt_at = coalesce(${delivery.nextAttemptAt}::timestamptz, next_attempt_at),
      last_status_code = ${delivery.statusCode}::int,
      last_error = ${delivery.error}
    WHERE id = ${delivery.id}::uuid AND status = 'PENDING' AND attempts = ${delivery.attempts}`;
}
