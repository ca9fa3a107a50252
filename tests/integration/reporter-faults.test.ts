// The reporter when Stripe or the worker fails (DESIGN.md rules 3–6), against real Postgres and the
// Stripe emulator: 500s, dropped connections, slow answers and 429s are retried with backoff and
// delivered once; a worker killed at any point (inside its claim, with calls in flight, mid-batch,
// between Stripe's answer and its mark) loses nothing and double-counts nothing; a line older than
// Stripe's identifier memory is reconciled before a resend; a plan change bills usage once; a
// refusal a retry cannot fix is dead-lettered without blocking anyone.
//
// The emulator is shared by every integration file running in parallel: faults are aimed at this
// test's own customer (or meter) with `body_contains`, and the global limits are left alone.
// `now` is the reporter's clock, set by each test; a line retried is due at now + its backoff, so
// the test moves `now` on between passes. Stripe checks meter event timestamps against the
// customer's test clock, which each test keeps where its events are acceptable.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { db, type Prisma } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { runReporterPass, type TPassResult, type TReporterOptions } from "@/lib/stripe/reporter/run-reporter-pass";
import { changeSubscriptionPlan } from "@/lib/subscriptions/change-subscription-plan";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { adminContext, clockAdvance, clockCustomer, JAN_1, meter, perUnitPlan } from "./catalog-helpers";
import {
  at,
  cycleInvoice,
  DAY,
  drain,
  HOUR,
  injectFault,
  rawTotal,
  recordEvents,
  reporterOptions,
  stripeTotal,
  subscribedCustomer,
  testSender,
  type TEventSpec,
} from "./reporter-helpers";

const FEB_1 = JAN_1 + 31 * DAY;
const MINUTE_MS = 60_000;
const METER_EVENTS = "/v1/billing/meter_events";
const FIXTURE = path.resolve(import.meta.dirname, "fixtures/reporter-process.ts");

type TMeter = Awaited<ReturnType<typeof subscribedCustomer>>["meters"][number];
type TCustomer = Awaited<ReturnType<typeof subscribedCustomer>>["customer"];

/** The reporter's clock, which the test sets and moves. */
function testNow(seconds: number) {
  let current = at(seconds);
  return {
    now: () => current,
    advance(ms: number) {
      current = new Date(current.getTime() + ms);
    },
  };
}

/** Two events an hour for `hours` hours from January 1st on each meter: one line per meter and hour. */
function hourlyUsage(meters: TMeter[], hours: number): TEventSpec[] {
  return meters.flatMap((m) =>
    Array.from({ length: hours }, (_, hour) => [
      { meter: m.eventName, value: m.aggregation === "COUNT" ? 1 : 3 + hour, at: at(JAN_1 + hour * HOUR + 60) },
      { meter: m.eventName, value: m.aggregation === "COUNT" ? 1 : 10 + 2 * hour, at: at(JAN_1 + hour * HOUR + 1_800) },
    ]).flat(),
  );
}

/** A subscribed customer whose test clock and reporter clock stand at `seconds`, with hourly usage recorded. */
async function customerWithUsage(meterCount: number, hours: number, seconds = JAN_1 + 2 * DAY) {
  const subscribed = await subscribedCustomer(meterCount);
  await clockAdvance(subscribed.clock.id, seconds);
  const time = testNow(seconds);
  await recordEvents(subscribed.customer.externalId, hourlyUsage(subscribed.meters, hours), time.now());
  return { ...subscribed, time, stripeCustomerId: subscribed.customer.stripeCustomerId ?? "" };
}

const linesOf = (customerId: string) => db.reportLine.findMany({ where: { customerId }, orderBy: { id: "asc" } });
const waitOf = (line: { nextAttemptAt: Date }, now: Date) => line.nextAttemptAt.getTime() - now.getTime();

/** Stripe's total equals the raw events for each meter: every event counted, none twice. */
async function expectExactTotals(customer: TCustomer, meters: TMeter[], until: number) {
  for (const m of meters) {
    const inStripe = await stripeTotal(m.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(until));
    expect(inStripe, `Stripe's total for ${m.eventName}`).toBe(Number(await rawTotal(customer.id, m.id)));
  }
}

