// Many events → batches of at most MAX_BATCH_SIZE, each one POST (with retries), at most
// `concurrency` in flight. Results come back merged, in the caller's order. After the first batch
// that fails for good no new batch is started (in-flight ones finish), and a `TallyBatchError`
// lists what was recorded, what failed and what was never sent.
import { TallyBatchError, type TEventBatch, type TFailedBatch } from "./errors";
import { sendRequest, type TTransport } from "./transport";
import type { TBatchResult, TUsageEventWire } from "./types";

/** The most events the server accepts in one request. */
export const MAX_BATCH_SIZE = 1_000;

export const EVENTS_PATH = "/api/v1/events";

/** One batch POST: `{ "events": [...] }` → the server's list answer (indices local to this batch). */
export function sendBatch(transport: TTransport, events: TUsageEventWire[]): Promise<TBatchResult> {
  return sendRequest<TBatchResult>(transport, { method: "POST", path: EVENTS_PATH, body: { events } });
}

export async function recordEventBatches(
  transport: TTransport,
  events: TUsageEventWire[],
  concurrency: number,
): Promise<TBatchResult> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
  const batches: TEventBatch[] = [];
  for (let start = 0; start < events.length; start += MAX_BATCH_SIZE) {
    batches.push({ batch: batches.length, start, events: events.slice(start, start + MAX_BATCH_SIZE) });
  }

  const answers = new Map<number, TBatchResult>();
  const failed: TFailedBatch[] = [];
  let next = 0;
  const worker = async () => {
    while (failed.length === 0 && next < batches.length) {
      const batch = batches[next++]!;
      try {
        answers.set(batch.batch, await sendBatch(transport, batch.events));
      } catch (error) {
        failed.push({ ...batch, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));

  const data = batches.flatMap((batch) =>
    (answers.get(batch.batch)?.data ?? []).map((result) => ({ ...result, index: batch.start + result.index })),
  );
  if (failed.length > 0) {
    const attempted = new Set([...answers.keys(), ...failed.map((batch) => batch.batch)]);
    const notSent = batches.filter((batch) => !attempted.has(batch.batch));
    throw new TallyBatchError(data, failed.sort((a, b) => a.batch - b.batch), notSent);
  }
  const created = data.filter((result) => result.status === "created").length;
  return { object: "list", data, created, duplicates: data.length - created };
}
