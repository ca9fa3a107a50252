// The client's three errors. `TallyApiError`: the server answered with an error status (its
// problem+json kept whole). `TallyConnectionError`: no answer at all (network failure or timeout)
// after every retry. `TallyBatchError`: `recordEvents` or a batcher's flush could not record every
// batch; it says which events were recorded and which were not, keys included, so they can be resent.
import type { TBatchEventResult, TFieldError, TProblem, TUsageEventWire } from "./types";

export class TallyApiError extends Error {
  readonly status: number;
  /** Stable machine-readable code, e.g. `conflict`, `invalid_params`, `rate_limited`. */
  readonly code: string;
  readonly detail: string;
  /** Per-field problems (JSON pointers into the request body); empty when there are none. */
  readonly errors: TFieldError[];
  /** The `x-request-id` of the failed response: quote it to support. */
  readonly requestId: string | undefined;
  /** The problem document as received (or synthesized when the body was not problem+json). */
  readonly problem: TProblem;
  /** How many requests were made before giving up (1 when the error is not retryable). */
  readonly attempts: number;

  constructor(problem: TProblem, requestId: string | undefined, attempts: number) {
    super(`${problem.status} ${problem.code}: ${problem.detail}${requestId ? ` (request ${requestId})` : ""}`);
    this.name = "TallyApiError";
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.requestId = requestId ?? problem.request_id;
    this.problem = problem;
    this.attempts = attempts;
  }
}

export class TallyConnectionError extends Error {
  readonly attempts: number;
  /** True when the last attempt was cut off by the client's timeout. */
  readonly timedOut: boolean;

  constructor(message: string, options: { attempts: number; timedOut: boolean; cause: unknown }) {
    super(message, { cause: options.cause });
    this.name = "TallyConnectionError";
    this.attempts = options.attempts;
    this.timedOut = options.timedOut;
  }
}

/**
 * A slice of the caller's events sent as one request. `start` is its first event's caller index
 * (0 for a batcher's batches, whose events have no caller index).
 */
export type TEventBatch = { batch: number; start: number; events: TUsageEventWire[] };
export type TFailedBatch = TEventBatch & { error: unknown };

const span = (batch: TEventBatch) => `events ${batch.start}–${batch.start + batch.events.length - 1}`;

export class TallyBatchError extends Error {
  /** Results of the events that were acknowledged, by caller index. */
  readonly recorded: TBatchEventResult[];
  /** Batches sent that failed for good. A timed-out batch may still have been recorded server-side. */
  readonly failed: TFailedBatch[];
  /** Batches never sent because an earlier one failed. */
  readonly notSent: TEventBatch[];

  constructor(recorded: TBatchEventResult[], failed: TFailedBatch[], notSent: TEventBatch[]) {
    const parts = [
      ...failed.map((b) => `batch ${b.batch} (${span(b)}) failed: ${b.error instanceof Error ? b.error.message : String(b.error)}`),
      ...notSent.map((b) => `batch ${b.batch} (${span(b)}) not sent`),
    ];
    super(
      `${recorded.length} events recorded, ${failed.length + notSent.length} batches not: ${parts.join("; ")}. ` +
        "Resending `unrecorded` is safe: it carries the same idempotency keys.",
      { cause: failed[0]?.error },
    );
    this.name = "TallyBatchError";
    this.recorded = recorded;
    this.failed = failed;
    this.notSent = notSent;
  }

  /** Every event not known to be recorded, in caller order, with the keys already used. */
  get unrecorded(): TUsageEventWire[] {
    return [...this.failed, ...this.notSent].sort((a, b) => a.start - b.start).flatMap((b) => b.events);
  }
}