async function stripeTotalsMatch(customer: TCustomer, meters: TMeter[], until: number): Promise<boolean> {
  for (const m of meters) {
    if ((await stripeTotal(m.stripeMeterId ?? "", customer.stripeCustomerId ?? "", at(JAN_1), at(until))) !== Number(await rawTotal(customer.id, m.id))) return false;
  }
  return true;
}

/**
 * Passes until no line of the options' customers is pending, `now` moving 10 minutes on between
 * passes (past any backoff so far). Each pass gets a new sender: `now` jumps but real time does
 * not, and a worker's sender pauses in real time after a 429 — a pause long over by the time the
 * lines it concerned are due again.
 */
async function settle(options: TReporterOptions, time: ReturnType<typeof testNow>, newSender = () => testSender(), maxPasses = 12): Promise<TPassResult[]> {
  const results: TPassResult[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    results.push(await runReporterPass(newSender(), options));
    if ((await db.reportLine.count({ where: { customerId: { in: options.customerIds }, status: "PENDING" } })) === 0) return results;
    time.advance(10 * MINUTE_MS);
  }
  throw new Error(`Lines still pending after ${maxPasses} passes: ${JSON.stringify(results.at(-1))}`);
}

const total = (results: TPassResult[], key: keyof TPassResult) => results.reduce((sum, result) => sum + result[key], 0);

/** Polls `probe` until it returns something truthy. */
async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The emulator's waiting faults aimed at `target`. */
async function faultsAimedAt(target: string): Promise<{ remaining: number }[]> {
  const response = await fetch(`${process.env.STRIPE_API_URL}/_emulator/faults`);
  const { data } = (await response.json()) as { data: { body_contains?: string; remaining: number }[] };
  return data.filter((fault) => fault.body_contains === target);
}

/** A reporter worker in a process of its own (fixtures/reporter-process.ts): one pass for these customers as of `now`. */
function startReporterProcess(customerIds: string[], now: Date) {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE, customerIds.join(","), now.toISOString()], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal, output })),
  );
  return {
    /** SIGKILL: no handler runs, nothing is flushed, the process's connections just close. */
    async kill() {
      child.kill("SIGKILL");
      const end = await exited;
      expect(end.signal, `the worker was to be killed mid-pass, but it ended on its own: ${end.output}`).toBe("SIGKILL");
    },
  };
}

class Rollback extends Error {}

