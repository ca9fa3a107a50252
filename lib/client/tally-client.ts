// The client vendors construct: `recordEvent`, `recordEvents`, `getUsage` and `createBatcher`.
// Standalone by design: only web-standard APIs (fetch, AbortController, crypto.randomUUID,
// setTimeout) and the files beside it, nothing else from the app.
import { TallyBatcher, type TBatcherOptions } from "./batcher";
import { EVENTS_PATH, recordEventBatches, sendBatch } from "./record-event-batches";
import { DEFAULT_RETRY_POLICY } from "./retry";
import { toWireEvent } from "./to-wire-event";
import { sendRequest, type TTransport } from "./transport";
import type { TBatchResult, TCustomerUsage, TRecordedEvent, TUsageEventInput } from "./types";

export type TTallyClientOptions = {
  /** e.g. `https://billing.example.com`; the client appends `/api/v1/...`. */
  baseUrl: string;
  apiKey: string;
  /** Per attempt, response body included; default 10 000. */
  timeoutMs?: number;
  /** Retries after the first attempt; default 5. */
  maxRetries?: number;
  /** Backoff: full jitter up to min(backoffMaxMs, backoffBaseMs · 2^retry); defaults 100 and 5 000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Cap on a server-requested Retry-After; default 60 000. */
  maxRetryAfterMs?: number;
  fetch?: typeof fetch;
  userAgent?: string;
};

export class TallyClient {
  readonly #transport: TTransport;

  constructor(options: TTallyClientOptions) {
    const baseUrl = new URL(options.baseUrl).href.replace(/\/+$/, ""); // throws on a malformed URL
    if (!options.apiKey) throw new TypeError("apiKey is required");
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
    const maxRetries = options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new RangeError(`maxRetries must be an integer ≥ 0, got ${maxRetries}`);
    this.#transport = {
      baseUrl,
      apiKey: options.apiKey,
      timeoutMs,
      userAgent: options.userAgent ?? "tally-client-ts/0.1",
      fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
      retry: {
        maxRetries,
        backoffBaseMs: options.backoffBaseMs ?? DEFAULT_RETRY_POLICY.backoffBaseMs,
        backoffMaxMs: options.backoffMaxMs ?? DEFAULT_RETRY_POLICY.backoffMaxMs,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs,
      },
    };
  }

  /** Records one event; `duplicate: true` when the server already had it (same key and payload). */
  async recordEvent(event: TUsageEventInput): Promise<TRecordedEvent> {
    return sendRequest<TRecordedEvent>(this.#transport, { method: "POST", path: EVENTS_PATH, body: toWireEvent(event) });
  }

  /**
   * Records any number of events in batches of ≤ MAX_BATCH_SIZE, `concurrency` at a time (default 1).
   * `data[i]` is the result of `events[i]`, with the key used. Throws `TallyBatchError` if a batch fails.
   */
  async recordEvents(events: readonly TUsageEventInput[], options: { concurrency?: number } = {}): Promise<TBatchResult> {
    return recordEventBatches(this.#transport, events.map(toWireEvent), options.concurrency ?? 1);
  }

  /** The customer's usage in the current period, for every meter or for `meter` only. */
  async getUsage(customer: string, options: { meter?: string } = {}): Promise<TCustomerUsage> {
    if (!customer) throw new TypeError("customer is required");
    const query = options.meter === undefined ? "" : `?${new URLSearchParams({ meter: options.meter })}`;
    const path = `/api/v1/customers/${encodeURIComponent(customer)}/usage${query}`;
    return sendRequest<TCustomerUsage>(this.#transport, { method: "GET", path });
  }

  /** A buffer that sends events in batches; see `TallyBatcher`. Call `close()` before exiting. */
  createBatcher(options: TBatcherOptions = {}): TallyBatcher {
    return new TallyBatcher((events) => sendBatch(this.#transport, events), options);
  }
}
