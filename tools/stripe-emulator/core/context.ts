import type Stripe from "stripe";
import type { z } from "zod";
import type { TFormObject } from "./form";
import type { Store } from "./store";

export type TApiMode = "v1" | "v2";

export type TEmulatorConfig = {
  /** The secret key clients must send; any `sk_test_…` key is accepted when null. */
  secretKey: string | null;
  /** Meter events: account-wide calls per second (live mode: 1,000). 0 turns the limit off. */
  meterEventsPerSecond: number;
  /** Meter events: refuse a second concurrent call for the same customer and meter (live mode). */
  meterEventConcurrencyPerCustomer: boolean;
  /**
   * The v2 meter event stream: account-wide events (not calls) per second, over a sliding second
   * (live mode: 10,000). A call that would go past it is refused whole with 429. 0 turns it off.
   */
  meterEventStreamEventsPerSecond: number;
  /** Webhook retry schedule in ms after each failed attempt (Stripe retries for up to 3 days). */
  webhookRetryDelaysMs: number[];
  /** How long a webhook delivery attempt may take before it counts as failed. */
  webhookTimeoutMs: number;
  /** Finalization grace period for subscription invoices, in seconds (Stripe's default: 1 hour). */
  invoiceGraceSeconds: number;
};

export type TRecordedResponse = {
  method: string;
  path: string;
  /** The route's template, e.g. `/v1/customers/:id`, to find the spec operation. */
  template: string | null;
  apiMode: TApiMode;
  status: number;
  body: unknown;
};

export type TEmitOptions = {
  previousAttributes?: Record<string, unknown>;
  /** Whose clock dates the event (a test-clock customer's events carry simulated time). */
  customerId?: string | null;
  /** The request that caused it; null for automatic actions (e.g. test clock advances). */
  request?: { id: string | null; idempotency_key: string | null } | null;
};

export type TEmulator = {
  store: Store;
  config: TEmulatorConfig;
  /** Unix seconds for a customer: its test clock's frozen time, or the real time. */
  now(customerId?: string | null): number;
  emit(type: Stripe.Event.Type | string, object: object, options?: TEmitOptions): Stripe.Event;
  /** Hooks modules register (e.g. the billing cycle runs when a test clock advances). */
  hooks: {
    onEventEmitted: ((event: Stripe.Event) => void)[];
    onClockAdvanced: ((clockId: string, from: number, to: number) => Promise<void> | void)[];
    onTick: ((now: number) => Promise<void> | void)[];
    onStop: (() => Promise<void> | void)[];
    onReset: (() => void)[];
  };
};

/** A request the emulator has received and not yet answered. */
export type TInFlightRequest = {
  method: string;
  path: string;
  input: TFormObject | Record<string, unknown>;
  requestId: string;
};

export type TRequestContext = {
  emulator: TEmulator;
  method: string;
  path: string;
  url: URL;
  apiMode: TApiMode;
  /** Path parameters from the route template. */
  params: Record<string, string>;
  /** The decoded body (POST) or query string (GET, DELETE); JSON for v2. */
  input: TFormObject | Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  idempotencyKey: string | null;
  /** Validates `input` against the endpoint's schema (a failure is not stored for idempotency). */
  parse<S extends z.ZodType>(schema: S): z.output<S>;
  /** For list endpoints: the `url` field of the envelope. */
  listUrl: string;
  /**
   * Every request received and not yet answered, in arrival order, this one included. A request
   * counts from the moment its body is decoded, so one held by a delay fault is in flight too
   * (the meter event concurrency limit reads this).
   */
  inFlight: ReadonlySet<TInFlightRequest>;
};

/** A handler may return a body (status 200) or this, for another status. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}
