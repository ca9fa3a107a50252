// Load generators: cheap random events, and a runner that keeps N requests in flight until told
// to stop, recording each request's latency and each failure. The requests go through Tally's own
// client (lib/client), as a vendor's code would send them.
import { randomUUID } from "node:crypto";
import { TallyApiError, TallyBatchError, TallyConnectionError, type TallyClient, type TUsageEventInput } from "@/lib/client";
import { Samples } from "./stats";

const METERS = [
  { meter: "api_requests", maxValue: 100 },
  { meter: "ai_tokens", maxValue: 5_000 },
] as const;
const TIMESTAMP_SPREAD_MS = 2 * 60 * 60 * 1000;
const REGIONS = ["eu-west-1", "us-east-1", "ap-south-1"];
const PLANS = ["free", "pro", "enterprise"];

/** Random events: a random customer, one of the two SUM meters, an integer, a time in the last ~2 hours. */
export class EventFactory {
  readonly #customers: readonly string[];

  constructor(customers: readonly string[]) {
    if (customers.length === 0) throw new Error("EventFactory needs customers");
    this.#customers = customers;
  }

  one(now = Date.now()): TUsageEventInput {
    const { meter, maxValue } = METERS[Math.random() < 0.5 ? 0 : 1];
    return {
      idempotency_key: randomUUID(),
      customer: this.#customers[Math.floor(Math.random() * this.#customers.length)] as string,
      meter,
      value: 1 + Math.floor(Math.random() * maxValue),
      timestamp: new Date(now - Math.floor(Math.random() * TIMESTAMP_SPREAD_MS)).toISOString(),
      properties: { region: REGIONS[Math.floor(Math.random() * 3)] as string, plan: PLANS[Math.floor(Math.random() * 3)] as string, bench: true },
    };
  }

  batch(size: number): TUsageEventInput[] {
    const now = Date.now();
    return Array.from({ length: size }, () => this.one(now));
  }

  customer(): string {
    return this.#customers[Math.floor(Math.random() * this.#customers.length)] as string;
  }
}

export type TLoadResult = {
  requests: number;
  /** Events the server acknowledged (for batches: answered `created`). */
  events: number;
  latencies: Samples;
  /** Failed requests by kind (`500 internal`, `timeout`, …), and the first message of each kind. */
  errors: Map<string, number>;
  firstErrors: Map<string, string>;
  elapsedMs: number;
};

export const createLoadResult = (): TLoadResult => ({
  requests: 0,
  events: 0,
  latencies: new Samples(),
  errors: new Map(),
  firstErrors: new Map(),
  elapsedMs: 0,
});

/** Adds `part`'s figures to `total` (e.g. the parts of one long run, without the pauses between them). */
export function mergeLoadResult(total: TLoadResult, part: TLoadResult): void {
  total.requests += part.requests;
  total.events += part.events;
  total.elapsedMs += part.elapsedMs;
  total.latencies.addAll(part.latencies);
  for (const [kind, n] of part.errors) total.errors.set(kind, (total.errors.get(kind) ?? 0) + n);
  for (const [kind, message] of part.firstErrors) if (!total.firstErrors.has(kind)) total.firstErrors.set(kind, message);
}

export const errorCount = (result: Pick<TLoadResult, "errors">): number => [...result.errors.values()].reduce((sum, n) => sum + n, 0);

/**
 * Keeps `concurrency` requests in flight while `proceed()` is true, then waits for the ones in
 * flight. `task()` prepares a request's input (not timed) and returns the call that sends it (timed),
 * which resolves to the number of events stored. `onDone` sees every
 * successful request as it completes.
 */
export async function runLoad(options: {
  concurrency: number;
  proceed: () => boolean;
  task: () => () => Promise<number>;
  onDone?: (latencyMs: number, events: number) => void;
}): Promise<TLoadResult> {
  const result = createLoadResult();
  const started = performance.now();
  const worker = async () => {
    while (options.proceed()) {
      const send = options.task();
      const sent = performance.now();
      try {
        const events = await send();
        const latency = performance.now() - sent;
        result.requests += 1;
        result.events += events;
        result.latencies.add(latency);
        options.onDone?.(latency, events);
      } catch (error) {
        result.requests += 1;
        const kind = describeFailure(error);
        result.errors.set(kind, (result.errors.get(kind) ?? 0) + 1);
        if (!result.firstErrors.has(kind)) result.firstErrors.set(kind, describeError(error));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  result.elapsedMs = performance.now() - started;
  return result;
}

/** For `durationMs` from now. */
export const forMs = (durationMs: number): (() => boolean) => {
  const deadline = performance.now() + durationMs;
  return () => performance.now() < deadline;
};

/** One batch of `size` random events per request. */
export const batchTask = (client: TallyClient, factory: EventFactory, size: number) => () => {
  const events = factory.batch(size);
  return async () => (await client.recordEvents(events, { concurrency: 1 })).created;
};

/** One random event per request. */
export const singleTask = (client: TallyClient, factory: EventFactory) => () => {
  const event = factory.one();
  return async () => ((await client.recordEvent(event)).duplicate ? 0 : 1);
};

/** One entitlement check per request: a random customer's usage of one meter. */
export const usageTask = (client: TallyClient, factory: EventFactory, meter: string) => () => {
  const customer = factory.customer();
  return async () => {
    await client.getUsage(customer, { meter });
    return 0;
  };
};

function describeFailure(error: unknown): string {
  const cause = error instanceof TallyBatchError ? error.failed[0]?.error : error;
  if (cause instanceof TallyApiError) return `${cause.status} ${cause.code}`;
  if (cause instanceof TallyConnectionError) return cause.timedOut ? "timeout" : `connection (${String((cause.cause as Error | undefined)?.message ?? cause.message)})`;
  return cause instanceof Error ? cause.message.slice(0, 80) : String(cause);
}

/** What the server (or the network) said, with the request id to find it in the server's log. */
function describeError(error: unknown): string {
  const cause = error instanceof TallyBatchError ? error.failed[0]?.error : error;
  return cause instanceof Error ? cause.message : String(cause);
}
