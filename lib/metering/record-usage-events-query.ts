// SQL of the ingestion path. One statement records a batch of events and adds the ones it inserted
// to the hourly rollups, so the rollups always equal the raw events. Rows go in sorted by the unique
// key and rollups by theirs: concurrent batches with overlapping keys then wait for each other
// instead of deadlocking.
import type { TDb } from "@/lib/db";
import type { TUsageEvent } from "./compute-usage-event";

export type TInsertedEventRow = { id: string; customer_id: string; idempotency_key: string; received_at: Date };

export type TExistingEventRow = {
  id: string;
  customer_id: string;
  idempotency_key: string;
  payload_hash: string;
  quantity: string;
  occurred_at: Date;
  received_at: Date;
};

/** Inserts the events whose key is new, updates their rollups; returns the inserted rows. */
export async function insertUsageEvents(db: TDb, events: readonly TUsageEvent[]): Promise<TInsertedEventRow[]> {
  const rows = JSON.stringify(
    events.map((event) => ({
      customer_id: event.customerId,
      meter_id: event.meterId,
      idempotency_key: event.idempotencyKey,
      quantity: event.quantity,
      payload_hash: event.payloadHash,
      properties: event.properties,
      occurred_at: event.occurredAt.toISOString(),
    })),
  );
  return db.$queryRaw<TInsertedEventRow[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${rows}::jsonb) AS r(
        customer_id uuid, meter_id uuid, idempotency_key text, quantity numeric,
        payload_hash text, properties jsonb, occurred_at timestamptz)
    ),
    inserted AS (
      INSERT INTO usage_events (customer_id, meter_id, idempotency_key, quantity, payload_hash, properties, occurred_at)
      SELECT customer_id, meter_id, idempotency_key, quantity, decode(payload_hash, 'hex'), NULLIF(properties, 'null'::jsonb), occurred_at
      FROM input
      ORDER BY customer_id, idempotency_key
      ON CONFLICT (customer_id, idempotency_key) DO NOTHING
      RETURNING id, customer_id, meter_id, idempotency_key, quantity, occurred_at, received_at
    ),
    rolled_up AS (
      INSERT INTO usage_rollups AS r (customer_id, meter_id, hour_start, quantity, event_count, max_quantity, last_quantity, last_occurred_at, updated_at)
      SELECT customer_id, meter_id, date_trunc('hour', occurred_at, 'UTC'), sum(quantity), count(*), max(quantity),
             (array_agg(quantity ORDER BY occurred_at DESC, id DESC))[1], max(occurred_at), now()
      FROM inserted
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3
      ON CONFLICT (customer_id, meter_id, hour_start) DO UPDATE SET
        quantity = r.quantity + excluded.quantity,
        event_count = r.event_count + excluded.event_count,
        max_quantity = GREATEST(r.max_quantity, excluded.max_quantity),
        last_quantity = CASE WHEN r.last_occurred_at IS NULL OR excluded.last_occurred_at >= r.last_occurred_at
                             THEN excluded.last_quantity ELSE r.last_quantity END,
        last_occurred_at = GREATEST(r.last_occurred_at, excluded.last_occurred_at),
        updated_at = now()
    )
    SELECT id::text AS id, customer_id::text AS customer_id, idempotency_key, received_at FROM inserted`;
}

/** The stored events behind some (customer, idempotency key) pairs: duplicates and conflicts. */
export async function findEventsByKey(db: TDb, keys: readonly { customerId: string; idempotencyKey: string }[]): Promise<TExistingEventRow[]> {
  const input = JSON.stringify(keys.map((key) => ({ customer_id: key.customerId, idempotency_key: key.idempotencyKey })));
  return db.$queryRaw<TExistingEventRow[]>`
    SELECT e.id::text AS id, e.customer_id::text AS customer_id, e.idempotency_key, encode(e.payload_hash, 'hex') AS payload_hash,
           trim_scale(e.quantity)::text AS quantity, e.occurred_at, e.received_at
    FROM jsonb_to_recordset(${input}::jsonb) AS k(customer_id uuid, idempotency_key text)
    JOIN usage_events e ON e.customer_id = k.customer_id AND e.idempotency_key = k.idempotency_key`;
}

export type TCatalogRow = {
  kind: "customer" | "meter";
  key: string;
  id: string;
  aggregation: string | null;
  allow_negative: boolean | null;
  status: string | null;
  archived: boolean;
  current_period_start: Date | null;
};

/** The customers (by external id, with their live subscription's period) and meters (by event name) some events name. */
export async function findEventCatalog(db: TDb, customerExternalIds: readonly string[], meterEventNames: readonly string[]): Promise<TCatalogRow[]> {
  return db.$queryRaw<TCatalogRow[]>`
    SELECT 'customer' AS kind, c.external_id AS key, c.id::text AS id, NULL AS aggregation, NULL::boolean AS allow_negative,
           NULL AS status, c.archived_at IS NOT NULL AS archived, s.current_period_start
    FROM customers c
    LEFT JOIN subscriptions s ON s.customer_id = c.id AND s.ended_at IS NULL
    WHERE c.external_id = ANY(${customerExternalIds}::text[])
    UNION ALL
    SELECT 'meter', m.event_name, m.id::text, m.aggregation::text, m.allow_negative, m.status::text, m.archived_at IS NOT NULL, NULL
    FROM meters m
    WHERE m.event_name = ANY(${meterEventNames}::text[])`;
}
