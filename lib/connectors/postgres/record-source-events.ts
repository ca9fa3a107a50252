// Records a source's events through the API's own recording path (lib/metering), inside the
// caller's transaction. The recording path is all-or-nothing per call; here a row it refuses
// (unknown customer, too old, an event id recorded with another payload) is set aside as that row's
// error and the others are recorded: each attempt runs under a savepoint, so a refused attempt
// leaves nothing behind.
import type { Prisma } from "@/lib/db";
import { isAppError, type TFieldError } from "@/lib/errors";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import type { TConnectorRowError } from "../types";
import type { TSourceEvent } from "./compute-source-events";

export type TRecordedSourceEvents = { recorded: TSourceEvent[]; duplicates: TSourceEvent[]; errors: TConnectorRowError[] };

const ROW_POINTER = /^\/rows\/(\d+)/;

export async function recordSourceEvents(tx: Prisma.TransactionClient, events: readonly TSourceEvent[], now: Date): Promise<TRecordedSourceEvents> {
  const errors: TConnectorRowError[] = [];
  let pending = [...events];
  while (pending.length > 0) {
    await tx.$executeRaw`SAVEPOINT tally_source_events`;
    try {
      const results = await recordUsageEvents(
        pending.map((event) => event.input),
        { pointer: (index) => `/rows/${pending[index]?.row}`, now, db: tx },
      );
      await tx.$executeRaw`RELEASE SAVEPOINT tally_source_events`;
      return {
        recorded: pending.filter((_, index) => !results[index]?.duplicate),
        duplicates: pending.filter((_, index) => results[index]?.duplicate),
        errors,
      };
    } catch (error) {
      await tx.$executeRaw`ROLLBACK TO SAVEPOINT tally_source_events`;
      const refused = isAppError(error) ? rowsOf(error.errors ?? []) : new Map<number, TFieldError[]>();
      if (refused.size === 0) throw error; // not about a row: the run fails, and says why
      for (const event of pending) {
        const fieldErrors = refused.get(event.row);
        if (!fieldErrors) continue;
        errors.push({ ref: event.ref, code: fieldErrors[0]?.code ?? "refused", detail: fieldErrors.map((fieldError) => describe(event, fieldError)).join(" ") });
      }
      pending = pending.filter((event) => !refused.has(event.row));
    }
  }
  return { recorded: [], duplicates: [], errors };
}

function rowsOf(fieldErrors: readonly TFieldError[]): Map<number, TFieldError[]> {
  const rows = new Map<number, TFieldError[]>();
  for (const fieldError of fieldErrors) {
    const match = ROW_POINTER.exec(fieldError.pointer);
    if (!match) continue;
    const row = Number(match[1]);
    rows.set(row, [...(rows.get(row) ?? []), fieldError]);
  }
  return rows;
}

/** The recording path's message, in the source's words (its columns, not the API's fields). */
function describe(event: TSourceEvent, fieldError: TFieldError): string {
  if (fieldError.code === "idempotency_key_reused") {
    return event.aggregate
      ? "A change of this total was recorded with another value under the same key (was the source's state reset?); nothing was recorded for it."
      : "This event_id was recorded before with another customer, meter, quantity or occurred_at; a recorded event is never changed (send the correction as a new row).";
  }
  const column = fieldError.pointer.replace(ROW_POINTER, "").replace(/^\//, "").replace("value", "quantity").replace("timestamp", "occurred_at");
  const context = event.aggregate && column === "quantity" ? ` (the total went from ${event.aggregate.previous} to ${event.aggregate.total})` : "";
  return `${column ? `${column}: ` : ""}${fieldError.detail}${context}`;
}
