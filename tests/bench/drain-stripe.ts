// The Stripe side of the reporter benchmark, through the official SDK against the emulator: the
// limits (live mode's, set explicitly), the meter and the customers, and what Stripe recorded —
// meter event summaries through the API, and every meter event from the emulator's append-only
// log (`<data file>.meter-events.jsonl`), which the API has no way to list.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createInterface } from "node:readline";
import type Stripe from "stripe";
import { createStripeClient } from "@/lib/stripe/client";
import { METER_CUSTOMER_PAYLOAD_KEY, METER_VALUE_PAYLOAD_KEY } from "@/lib/stripe/meter-payload";

export const BENCH_STRIPE_KEY = "sk_test_bench";

/** Live mode's meter event limits (the emulator's defaults, set here so the report can state them). */
export const LIVE_MODE_LIMITS = { meterEventsPerSecond: 1_000, meterEventConcurrencyPerCustomer: true, meterEventStreamEventsPerSecond: 10_000 };

export type TEmulatorLimits = typeof LIVE_MODE_LIMITS;

export async function setEmulatorLimits(url: string, limits: TEmulatorLimits): Promise<TEmulatorLimits> {
  const response = await fetch(`${url}/_emulator/config`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(limits) });
  if (!response.ok) throw new Error(`POST /_emulator/config answered ${response.status}: ${await response.text()}`);
  const config = (await response.json()) as TEmulatorLimits;
  return {
    meterEventsPerSecond: config.meterEventsPerSecond,
    meterEventConcurrencyPerCustomer: config.meterEventConcurrencyPerCustomer,
    meterEventStreamEventsPerSecond: config.meterEventStreamEventsPerSecond,
  };
}

export const benchStripe = (apiUrl: string, maxNetworkRetries = 2): Stripe => createStripeClient({ apiKey: BENCH_STRIPE_KEY, apiUrl, maxNetworkRetries });

export async function createStripeMeter(stripe: Stripe, eventName: string): Promise<string> {
  const meter = await stripe.billing.meters.create({
    display_name: "Bench units",
    event_name: eventName,
    default_aggregation: { formula: "sum" },
    customer_mapping: { type: "by_id", event_payload_key: METER_CUSTOMER_PAYLOAD_KEY },
    value_settings: { event_payload_key: METER_VALUE_PAYLOAD_KEY },
  });
  return meter.id;
}

/**
 * `count` customers, `concurrency` creations in flight; their ids in creation order. (Past 100 in
 * flight the SDK's telemetry buffer overflows and it warns on every call.)
 */
export async function createStripeCustomers(stripe: Stripe, count: number, concurrency = 100): Promise<string[]> {
  const ids: string[] = new Array<string>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        ids[index] = (await stripe.customers.create({ name: `Bench customer ${index + 1}` })).id;
      }
    }),
  );
  return ids;
}

/**
 * Each customer's meter total over [start, end) (whole minutes), from Stripe's event summaries:
 * the number Stripe would bill.
 */
export async function readMeterTotals(stripe: Stripe, meterId: string, customers: string[], range: { start: number; end: number }): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  const start = Math.floor(range.start / 60) * 60;
  const end = Math.ceil(range.end / 60) * 60;
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < customers.length) {
        const customer = customers[next++] as string;
        const summaries = await stripe.billing.meters.listEventSummaries(meterId, { customer, start_time: start, end_time: end });
        totals.set(customer, summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0));
      }
    }),
  );
  return totals;
}

export type TRecordedMeterEvent = { identifier: string; customer: string; value: string; timestamp: number };

/** The emulator's meter event log, read from where a run started. */
export class MeterEventLog {
  readonly #file: string;

  constructor(dataFile: string) {
    this.#file = `${dataFile}.meter-events.jsonl`;
  }

  /** The log's current end: a run's records are the ones after it. */
  mark(): number {
    return existsSync(this.#file) ? statSync(this.#file).size : 0;
  }

  /**
   * The meter events added after `offset`, once the log has stopped growing for `quietMs` (the
   * emulator writes it every 200 ms, and records stream events after answering).
   */
  async readSince(offset: number, quietMs = 1_500): Promise<TRecordedMeterEvent[]> {
    let size = this.mark();
    for (let quiet = 0; quiet < quietMs; quiet += 250) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = this.mark();
      if (now !== size) {
        size = now;
        quiet = -250;
      }
    }
    const records: TRecordedMeterEvent[] = [];
    if (size <= offset) return records;
    // Streamed line by line: a large run's log is hundreds of megabytes.
    const lines = createInterface({ input: createReadStream(this.#file, { start: offset, end: size - 1 }) });
    for await (const line of lines) {
      if (!line) continue;
      const entry = JSON.parse(line) as { add?: TRecordedMeterEvent; cancel?: string };
      if (entry.add) records.push({ identifier: entry.add.identifier, customer: entry.add.customer, value: entry.add.value, timestamp: entry.add.timestamp });
      // The benchmark never cancels; a cancel would show as a foreign record.
      if (entry.cancel) records.push({ identifier: `cancel:${entry.cancel}`, customer: "", value: "0", timestamp: 0 });
    }
    return records;
  }
}

export type TStripeComparison = {
  /** Meter events Stripe recorded in the run, and how many distinct identifiers they have. */
  recorded: number;
  distinct: number;
  /** Lines Tally marked sent that Stripe does not have. */
  missing: number;
  missingEvents: number;
  /** Identifiers recorded more than once, or that no sent line carries. */
  duplicates: number;
  foreign: number;
  /** Recorded events whose value differs from the line's. */
  valueMismatches: number;
  recordedValue: bigint;
};

/** Stripe's records against what Tally marked sent: identifier → { value, events it carries }. */
export function compareWithSent(records: TRecordedMeterEvent[], sent: Map<string, { value: bigint; events: number }>): TStripeComparison {
  const seen = new Map<string, number>();
  let foreign = 0;
  let valueMismatches = 0;
  let recordedValue = 0n;
  for (const record of records) {
    seen.set(record.identifier, (seen.get(record.identifier) ?? 0) + 1);
    recordedValue += BigInt(record.value);
    const line = sent.get(record.identifier);
    if (!line) foreign += 1;
    else if (line.value !== BigInt(record.value)) valueMismatches += 1;
  }
  let missing = 0;
  let missingEvents = 0;
  for (const [identifier, line] of sent) {
    if (!seen.has(identifier)) {
      missing += 1;
      missingEvents += line.events;
    }
  }
  const duplicates = [...seen.values()].reduce((sum, n) => sum + (n - 1), 0);
  return { recorded: records.length, distinct: seen.size, missing, missingEvents, duplicates, foreign, valueMismatches, recordedValue };
}
