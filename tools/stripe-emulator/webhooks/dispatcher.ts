// Webhook delivery (SEMANTICS.md §13): every emitted event that an enabled endpoint listens to is
// POSTed to it as JSON with a fresh `Stripe-Signature` on every attempt. Deliveries run in the
// background (never inside the request that emitted the event); first attempts reach each endpoint
// in emission order; failures (non-2xx, timeout, connection error) are retried on
// `config.webhookRetryDelaysMs` and then given up. A successful delivery lowers the event's
// `pending_webhooks`. The delivery log is kept in memory for the HTML view and
// `GET /_emulator/webhook_deliveries`.
import type Stripe from "stripe";
import type { TEmulator } from "../core/context";
import { newId } from "../core/ids";
import type { TWebhookEndpointRecord } from "../core/store";
import { endpointReceives } from "./matching";
import { postWebhook } from "./post";
import { signatureHeader } from "./signing";

/** Deliveries kept in the log; the oldest finished ones are dropped past this. */
const MAX_LOGGED_DELIVERIES = 1_000;

export type TDeliveryAttempt = {
  /** When the attempt started, unix milliseconds (real time, even for test clock events). */
  at: number;
  /** The receiver's HTTP status, or null when there was no response. */
  status: number | null;
  /** Why the attempt failed (status, timeout, connection error), or null on success. */
  error: string | null;
  durationMs: number;
  /** The start of the receiver's response body. */
  response: string | null;
};

export type TDelivery = {
  id: string;
  event: string;
  type: string;
  endpoint: string;
  url: string;
  state: "pending" | "succeeded" | "failed";
  attempts: TDeliveryAttempt[];
  /** When the next retry is due, unix milliseconds; null when none is scheduled. */
  nextAttemptAt: number | null;
};

export class WebhookDispatcher {
  private log: TDelivery[] = [];
  private queues = new Map<string, TDelivery[]>();
  private draining = new Set<string>();
  private timers = new Set<NodeJS.Timeout>();
  private inFlight = new Set<AbortController>();
  private work = new Set<Promise<void>>();
  /** Bumped on reset, so work started before it drops its results. */
  private generation = 0;
  private stopped = false;

  constructor(private readonly emulator: TEmulator) {}

  /** Queues one delivery per endpoint that listens to the event. Never waits. */
  enqueue(event: Stripe.Event): void {
    if (this.stopped) return;
    for (const endpoint of Object.values(this.emulator.store.state.webhookEndpoints)) {
      if (!endpointReceives(endpoint, event.type)) continue;
      const delivery: TDelivery = {
        id: newId("whdel", 14),
        event: event.id,
        type: event.type,
        endpoint: endpoint.id,
        url: endpoint.url,
        state: "pending",
        attempts: [],
        nextAttemptAt: null,
      };
      this.remember(delivery);
      const queue = this.queues.get(endpoint.id);
      if (queue) queue.push(delivery);
      else this.queues.set(endpoint.id, [delivery]);
      this.drain(endpoint.id);
    }
  }

  /** The delivery log, oldest first. */
  deliveries(): readonly TDelivery[] {
    return this.log;
  }

  /** Forgets every delivery and cancels the ones under way (`/_emulator/reset`). */
  reset(): void {
    this.generation += 1;
    this.cancelAll();
    this.log = [];
    this.queues = new Map();
    this.draining = new Set();
  }

  /** Cancels everything under way and waits for it to wind down (emulator shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.generation += 1;
    this.cancelAll();
    await Promise.allSettled([...this.work]);
  }

  private cancelAll(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    for (const queue of this.queues.values()) queue.length = 0;
  }

  private remember(delivery: TDelivery): void {
    this.log.push(delivery);
    if (this.log.length <= MAX_LOGGED_DELIVERIES) return;
    const oldestFinished = this.log.findIndex((entry) => entry.state !== "pending");
    if (oldestFinished >= 0) this.log.splice(oldestFinished, 1);
  }

  private track(promise: Promise<void>): void {
    this.work.add(promise);
    void promise.finally(() => this.work.delete(promise));
  }

  /** First attempts for one endpoint, one at a time, in the order the events were emitted. */
  private drain(endpointId: string): void {
    const draining = this.draining;
    if (draining.has(endpointId)) return;
    draining.add(endpointId);
    const queue = this.queues.get(endpointId);
    const generation = this.generation;
    this.track(
      (async () => {
        while (queue && queue.length > 0 && generation === this.generation) {
          const next = queue.shift();
          if (next) await this.attempt(next, generation);
        }
        draining.delete(endpointId);
      })(),
    );
  }

  private async attempt(delivery: TDelivery, generation: number): Promise<void> {
    const { store, config } = this.emulator;
    delivery.nextAttemptAt = null;
    const endpoint: TWebhookEndpointRecord | undefined = store.get("webhookEndpoints", delivery.endpoint);
    const event = store.get("events", delivery.event);
    if (!endpoint || endpoint.status !== "enabled" || !event) {
      delivery.state = "failed";
      delivery.attempts.push({
        at: Date.now(),
        status: null,
        error: !event ? "event no longer exists" : !endpoint ? "endpoint was deleted" : "endpoint is disabled",
        durationMs: 0,
        response: null,
      });
      return;
    }

    // A new timestamp and signature on every attempt; the body carries the current pending count.
    const payload = JSON.stringify(event, null, 2);
    const at = Date.now();
    const controller = new AbortController();
    this.inFlight.add(controller);
    const result = await postWebhook(endpoint.url, payload, {
      signature: signatureHeader(payload, endpoint.secret, Math.floor(at / 1000)),
      timeoutMs: config.webhookTimeoutMs,
      signal: controller.signal,
    });
    this.inFlight.delete(controller);
    if (generation !== this.generation) return;

    const succeeded = result.status !== null && result.status >= 200 && result.status < 300;
    delivery.attempts.push({
      at,
      status: result.status,
      error: succeeded ? null : (result.error ?? `HTTP ${result.status ?? "?"}`),
      durationMs: Date.now() - at,
      response: result.body,
    });

    if (succeeded) {
      delivery.state = "succeeded";
      const stored = store.get("events", delivery.event);
      if (stored && stored.pending_webhooks > 0) {
        stored.pending_webhooks -= 1;
        store.put("events", stored);
      }
      return;
    }
    const delay = config.webhookRetryDelaysMs[delivery.attempts.length - 1];
    if (delay === undefined || this.stopped) {
      delivery.state = "failed";
      return;
    }
    delivery.nextAttemptAt = Date.now() + delay;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.track(this.attempt(delivery, generation));
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}

const dispatchers = new WeakMap<TEmulator, WebhookDispatcher>();

/** Starts delivering this emulator's events: subscribes to its event, reset and stop hooks. */
export function startWebhookDispatcher(emulator: TEmulator): WebhookDispatcher {
  const existing = dispatchers.get(emulator);
  if (existing) return existing;
  const dispatcher = new WebhookDispatcher(emulator);
  dispatchers.set(emulator, dispatcher);
  emulator.hooks.onEventEmitted.push((event) => dispatcher.enqueue(event));
  emulator.hooks.onReset.push(() => dispatcher.reset());
  emulator.hooks.onStop.push(() => dispatcher.stop());
  return dispatcher;
}

/** The emulator's dispatcher, for the delivery log (HTML view, control route). */
export function webhookDispatcherFor(emulator: TEmulator): WebhookDispatcher | undefined {
  return dispatchers.get(emulator);
}