/** Runs `body` while a transaction of the test's own holds the locks `lock` takes; rolls back after. */
async function whileLocked(lock: (tx: Prisma.TransactionClient) => Promise<unknown>, body: (lockerPid: number) => Promise<void>): Promise<void> {
  try {
    await db.$transaction(
      async (tx) => {
        const [locker] = await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
        await lock(tx);
        await body(locker?.pid ?? 0);
        throw new Rollback();
      },
      { maxWait: 10_000, timeout: 60_000 },
    );
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
}

/** The backend blocked on our locks while running a statement that contains `statement`. */
async function blockedBackend(lockerPid: number, statement: string): Promise<number> {
  const [blocked] = await until(`a statement "${statement}" blocked by our locks`, async () => {
    const rows = await db.$queryRaw<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE ${lockerPid}::int = ANY(pg_blocking_pids(pid)) AND query LIKE ${`%${statement}%`}`;
    return rows.length > 0 ? rows : undefined;
  });
  return blocked?.pid ?? 0;
}

/** Waits until a killed worker's backend has noticed and rolled back (its row locks are gone). */
async function backendGone(pid: number): Promise<void> {
  await until(`backend ${pid} to end`, async () => {
    const [row] = await db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS count FROM pg_stat_activity WHERE pid = ${pid}::int`;
    return row?.count === 0;
  });
}

describe("reporter under Stripe failures", () => {
  it("retries lines Stripe answers with 500 later, with backoff and never at once, then delivers each once", async () => {
    const { customer, meters, time, stripeCustomerId } = await customerWithUsage(1, 3);
    await injectFault({ path: METER_EVENTS, action: "error", status: 500, count: 4, body_contains: stripeCustomerId });
    const options = reporterOptions([customer.id], time.now);

    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 6, linesClaimed: 3, sent: 0, retried: 3, dead: 0 });
    for (const line of await linesOf(customer.id)) {
      expect(line).toMatchObject({ status: "PENDING", attempts: 1, sentAt: null, firstAttemptAt: time.now() });
      expect(line.lastError).toMatch(/StripeAPIError: An unexpected error/);
      // First retry: between half and all of one second later.
      expect(waitOf(line, time.now())).toBeGreaterThanOrEqual(500);
      expect(waitOf(line, time.now())).toBeLessThanOrEqual(1_000);
    }
    // No busy loop: a pass at the same moment finds nothing due and calls nobody.
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 0, leased: 0, sent: 0, retried: 0 });
    expect(await faultsAimedAt(stripeCustomerId)).toMatchObject([{ remaining: 1 }]);
    expect(await stripeTotal(meters[0]?.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(JAN_1 + 2 * DAY))).toBe(0);

    time.advance(10 * MINUTE_MS);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 3, sent: 2, retried: 1 });
    const again = (await linesOf(customer.id)).filter((line) => line.status === "PENDING");
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ attempts: 2 });
    expect(waitOf(again[0]!, time.now())).toBeGreaterThanOrEqual(1_000);
    expect(waitOf(again[0]!, time.now())).toBeLessThanOrEqual(2_000);

    time.advance(10 * MINUTE_MS);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 1, sent: 1, duplicates: 0, retried: 0 });
    const lines = await linesOf(customer.id);
    expect(lines.map((line) => [line.status, line.attempts, line.lastError])).toEqual([
      ["SENT", 3, null],
      ["SENT", 2, null],
      ["SENT", 2, null],
    ]);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 0, leased: 0 });
  });

  it("resends a line whose connection dropped after Stripe recorded it, and counts Stripe's 'already exists' as delivered", async () => {
    const { customer, meters, time, stripeCustomerId } = await customerWithUsage(1, 2);
    // Two drops: the call, then the SDK's own immediate retry of it (a replay under the same key).
    await injectFault({ path: METER_EVENTS, action: "drop", count: 2, body_contains: stripeCustomerId });
    const options = reporterOptions([customer.id], time.now);

    expect(await runReporterPass(testSender(), options)).toMatchObject({ linesClaimed: 2, sent: 1, retried: 1, duplicates: 0 });
    const [dropped] = (await linesOf(customer.id)).filter((line) => line.status === "PENDING");
    expect(dropped).toMatchObject({ attempts: 1 });
    expect(dropped?.lastError).toMatch(/StripeConnectionError/);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY); // Stripe has it already

    time.advance(10 * MINUTE_MS);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 1, sent: 1, duplicates: 1 });
    const lines = await linesOf(customer.id);
    expect(lines.every((line) => line.status === "SENT")).toBe(true);
    expect(lines.find((line) => line.id === dropped?.id)?.identifier).toBe(dropped?.identifier);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });

  it("gives up on an answer slower than its timeout, resends later, and counts the event once", async () => {
    const { customer, meters, time, stripeCustomerId } = await customerWithUsage(1, 2);
    await injectFault({ path: METER_EVENTS, action: "delay", delay_ms: 1_500, count: 1, body_contains: stripeCustomerId });
    const options = reporterOptions([customer.id], time.now);
    const newSender = () => testSender({ timeoutMs: 300 });

    const first = await runReporterPass(newSender(), options);
    expect(first).toMatchObject({ linesClaimed: 2, sent: 0, retried: 2 });
    const [slow, next] = await linesOf(customer.id);
    expect(slow?.lastError).toMatch(/timeout/i);
    // The slow call still holds the customer and meter at Stripe: the next line was refused for concurrency.
    expect(next?.lastError).toMatch(/rate_limit/);

    // Stripe finishes the slow call on its own.
    await until("the slow call to land", async () => (await stripeTotal(meters[0]?.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(JAN_1 + DAY))) === Number(slow?.stripeValue));
    time.advance(10 * MINUTE_MS);
    const results = await settle(options, time, newSender);
    expect(total(results, "sent")).toBe(2);
    expect(total(results, "duplicates")).toBe(1);
    expect((await linesOf(customer.id)).every((line) => line.status === "SENT")).toBe(true);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });

  it("rides out a storm of 429s for one customer: backoff grows, one call a line per pass, others keep going, everything arrives once", async () => {
    const stormy = await customerWithUsage(3, 1); // three meters, one line each
    const calm = await customerWithUsage(1, 2);
    const time = stormy.time;
    const storm = 9;
    await injectFault({
      path: METER_EVENTS,
      action: "error",
      status: 429,
      error_type: "invalid_request_error",
      error_code: "rate_limit",
      message: "Too many requests hit the API too quickly.",
      count: storm,
      body_contains: stormy.stripeCustomerId,
    });
    const options = reporterOptions([stormy.customer.id, calm.customer.id], time.now);

    for (let attempt = 1; attempt <= 3; attempt++) {
      const result = await runReporterPass(testSender(), options);
      expect(result).toMatchObject({ retried: 3, dead: 0, sent: attempt === 1 ? 2 : 0 });
      if (attempt === 1) expect((await linesOf(calm.customer.id)).every((line) => line.status === "SENT")).toBe(true);
      const ceiling = 1_000 * 2 ** (attempt - 1);
      for (const line of await linesOf(stormy.customer.id)) {
        expect(line).toMatchObject({ status: "PENDING", attempts: attempt });
        expect(line.lastError).toMatch(/rate_limit/);
        expect(waitOf(line, time.now())).toBeGreaterThanOrEqual(ceiling / 2);
        expect(waitOf(line, time.now())).toBeLessThanOrEqual(ceiling);
      }
      // Not due yet: nothing is called before the backoff is over.
      time.advance(ceiling / 2 - 1);
      expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 0, sent: 0, retried: 0 });
      time.advance(ceiling / 2 + 1);
    }
    expect(await faultsAimedAt(stormy.stripeCustomerId)).toEqual([]);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 3, sent: 3, retried: 0 });
    const lines = await linesOf(stormy.customer.id);
    expect(lines.map((line) => [line.status, line.attempts])).toEqual([
      ["SENT", 4],
      ["SENT", 4],
      ["SENT", 4],
    ]);
    await expectExactTotals(stormy.customer, stormy.meters, JAN_1 + 2 * DAY);
    await expectExactTotals(calm.customer, calm.meters, JAN_1 + 2 * DAY);
  });

  it("dead-letters a line Stripe refuses for good (its customer deleted there), with the error, and sends everyone else", async () => {
    const gone = await customerWithUsage(1, 2);
    const fine = await customerWithUsage(1, 2);
    await getStripe().customers.del(gone.stripeCustomerId);
    const time = gone.time;
    const options = reporterOptions([gone.customer.id, fine.customer.id], time.now);

    expect(await runReporterPass(testSender(), options)).toMatchObject({ linesClaimed: 4, sent: 2, dead: 2, retried: 0 });
    for (const line of await linesOf(gone.customer.id)) {
      expect(line).toMatchObject({ status: "DEAD", heldCode: "stripe_rejected", attempts: 1, sentAt: null });
      expect(line.lastError).toMatch(/No such customer/);
      expect(line.heldReason).toMatch(/Stripe refused/);
    }
    expect(await db.usageEvent.count({ where: { customerId: gone.customer.id, reportedAt: null } })).toBe(4);
    expect((await linesOf(fine.customer.id)).every((line) => line.status === "SENT")).toBe(true);
    await expectExactTotals(fine.customer, fine.meters, JAN_1 + 2 * DAY);
    // Dead lines are not retried.
    time.advance(10 * MINUTE_MS);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 0, leased: 0 });
  });
});

