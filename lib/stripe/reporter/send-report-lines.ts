// Sends report lines to Stripe as meter events, within Stripe's limits (DESIGN.md rule 4):
// - v1 (`/v1/billing/meter_events`, one event a call): one call in flight per customer and meter,
//   at most `callsPerSecond` calls a second from this worker, `concurrency` pairs at once;
// - stream (`/v2/billing/meter_event_stream`, behind TALLY_REPORT_METER_EVENT_API=stream): up to
//   100 lines a call under a meter event session (renewed before it expires), paced in events.
// Stripe's account-wide 429 pauses every call of this worker for its Retry-After (or a second); a
// 429 for one customer and meter (a call of theirs in flight) only retries that line. Each line's
// identifier is the one written at the claim, so a resend can never count twice.
//
// The pacer is a few lines of our own: a shared "next free slot" and a pause, all a single
// process needs (several workers share Stripe's limit through its 429s).
import type Stripe from "stripe";
import { createStripeClient } from "@/lib/stripe/client";
import { METER_CUSTOMER_PAYLOAD_KEY, METER_VALUE_PAYLOAD_KEY } from "@/lib/stripe/meter-payload";
import { classifySendError, type TSendOutcome } from "./classify-stripe-error";

export type TSendableLine = {
  id: bigint;
  identifier: string;
  customerId: string;
  meterId: string;
  stripeCustomerId: string;
  eventName: string;
  stripeValue: bigint;
  eventAt: Date;
  /** Calls already made for this line (for the backoff). */
  attempts: number;
};

export type TLineOutcome = { line: TSendableLine; outcome: TSendOutcome };

export type TSenderOptions = {
  api: "v1" | "stream";
  /** v1: calls per second; stream: events per second. */
  perSecond: number;
  concurrency: number;
  timeoutMs?: number;
};

const STREAM_MAX_EVENTS = 100;
/** A session is renewed this long before Stripe says it expires. */
const SESSION_MARGIN_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Pacer {
  private next = 0;
  private pausedUntil = 0;
  constructor(private readonly perSecond: number) {}

  /** Waits for room for `count` units (calls or events). */
  async take(count = 1): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.next, this.pausedUntil);
    this.next = at + (count * 1000) / this.perSecond;
    if (at > now) await sleep(at - now);
  }

  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }
}

/** Runs `work` over `items` with at most `concurrency` at once. */
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(runners);
}

export class MeterEventSender {
  private readonly stripe: Stripe;
  private readonly pacer: Pacer;
  private session: { token: string; renewAt: number } | null = null;

  constructor(private readonly options: TSenderOptions) {
    // Retries are ours (backoff, jitter, Retry-After, per-line attempts), not the SDK's.
    this.stripe = createStripeClient({ maxNetworkRetries: 0, timeoutMs: options.timeoutMs ?? 15_000 });
    this.pacer = new Pacer(options.perSecond);
  }

  get api(): "v1" | "stream" {
    return this.options.api;
  }

  /** Sends the lines; `record` gets outcomes as they come (in chunks), and is awaited. */
  async send(lines: TSendableLine[], record: (outcomes: TLineOutcome[]) => Promise<void>): Promise<void> {
    if (lines.length === 0) return;
    if (this.options.api === "stream") await this.sendStream(lines, record);
    else await this.sendV1(lines, record);
  }

  private async sendV1(lines: TSendableLine[], record: (outcomes: TLineOutcome[]) => Promise<void>): Promise<void> {
    const byPair = new Map<string, TSendableLine[]>();
    for (const line of lines) {
      const key = `${line.customerId}|${line.meterId}`;
      const pair = byPair.get(key);
      if (pair) pair.push(line);
      else byPair.set(key, [line]);
    }
    // One call in flight per customer and meter: a pair's lines go one after another.
    await pool([...byPair.values()], this.options.concurrency, async (pair) => {
      const outcomes: TLineOutcome[] = [];
      for (const line of pair) {
        await this.pacer.take();
        const outcome = await this.callV1(line);
        if (outcome.kind === "retry" && outcome.pauseAllMs > 0) this.pacer.pause(outcome.pauseAllMs);
        outcomes.push({ line, outcome });
      }
      await record(outcomes);
    });
  }

  private async callV1(line: TSendableLine): Promise<TSendOutcome> {
    try {
      await this.stripe.billing.meterEvents.create({
        event_name: line.eventName,
        identifier: line.identifier,
        timestamp: Math.floor(line.eventAt.getTime() / 1000),
        payload: { [METER_CUSTOMER_PAYLOAD_KEY]: line.stripeCustomerId, [METER_VALUE_PAYLOAD_KEY]: line.stripeValue.toString() },
      });
      return { kind: "delivered", duplicate: false };
    } catch (error) {
      return classifySendError(error, line.attempts + 1);
    }
  }

  private async sendStream(lines: TSendableLine[], record: (outcomes: TLineOutcome[]) => Promise<void>): Promise<void> {
    const chunks: TSendableLine[][] = [];
    for (let start = 0; start < lines.length; start += STREAM_MAX_EVENTS) chunks.push(lines.slice(start, start + STREAM_MAX_EVENTS));
    await pool(chunks, this.options.concurrency, async (chunk) => {
      await this.pacer.take(chunk.length);
      const outcome = await this.callStream(chunk);
      if (outcome.kind === "retry" && outcome.pauseAllMs > 0) this.pacer.pause(outcome.pauseAllMs);
      await record(chunk.map((line) => ({ line, outcome })));
    });
  }

  private async callStream(chunk: TSendableLine[], renewed = false): Promise<TSendOutcome> {
    try {
      const token = await this.sessionToken();
      await this.stripe.v2.billing.meterEventStream.create(
        {
          events: chunk.map((line) => ({
            event_name: line.eventName,
            identifier: line.identifier,
            timestamp: line.eventAt.toISOString().replace(/\.\d{3}Z$/, "Z"),
            payload: { [METER_CUSTOMER_PAYLOAD_KEY]: line.stripeCustomerId, [METER_VALUE_PAYLOAD_KEY]: line.stripeValue.toString() },
          })),
        },
        { apiKey: token },
      );
      return { kind: "delivered", duplicate: false };
    } catch (error) {
      if (!renewed && isExpiredSession(error)) {
        this.session = null;
        return this.callStream(chunk, true);
      }
      return classifySendError(error, Math.max(...chunk.map((line) => line.attempts)) + 1);
    }
  }

  private async sessionToken(): Promise<string> {
    if (this.session && Date.now() < this.session.renewAt) return this.session.token;
    const session = await this.stripe.v2.billing.meterEventSession.create();
    this.session = { token: session.authentication_token, renewAt: Date.parse(session.expires_at) - SESSION_MARGIN_MS };
    return session.authentication_token;
  }
}

function isExpiredSession(error: unknown): boolean {
  const value = error as { type?: string; statusCode?: number; code?: string } | null;
  return value?.type === "TemporarySessionExpiredError" || value?.code === "billing_meter_event_session_expired" || value?.statusCode === 401;
}
