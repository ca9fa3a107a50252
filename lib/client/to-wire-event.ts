// A caller's event → the event as sent. This is where a missing idempotency key is generated: once,
// before the first attempt, so that retries (and a caller resending a failed batch) reuse it and the
// server records the event at most once. A `Date` timestamp becomes an ISO 8601 string.
import type { TUsageEventInput, TUsageEventWire } from "./types";

export function toWireEvent(input: TUsageEventInput): TUsageEventWire {
  const { idempotency_key, timestamp, ...rest } = input;
  const event: TUsageEventWire = { ...rest, idempotency_key: idempotency_key ?? globalThis.crypto.randomUUID() };
  if (timestamp !== undefined) event.timestamp = timestamp instanceof Date ? timestamp.toISOString() : timestamp;
  if (input.properties) event.properties = { ...input.properties };
  return event;
}