describe("reporter workers killed mid-pass (a process of their own)", () => {
  it("a worker killed inside its claim transaction claimed nothing: the next one claims and sends every event once", async () => {
    const { customer, meters, time } = await customerWithUsage(1, 3);
    const [calls] = meters;
    let blocked = 0;
    // Our lock on the meter row makes the claim's INSERT of its lines (a foreign key check) wait,
    // inside the claim transaction, after it locked the events: the worker is killed there.
    await whileLocked(
      (tx) => tx.$queryRaw`SELECT id FROM meters WHERE id = ${calls?.id}::uuid FOR UPDATE`,
      async (lockerPid) => {
        const worker = startReporterProcess([customer.id], time.now());
        blocked = await blockedBackend(lockerPid, "INSERT INTO report_lines");
        await worker.kill();
      },
    );
    await backendGone(blocked);
    expect(await db.reportLine.count({ where: { customerId: customer.id } })).toBe(0);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportLineId: { not: null } } })).toBe(0);

    time.advance(2 * MINUTE_MS);
    const results = await drain(testSender(), reporterOptions([customer.id], time.now));
    expect(results[0]).toMatchObject({ claimedEvents: 6, linesClaimed: 3, sent: 3, duplicates: 0 });
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });

  it("a worker killed with its calls in flight: after the lease its lines are resent under the same identifiers and count once", async () => {
    const { customer, meters, time, stripeCustomerId } = await customerWithUsage(2, 1); // two meters, one line each, sent at once
    await injectFault({ path: METER_EVENTS, action: "delay", delay_ms: 1_500, count: 2, body_contains: stripeCustomerId });
    const worker = startReporterProcess([customer.id], time.now());
    // Both calls reached Stripe (they used the fault up) and are held there: kill the worker.
    await until("both calls to reach Stripe", async () => (await faultsAimedAt(stripeCustomerId)).length === 0);
    await worker.kill();
    const claimed = await linesOf(customer.id);
    expect(claimed.map((line) => [line.status, line.attempts])).toEqual([
      ["PENDING", 0],
      ["PENDING", 0],
    ]);
    await until("Stripe to finish the calls", () => stripeTotalsMatch(customer, meters, JAN_1 + 2 * DAY));

    // Within the lease nobody else touches them; past it, another worker resends them.
    const options = reporterOptions([customer.id], time.now);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 0, leased: 0 });
    time.advance(2 * MINUTE_MS);
    expect((await drain(testSender(), options))[0]).toMatchObject({ claimedEvents: 0, leased: 2, sent: 2, duplicates: 2 });
    const lines = await linesOf(customer.id);
    expect(lines.map((line) => [line.identifier, line.status])).toEqual(claimed.map((line) => [line.identifier, "SENT"]));
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });

  it("a worker killed mid-batch, after marking part of it: the rest is resent once, the marked part never", async () => {
    // 500 hourly lines on one meter (one outcome chunk, marked as soon as it is full), 3 on another whose first call Stripe holds.
    const { customer, meters, clock } = await subscribedCustomer(2);
    const stripeCustomerId = customer.stripeCustomerId ?? "";
    const [bulk, held] = meters;
    if (!bulk || !held) throw new Error("meters");
    const seconds = JAN_1 + 21 * DAY;
    await clockAdvance(clock.id, seconds);
    const time = testNow(seconds);
    const events: TEventSpec[] = Array.from({ length: 500 }, (_, hour) => ({ meter: bulk.eventName, value: 1 + (hour % 9), at: at(JAN_1 + hour * HOUR + 120) }));
    for (let hour = 0; hour < 3; hour++) events.push({ meter: held.eventName, value: 1, at: at(JAN_1 + hour * HOUR + 300) });
    await recordEvents(customer.externalId, events, time.now());
    await injectFault({ path: METER_EVENTS, action: "delay", delay_ms: 3_000, count: 1, body_contains: held.eventName });

    const worker = startReporterProcess([customer.id], time.now());
    await until("the first chunk to be marked", async () => (await db.reportLine.count({ where: { customerId: customer.id, status: "SENT" } })) > 0);
    await worker.kill();
    const sent = await db.reportLine.count({ where: { customerId: customer.id, meterId: bulk.id, status: "SENT" } });
    expect(sent).toBe(500);
    const heldLines = await db.reportLine.findMany({ where: { customerId: customer.id, meterId: held.id }, orderBy: { id: "asc" } });
    expect(heldLines.map((line) => line.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
    // The held call lands in Stripe after the worker died.
    await until("the held call to land", async () => (await stripeTotal(held.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(seconds))) === 1);

    time.advance(2 * MINUTE_MS);
    const results = await drain(testSender(), reporterOptions([customer.id], time.now));
    expect(results[0]).toMatchObject({ claimedEvents: 0, leased: 3, sent: 3, duplicates: 1 });
    expect(await db.reportLine.count({ where: { customerId: customer.id, status: "SENT" } })).toBe(503);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
    await expectExactTotals(customer, meters, seconds);
  });

  it("a worker killed after Stripe accepted its lines but before it marked them: resent after the lease, 'already exists', counted once", async () => {
    const { customer, meters, time, stripeCustomerId } = await customerWithUsage(2, 1);
    // Stripe answers after a second: time for the test to lock the claimed lines before the worker marks them.
    await injectFault({ path: METER_EVENTS, action: "delay", delay_ms: 1_000, count: 2, body_contains: stripeCustomerId });
    const worker = startReporterProcess([customer.id], time.now());
    await until("the claim to commit", async () => (await db.reportLine.count({ where: { customerId: customer.id } })) === 2);
    let blocked = 0;
    await whileLocked(
      (tx) => tx.$queryRaw`SELECT id FROM report_lines WHERE customer_id = ${customer.id}::uuid FOR UPDATE`,
      async (lockerPid) => {
        await until("Stripe to accept both lines", () => stripeTotalsMatch(customer, meters, JAN_1 + 2 * DAY));
        // The worker has its answers and waits on our lock to mark the lines SENT: killed there.
        blocked = await blockedBackend(lockerPid, "UPDATE report_lines SET status = 'SENT'");
        await worker.kill();
      },
    );
    await backendGone(blocked);
    const unmarked = await linesOf(customer.id);
    expect(unmarked.map((line) => [line.status, line.attempts, line.sentAt])).toEqual([
      ["PENDING", 0, null],
      ["PENDING", 0, null],
    ]);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: { not: null } } })).toBe(0);

    time.advance(2 * MINUTE_MS);
    expect((await drain(testSender(), reporterOptions([customer.id], time.now)))[0]).toMatchObject({ leased: 2, sent: 2, duplicates: 2 });
    expect((await linesOf(customer.id)).every((line) => line.status === "SENT")).toBe(true);
    expect(await db.usageEvent.count({ where: { customerId: customer.id, reportedAt: null } })).toBe(0);
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });
});

