// Sends due webhook deliveries: lease a batch (FOR UPDATE SKIP LOCKED, one short statement), POST
// each outside any transaction, then record the answer. A 2xx is SENT; anything else (another
// status, a redirect, a timeout, a refused connection) is tried again later with exponential backoff
// and jitter (30 s, 1 min, 2 min, … capped at 6 h), and FAILED after `maxAttempts` attempts; an
// admin may retry it then. Delivery is at least once: a receiver that answers after our timeout
// gets the event again, with the same `Tally-Event-Id`, on which it dedupes.
import { db as defaultDb, type TDb } from "@/lib/db";
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from "./sign-webhook";
import { leaseDueDeliveries, markDeliveryFailedAttempt, markDeliverySent, type TLeasedDeliveryRow } from "./webhook-deliveries-query";

export type TDeliverWebhooksOptions = {
  /** The pass's clock: what is due, the lease, and every instant it writes (tests move it). */
  now?: Date;
  /** Deliveries leased by one pass. */
  limit?: number;
  /** For one POST, from connecting to reading the answer. */
  timeoutMs?: number;
  /** Attempts before a delivery is FAILED. */
  maxAttempts?: number;
  /** POSTs in flight at once. */
  concurrency?: number;
  /** Only these deliveries (tests scope a pass to their own rows). */
  deliveryIds?: string[];
};

export type TDeliverWebhooksResult = { delivered: number; retried: number; failed: number };

const USER_AGENT = "Tally-Webhooks/1.0";
const MIN_LEASE_MS = 2 * 60_000;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 6 * 60 * 60_000;
/** What lastError keeps of an answer's body. */
const BODY_EXCERPT_CHARS = 200;

/** The wait after failed attempt number `attempt` (1-based): 30 s × 2^(attempt − 1), capped at 6 h, less up to a quarter at random. */
export function webhookRetryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, Math.min(attempt - 1, 20)));
  return Math.round(ceiling * (0.75 + 0.25 * random()));
}

type TAttemptOutcome = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export async function deliverWebhooks(options: TDeliverWebhooksOptions = {}, db: TDb = defaultDb): Promise<TDeliverWebhooksResult> {
  const { limit = 50, timeoutMs = 10_000, maxAttempts = 22, concurrency = 8 } = options;
  const now = options.now ?? new Date();
  // Long enough for every leased POST to finish before another worker may take the row again.
  const leaseMs = Math.max(MIN_LEASE_MS, Math.ceil(limit / concurrency) * timeoutMs + 30_000);
  const leased = await leaseDueDeliveries(db, {
    now,
    leaseUntil: new Date(now.getTime() + leaseMs),
    limit,
    deliveryIds: options.deliveryIds ?? null,
  });

  const result: TDeliverWebhooksResult = { delivered: 0, retried: 0, failed: 0 };
  const sendable = leased.filter((row) => row.status === "PENDING");
  result.failed += leased.length - sendable.length; // endpoint disabled: failed by the lease, not sent

  await runPool(sendable, concurrency, async (row) => {
    const outcome = await postDelivery(row, timeoutMs);
    if (outcome.ok) {
      await markDeliverySent(db, { id: row.id, statusCode: outcome.statusCode, deliveredAt: now });
      result.delivered += 1;
      return;
    }
    const giveUp = row.attempts >= maxAttempts;
    await markDeliveryFailedAttempt(db, {
      id: row.id,
      attempts: row.attempts,
      nextAttemptAt: giveUp ? null : new Date(now.getTime() + webhookRetryDelayMs(row.attempts)),
      statusCode: outcome.statusCode,
      error: outcome.error,
    });
    if (giveUp) result.failed += 1;
    else result.retried += 1;
  });
  return result;
}

/** One POST. The body is the stored envelope serialized once: exactly the bytes signed and sent. */
async function postDelivery(row: TLeasedDeliveryRow, timeoutMs: number): Promise<TAttemptOutcome> {
  const { id, type, created, data } = row.payload;
  const body = JSON.stringify({ id, type, created, data });
  // The wall clock, not the pass's `now`: the receiver compares the timestamp with its own clock.
  const signature = signWebhookPayload(row.secret, body, Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(row.url, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json",
        [WEBHOOK_SIGNATURE_HEADER]: signature,
        "Tally-Event-Id": row.event_id,
        "Tally-Event-Type": row.event_type,
        "User-Agent": USER_AGENT,
      },
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { ok: true, statusCode: response.status };
    }
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get("location");
      return { ok: false, statusCode: response.status, error: `HTTP ${response.status}: redirect${location ? ` to ${location.slice(0, 150)}` : ""} not followed` };
    }
    const excerpt = await readExcerpt(response);
    return { ok: false, statusCode: response.status || null, error: `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ""}` };
  } catch (error) {
    return { ok: false, statusCode: null, error: describeFetchError(error, timeoutMs) };
  }
}

/** The first BODY_EXCERPT_CHARS characters of an answer's body, without reading the rest. */
async function readExcerpt(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < BODY_EXCERPT_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The body broke off (or timed out): the status alone says enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return text.slice(0, BODY_EXCERPT_CHARS).replace(/\s+/g, " ").trim();
}

/** A short reason without a stack: "timed out after 10000 ms", "connect ECONNREFUSED 127.0.0.1:4000". */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `timed out after ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown; errors?: { message?: unknown }[] } | undefined) : undefined;
  const causeMessage = typeof cause?.message === "string" && cause.message ? cause.message : cause?.errors?.[0]?.message;
  const message = typeof causeMessage === "string" && causeMessage ? causeMessage : typeof cause?.code === "string" ? cause.code : error instanceof Error ? error.message : String(error);
  return message.slice(0, BODY_EXCERPT_CHARS);
}

/** Runs `work` over `items`, at most `concurrency` at once. */
async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(runners);
}
