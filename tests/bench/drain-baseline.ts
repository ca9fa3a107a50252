// The naive baseline the reporter is compared with, in the same run and against the same emulator
// limits: one loop that claims events in id order (`ORDER BY id … FOR UPDATE SKIP LOCKED`), sends
// one v1 meter event per event under its own identifier, marks the events reported and commits.
// It is naive in its design, not careless: it keeps one call in flight per customer, paces itself
// at the reporter's v1 rate, retries 429s, and marks only what Stripe accepted. Bench code only.
import pg from "pg";
import Stripe from "stripe";
import { METER_CUSTOMER_PAYLOAD_KEY, METER_VALUE_PAYLOAD_KEY } from "@/lib/stripe/meter-payload";
import { benchStripe } from "./drain-stripe";

export const NAIVE_IDENTIFIER_PREFIX = "naive_";
const CLAIM_SIZE = 1_000;
const MAX_ATTEMPTS = 10;

export type TBaselineResult = {
  seconds: number;
  claims: number;
  /** Events Stripe accepted and the loop marked reported. */
  events: number;
  calls: number;
  rateLimited: number;
  /** Events given up after MAX_ATTEMPTS failed calls (left unreported). */
  failed: number;
  firstError: string | null;
  /** Milliseconds spent in the claim query and in the marking update. */
  claimMs: number;
  markMs: number;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runNaiveBaseline(options: {
  databaseUrl: string;
  stripeApiUrl: string;
  eventName: string;
  /** Tally customer id → Stripe customer id. */
  stripeCustomerIds: Map<string, string>;
  seconds: number;
  callsPerSecond: number;
  concurrency: number;
}): Promise<TBaselineResult> {
  const stripe = benchStripe(options.stripeApiUrl, 0);
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  const result: TBaselineResult = { seconds: 0, claims: 0, events: 0, calls: 0, rateLimited: 0, failed: 0, firstError: null, claimMs: 0, markMs: 0 };
  let nextSlot = 0;
  const pace = async () => {
    const now = Date.now();
    const at = Math.max(now, nextSlot);
    nextSlot = at + 1000 / options.callsPerSecond;
    if (at > now) await sleep(at - now);
  };
  type TRow = { id: string; customer_id: string; quantity: string; occurred_at: Date };

  const send = async (row: TRow): Promise<boolean> => {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      await pace();
      result.calls += 1;
      try {
        await stripe.billing.meterEvents.create({
          event_name: options.eventName,
          identifier: `${NAIVE_IDENTIFIER_PREFIX}${row.id}`,
          timestamp: Math.floor(row.occurred_at.getTime() / 1000),
          payload: {
            [METER_CUSTOMER_PAYLOAD_KEY]: options.stripeCustomerIds.get(row.customer_id) as string,
            [METER_VALUE_PAYLOAD_KEY]: String(Number(row.quantity)),
          },
        });
        return true;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeRateLimitError) {
          result.rateLimited += 1;
          await sleep(50 * attempt);
          continue;
        }
        result.firstError ??= error instanceof Error ? error.message : String(error);
        await sleep(100 * attempt);
      }
    }
    result.failed += 1;
    return false;
  };

  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  try {
    while (performance.now() < deadline) {
      await client.query("BEGIN");
      const claimStarted = performance.now();
      const claimed = await client.query<TRow>(
        `SELECT id::text AS id, customer_id, quantity::text AS quantity, occurred_at FROM usage_events
         WHERE reported_at IS NULL ORDER BY id LIMIT ${CLAIM_SIZE} FOR UPDATE SKIP LOCKED`,
      );
      result.claimMs += performance.now() - claimStarted;
      if (claimed.rows.length === 0) {
        await client.query("COMMIT");
        break;
      }
      result.claims += 1;
      // One call in flight per customer (Stripe's rule): a customer's events go one after another.
      const byCustomer = new Map<string, TRow[]>();
      for (const row of claimed.rows) byCustomer.set(row.customer_id, [...(byCustomer.get(row.customer_id) ?? []), row]);
      const queues = [...byCustomer.values()];
      const accepted: TRow[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(options.concurrency, queues.length) }, async () => {
          while (next < queues.length) {
            for (const row of queues[next++] as TRow[]) if (await send(row)) accepted.push(row);
          }
        }),
      );
      const markStarted = performance.now();
      await client.query(
        `UPDATE usage_events SET reported_at = now()
         WHERE (customer_id, id) IN (SELECT * FROM unnest($1::uuid[], $2::bigint[]))`,
        [accepted.map((row) => row.customer_id), accepted.map((row) => row.id)],
      );
      await client.query("COMMIT");
      result.markMs += performance.now() - markStarted;
      result.events += accepted.length;
    }
  } finally {
    result.seconds = (performance.now() - started) / 1000;
    await client.end();
  }
  return result;
}