describe("reporter past Stripe's 24 h identifier memory", () => {
  it("marks a line pending for over 23 h delivered, without a second meter event, when Stripe's summaries show it arrived", async () => {
    const { customer, meters, clock, time, stripeCustomerId } = await customerWithUsage(1, 1);
    // Stripe records the call, the answer is lost (and that of the SDK's own retry): the line stays pending.
    await injectFault({ path: METER_EVENTS, action: "drop", count: 2, body_contains: stripeCustomerId });
    const options = reporterOptions([customer.id], time.now);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ sent: 0, retried: 1 });
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);

    // A day later (the worker was down): Stripe has forgotten the identifier, so a plain resend would count twice.
    await clockAdvance(clock.id, JAN_1 + 3 * DAY + HOUR);
    time.advance(DAY * 1000 + HOUR * 1000);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 1, sent: 1, duplicates: 1, retried: 0 });
    const [line] = await linesOf(customer.id);
    expect(line).toMatchObject({ status: "SENT", attempts: 2 });
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });

  it("sends a line pending for over 23 h when Stripe's summaries show it never arrived", async () => {
    const { customer, meters, clock, time, stripeCustomerId } = await customerWithUsage(1, 1);
    await injectFault({ path: METER_EVENTS, action: "error", status: 500, count: 1, body_contains: stripeCustomerId });
    const options = reporterOptions([customer.id], time.now);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ sent: 0, retried: 1 });
    expect(await stripeTotal(meters[0]?.stripeMeterId ?? "", stripeCustomerId, at(JAN_1), at(JAN_1 + 2 * DAY))).toBe(0);

    await clockAdvance(clock.id, JAN_1 + 3 * DAY + HOUR);
    time.advance(DAY * 1000 + HOUR * 1000);
    expect(await runReporterPass(testSender(), options)).toMatchObject({ leased: 1, sent: 1, duplicates: 0, dead: 0 });
    await expectExactTotals(customer, meters, JAN_1 + 2 * DAY);
  });
  it("does not let an old line whose summary Stripe refuses (its customer deleted there) stop the pass: it is dead-lettered for reconciliation, others are sent", async () => {
    const gone = await customerWithUsage(1, 1);
    const fine = await customerWithUsage(1, 1);
    const time = gone.time;
    await injectFault({ path: METER_EVENTS, action: "error", status: 500, count: 1, body_contains: gone.stripeCustomerId });
    expect(await runReporterPass(testSender(), reporterOptions([gone.customer.id], time.now))).toMatchObject({ sent: 0, retried: 1 });

    await clockAdvance(gone.clock.id, JAN_1 + 3 * DAY + HOUR);
    await clockAdvance(fine.clock.id, JAN_1 + 3 * DAY + HOUR);
    time.advance(DAY * 1000 + HOUR * 1000);
    await getStripe().customers.del(gone.stripeCustomerId);
    const result = await runReporterPass(testSender(), reporterOptions([gone.customer.id, fine.customer.id], time.now));
    expect(result).toMatchObject({ claimedEvents: 2, sent: 1, dead: 1 });
    const [old] = await linesOf(gone.customer.id);
    // It may have reached Stripe before: never resent blindly, reconciled.
    expect(old).toMatchObject({ status: "DEAD", heldCode: "needs_reconciliation" });
    expect(old?.lastError).toMatch(/No such customer/);
    expect((await linesOf(fine.customer.id)).map((line) => line.status)).toEqual(["SENT"]);
    await expectExactTotals(fine.customer, fine.meters, JAN_1 + 2 * DAY);
  });
});

