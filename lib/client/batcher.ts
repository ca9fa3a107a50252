// Buffers events from high-volume callers and sends them as batches: when the buffer reaches
// `maxBatchSize`, or `flushIntervalMs` after its first event, or on `flush()` / `close()`. At most
// `concurrency` batches are in flight; later ones wait their turn, in order. The timer is unref()ed
// so it never keeps Node alive (call `close()` before exiting to send what is buffered).
//
// Failures: each `add()` promise rejects with its batch's error. In addition a failed batch goes to
// `onError` when given; without `onError` it is held and the next `flush()` / `close()` throws a
// `TallyBatchError` listing it, so fire-and-forget callers cannot lose events silently.
import { TallyBatchError, type TFailedBatch } from "./errors";
import { MAX_BATCH_SIZE } from "./record-event-batches";
import { toWireEvent } from "./to-wire-event";
import type { TBatchEventResult, TBatchResult, TUsageEventInput, TUsageEventWire } from "./types";

export type TBatcherOptions = {
  /** 1..1000; default 1000. */
  maxBatchSize?: number;
  /** Longest time an event waits in the buffer; default 1000 ms. */
  flushIntervalMs?: number;
  /** Batches in flight at once; default 2. */
  concurrency?: number;
  onError?: (error: unknown, events: TUsageEventWire[]) => void;
};

type TPending = { event: TUsageEventWire; resolve: (result: TBatchEventResult) => void; reject: (error: unknown) => void };

export class TallyBatcher {
  readonly #send: (events: TUsageEventWire[]) => Promise<TBatchResult>;
  readonly #maxBatchSize: number;
  readonly #flushIntervalMs: number;
  readonly #concurrency: number;
  readonly #onError: TBatcherOptions["onError"];
  #buffer: TPending[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #failures: TFailedBatch[] = [];
  #batches = 0;
  #closed = false;

  constructor(send: (events: TUsageEventWire[]) => Promise<TBatchResult>, options: TBatcherOptions = {}) {
    const { maxBatchSize = MAX_BATCH_SIZE, flushIntervalMs = 1_000, concurrency = 2 } = options;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE) {
      throw new RangeError(`maxBatchSize must be an integer in 1..${MAX_BATCH_SIZE}, got ${maxBatchSize}`);
    }
    if (!(flushIntervalMs > 0)) throw new RangeError(`flushIntervalMs must be > 0, got ${flushIntervalMs}`);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);
    this.#send = send;
    this.#maxBatchSize = maxBatchSize;
    this.#flushIntervalMs = flushIntervalMs;
    this.#concurrency = concurrency;
    this.#onError = options.onError;
  }

  /** Buffers one event (its idempotency key is fixed now); resolves when its batch is acknowledged. */
  add(input: TUsageEventInput): Promise<TBatchEventResult> {
    if (this.#closed) return Promise.reject(new Error("TallyBatcher is closed"));
    let event: TUsageEventWire;
    try {
      event = toWireEvent(input);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = new Promise<TBatchEventResult>((resolve, reject) => this.#buffer.push({ event, resolve, reject }));
    promise.catch(() => {}); // also reported by onError / flush(): an ignored add() must not crash the process
    if (this.#buffer.length >= this.#maxBatchSize) this.#cut();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#cut(), this.#flushIntervalMs);
      (this.#timer as { unref?: () => void }).unref?.();
    }
    return promise;
  }

  /** Events buffered and not yet handed to a batch. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Sends the buffer and waits for every batch cut so far (not for ones cut while waiting). Without
   * `onError`, throws a `TallyBatchError` for the batches that failed since the last flush.
   */
  async flush(): Promise<void> {
    this.#cut();
    await Promise.all([...this.#inFlight]);
    const failures = this.#failures;
    this.#failures = [];
    if (failures.length > 0) throw new TallyBatchError([], failures, []);
  }

  /** Stops accepting events and the timer, then flushes. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #cut(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#buffer.length === 0) return;
    const items = this.#buffer;
    this.#buffer = [];
    const done = this.#sendBatch(this.#batches++, items).finally(() => this.#inFlight.delete(done));
    this.#inFlight.add(done);
  }

  async #sendBatch(batch: number, items: TPending[]): Promise<void> {
    await this.#acquire();
    const events = items.map((item) => item.event);
    try {
      const answer = await this.#send(events);
      const byIndex = new Map(answer.data.map((result) => [result.index, result]));
      items.forEach((item, index) => {
        const result = byIndex.get(index);
        if (result) item.resolve(result);
        else item.reject(new Error(`The server's answer has no result for event ${index} of batch ${batch}`));
      });
    } catch (error) {
      for (const item of items) item.reject(error);
      if (this.#onError) this.#onError(error, events);
      else this.#failures.push({ batch, start: 0, events, error });
    } finally {
      this.#release();
    }
  }

  async #acquire(): Promise<void> {
    if (this.#active < this.#concurrency) {
      this.#active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve)); // the releaser hands its slot over
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#active -= 1;
  }
}
