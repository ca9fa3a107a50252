// SQL of an AGGREGATE source's state: the total Tally has recorded for each (customer, meter,
// occurred_at) row the query returned, and how many changes made it.
import type { TDb } from "@/lib/db";
import { aggregateStateKey, type TAggregateKey, type TAggregateState } from "./compute-source-events";

type TAggregateRow = { customer: string; meter: string; occurred_at: Date; recorded_quantity: string; revision: number };

/** The state of the rows a run read (by their keys), as a map by aggregateStateKey. */
export async function findAggregateStates(db: TDb, connectorId: string, keys: readonly TAggregateKey[]): Promise<Map<string, TAggregateState>> {
  if (keys.length === 0) return new Map();
  const rows = await db.$queryRaw<TAggregateRow[]>`
    SELECT a.customer, a.meter, a.occurred_at, a.recorded_quantity::text AS recorded_quantity, a.revision
    FROM connector_aggregates a
    JOIN unnest(${keys.map((key) => key.customer)}::text[], ${keys.map((key) => key.meter)}::text[], ${keys.map((key) => key.occurredAt)}::timestamptz[])
      AS k(customer, meter, occurred_at)
      ON a.customer = k.customer AND a.meter = k.meter AND a.occurred_at = k.occurred_at
    WHERE a.connector_id = ${connectorId}::uuid`;
  return new Map(rows.map((row) => [aggregateStateKey({ customer: row.customer, meter: row.meter, occurredAt: row.occurred_at }), { recordedQuantity: row.recorded_quantity, revision: row.revision }]));
}

/**
 * Moves each total to its new revision; only from the revision the run started from (another run
 * that got there first makes this return fewer rows than given, and the caller rolls back).
 */
export async function updateAggregateStates(
  db: TDb,
  connectorId: string,
  updates: readonly (TAggregateKey & { total: string; revision: number })[],
): Promise<number> {
  if (updates.length === 0) return 0;
  return db.$executeRaw`
    INSERT INTO connector_aggregates (connector_id, customer, meter, occurred_at, recorded_quantity, revision, updated_at)
    SELECT ${connectorId}::uuid, u.customer, u.meter, u.occurred_at, u.total, u.revision, now()
    FROM unnest(${updates.map((update) => update.customer)}::text[], ${updates.map((update) => update.meter)}::text[],
                ${updates.map((update) => update.occurredAt)}::timestamptz[], ${updates.map((update) => update.total)}::numeric[],
                ${updates.map((update) => update.revision)}::int[]) AS u(customer, meter, occurred_at, total, revision)
    ORDER BY u.customer, u.meter, u.occurred_at
    ON CONFLICT (connector_id, customer, meter, occurred_at) DO UPDATE
      SET recorded_quantity = EXCLUDED.recorded_quantity, revision = EXCLUDED.revision, updated_at = now()
      WHERE connector_aggregates.revision = EXCLUDED.revision - 1`;
}