const CHANGE = JAN_1 + 10 * DAY;

/** Usage of the period before the change: 120 calls. */
const firstHalf = (eventName: string): TEventSpec[] => [
  { meter: eventName, value: 100, at: at(JAN_1 + 2 * DAY) },
  { meter: eventName, value: 20, at: at(JAN_1 + 6 * DAY) },
];

/** A test-clock customer on "starter" (2¢ a call), with "pro" (5¢) to change to; invoice quantities by price. */
async function starterCustomer() {
  const context = await adminContext();
  const calls = await meter(context);
  const starter = await perUnitPlan(context, [calls.id], 2000, "2");
  const pro = await perUnitPlan(context, [calls.id], 4000, "5");
  const { clock, customer } = await clockCustomer(context);
  const subscription = await createSubscription(customer.id, { planVersionId: starter.id }, context);
  /** Units billed at a price across every invoice of the subscription. */
  const quantityAt = async (price: string | null | undefined) => {
    const invoices = (await getStripe().invoices.list({ subscription: subscription.stripeSubscriptionId ?? "", limit: 100 })).data;
    return invoices
      .flatMap((invoice) => invoice.lines.data)
      .filter((line) => line.pricing?.price_details?.price === price)
      .reduce((sum, line) => sum + (line.quantity ?? 0), 0);
  };
  return { context, calls, starter, pro, clock, customer, stripeCustomerId: customer.stripeCustomerId ?? "", subscription, quantityAt };
}

describe("reporter across a plan change", () => {
  it("bills usage before a mid-period change at the old price, and the part of it that arrives late once, at the new price", async () => {
    const { context, calls, starter, pro, clock, customer, stripeCustomerId, subscription, quantityAt } = await starterCustomer();

    // The first part of the period: reported before the change.
    await clockAdvance(clock.id, CHANGE - HOUR);
    const time = testNow(CHANGE - HOUR);
    const options = reporterOptions([customer.id], time.now);
    await recordEvents(customer.externalId, firstHalf(calls.eventName), time.now());
    expect((await drain(testSender(), options))[0]).toMatchObject({ sent: 2 });

    await clockAdvance(clock.id, CHANGE);
    await changeSubscriptionPlan(subscription.id, { planVersionId: pro.id, when: "now" }, context, {}, { now: time.now });

    // After the change: usage from before it arrives late, and usage after it.
    await clockAdvance(clock.id, CHANGE + 3 * HOUR);
    time.advance(4 * HOUR * 1000);
    await recordEvents(
      customer.externalId,
      [
        { meter: calls.eventName, value: 7, at: at(JAN_1 + 8 * DAY) },
        { meter: calls.eventName, value: 50, at: at(CHANGE + HOUR) },
      ],
      time.now(),
    );
    expect((await drain(testSender(), options))[0]).toMatchObject({ claimedEvents: 2, sent: 2, held: 0 });
    const late = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 7 } });
    expect(late).toMatchObject({ late: true, status: "SENT", periodStart: at(JAN_1), periodEnd: at(FEB_1) });
    expect(late.eventAt.getTime()).toBeGreaterThanOrEqual(CHANGE * 1000); // at the new price
    const after = await db.reportLine.findFirstOrThrow({ where: { customerId: customer.id, quantity: 50 } });
    expect(after).toMatchObject({ late: false, windowStart: at(CHANGE + HOUR) });

    // Past the period end and the grace: every unit on an invoice once.
    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    expect((await cycleInvoice(stripeCustomerId, FEB_1))?.status).toBe("paid");
    expect(await quantityAt(starter.charges[0]?.stripePriceId)).toBe(120);
    expect(await quantityAt(pro.charges[0]?.stripePriceId)).toBe(57);
    expect(120 + 57).toBe(Number(await rawTotal(customer.id, calls.id)));
  });
  it("flushes the open window before a change, and refuses the change while Stripe will not take the usage so far, so it is never billed at the new price", async () => {
    const { context, calls, starter, pro, clock, customer, stripeCustomerId, subscription, quantityAt } = await starterCustomer();

    await clockAdvance(clock.id, CHANGE - HOUR);
    const time = testNow(CHANGE - HOUR);
    const options = reporterOptions([customer.id], time.now);
    await recordEvents(customer.externalId, firstHalf(calls.eventName), time.now());
    // Stripe fails: the lines stay pending, with their timestamps before the change to come.
    const outage = await injectFault({ path: METER_EVENTS, action: "error", status: 500, count: 1_000, body_contains: stripeCustomerId });
    expect(await runReporterPass(testSender(), options)).toMatchObject({ claimedEvents: 2, sent: 0, retried: 2 });
    // Usage in the window still open at the change: only a flush sends it before the change.
    time.advance(30 * 60_000);
    await recordEvents(customer.externalId, [{ meter: calls.eventName, value: 3, at: at(CHANGE - HOUR / 2) }], time.now());

    await clockAdvance(clock.id, CHANGE);
    const refused = await changeSubscriptionPlan(subscription.id, { planVersionId: pro.id, when: "now" }, context, {}, { now: time.now }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "service_unavailable" });
    expect((await getStripe().subscriptions.retrieve(subscription.stripeSubscriptionId ?? "")).items.data.map((item) => item.price.id)).not.toContain(
      pro.charges[0]?.stripePriceId,
    );
    expect((await db.subscription.findUniqueOrThrow({ where: { id: subscription.id } })).planVersionId).toBe(starter.id);

    // Stripe recovers: once the lines are due again, the change sends every unit so far first, then swaps.
    await outage.remove();
    time.advance(10 * 60_000);
    await changeSubscriptionPlan(subscription.id, { planVersionId: pro.id, when: "now" }, context, {}, { now: time.now });
    const lines = await db.reportLine.findMany({ where: { customerId: customer.id }, orderBy: { id: "asc" } });
    expect(lines.map((line) => [line.status, line.late, Number(line.quantity)])).toEqual([
      ["SENT", false, 100],
      ["SENT", false, 20],
      ["SENT", false, 3],
    ]);

    await clockAdvance(clock.id, FEB_1 + 2 * HOUR);
    expect(await quantityAt(starter.charges[0]?.stripePriceId)).toBe(123);
    expect(await quantityAt(pro.charges[0]?.stripePriceId)).toBe(0);
  });
});
