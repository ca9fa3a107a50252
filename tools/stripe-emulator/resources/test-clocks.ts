// Test clocks (`/v1/test_helpers/test_clocks`, SEMANTICS.md §8): create, retrieve, list, delete
// and advance.
//
// Advancing answers at once with `status: "advancing"`; then, in the background, every
// `emulator.hooks.onClockAdvanced` hook runs with `(clockId, from, to)` (the billing cycle plays
// out what falls due in between, moving `frozen_time` forward step by step so events carry
// simulated times), and the clock ends at `frozen_time = to`, `status: "ready"` — or
// `internal_failure` when a hook throws. One advance at a time per clock.
//
// Deleting a clock deletes its customers and their subscriptions (§8.6); a clock deletes itself
// once `deletes_after` (created + 7 days) has passed.
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { zExpand, zListParams, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { addIntervals } from "../billing/periods";
import { deleteCustomer } from "./customers";

type TTestClock = Stripe.TestHelpers.TestClock;

const DAY_SECONDS = 86_400;
const LIFETIME_SECONDS = 7 * DAY_SECONDS;
/** Subscriptions that still bill (the ones that bound how far a clock may advance). */
const ENDED_STATUSES = new Set(["canceled", "incomplete_expired"]);

const ZClockCreate = z.strictObject({
  frozen_time: zTimestamp,
  customer: zStr().optional(),
  expand: zExpand,
  name: zStr(300).optional(),
});

export function registerTestClocks(router: Router, emulator: TEmulator): void {
  const advancing = new Set<Promise<void>>();

  router.add("POST", "/v1/test_helpers/test_clocks", (ctx) => {
    const params = ctx.parse(ZClockCreate);
    const customer = params.customer === undefined ? undefined : attachableCustomer(emulator, params.customer);
    const now = emulator.now();
    const clock: TTestClock = {
      id: newId("clock"),
      object: "test_helpers.test_clock",
      created: now,
      deletes_after: now + LIFETIME_SECONDS,
      frozen_time: params.frozen_time,
      livemode: false,
      name: params.name ?? null,
      status: "ready",
      status_details: {},
    };
    emulator.store.put("testClocks", clock);
    emitFromRequest(ctx, "test_helpers.test_clock.created", clock);
    if (customer) {
      const attached: Stripe.Customer = { ...customer, test_clock: clock.id };
      emulator.store.put("customers", attached);
      emitFromRequest(ctx, "customer.updated", attached, { customerId: attached.id, previousAttributes: { test_clock: null } });
    }
    return clock;
  });

  router.add("GET", "/v1/test_helpers/test_clocks/:test_clock", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return getClock(emulator, ctx.params.test_clock ?? "");
  });

  router.add("GET", "/v1/test_helpers/test_clocks", (ctx) => {
    const params = ctx.parse(z.strictObject(zListParams));
    return paginate(emulator.store.list("testClocks"), params, ctx.listUrl);
  });

  router.add("DELETE", "/v1/test_helpers/test_clocks/:test_clock", (ctx) => {
    ctx.parse(z.strictObject({}));
    return deleteClock(emulator, getClock(emulator, ctx.params.test_clock ?? ""), ctx);
  });

  router.add("POST", "/v1/test_helpers/test_clocks/:test_clock/advance", (ctx) => {
    const params = ctx.parse(z.strictObject({ frozen_time: zTimestamp, expand: zExpand }));
    const clock = getClock(emulator, ctx.params.test_clock ?? "");
    if (clock.status === "advancing") {
      throw invalidRequest(
        `The test clock ${clock.id} is already advancing to ${clock.status_details.advancing?.target_frozen_time}; wait until its status is \`ready\` to advance it again.`,
      );
    }
    if (params.frozen_time <= clock.frozen_time) {
      throw invalidRequest(`The test clock can only move forward: frozen_time must be after its current frozen time (${clock.frozen_time}).`, {
        param: "frozen_time",
      });
    }
    const limit = advanceLimit(emulator, clock);
    if (params.frozen_time > limit.latest) {
      throw invalidRequest(
        `Cannot advance the test clock more than ${limit.reason} past its frozen time: the latest frozen_time allowed is ${limit.latest}.`,
        { param: "frozen_time" },
      );
    }
    const from = clock.frozen_time;
    const started: TTestClock = { ...clock, status: "advancing", status_details: { advancing: { target_frozen_time: params.frozen_time } } };
    emulator.store.put("testClocks", started);
    emitFromRequest(ctx, "test_helpers.test_clock.advancing", started);
    startAdvance(clock.id, from, params.frozen_time);
    return structuredClone(started);
  });

  /** Runs an advance in the background, after the current response is sent. */
  const startAdvance = (clockId: string, from: number, to: number) => {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => runAdvance(emulator, clockId, from, to))
      .finally(() => advancing.delete(run));
    advancing.add(run);
  };

  // An advance cut short by a restart (the state is persisted) resumes from where it stopped.
  for (const clock of emulator.store.list("testClocks")) {
    const target = clock.status_details.advancing?.target_frozen_time;
    if (clock.status === "advancing" && target !== undefined) startAdvance(clock.id, clock.frozen_time, target);
  }

  // Stopping the emulator waits for running advances to finish.
  emulator.hooks.onStop.push(async () => {
    await Promise.all(advancing);
  });

  emulator.hooks.onTick.push((now) => {
    for (const clock of emulator.store.list("testClocks")) {
      if (clock.deletes_after <= now && clock.status !== "advancing") deleteClock(emulator, clock, null);
    }
  });
}

export function getClock(emulator: TEmulator, id: string): TTestClock {
  const clock = emulator.store.get("testClocks", id);
  if (!clock) throw resourceMissing("test clock", id);
  return clock;
}

/** Runs the hooks for one advance, then settles the clock at `to` (or in `internal_failure`). */
async function runAdvance(emulator: TEmulator, clockId: string, from: number, to: number): Promise<void> {
  let failed = false;
  try {
    for (const hook of emulator.hooks.onClockAdvanced) await hook(clockId, from, to);
  } catch (error) {
    console.error(`[stripe-emulator] advancing test clock ${clockId} failed`, error);
    failed = true;
  }
  const clock = emulator.store.get("testClocks", clockId);
  if (!clock) return; // deleted (or the emulator reset) while advancing
  const settled: TTestClock = failed
    ? { ...clock, status: "internal_failure", status_details: {} }
    : { ...clock, frozen_time: to, status: "ready", status_details: {} };
  emulator.store.put("testClocks", settled);
  emulator.emit(failed ? "test_helpers.test_clock.internal_failure" : "test_helpers.test_clock.ready", settled);
}

/** Deletes a clock with its customers and their subscriptions; `ctx` is null when it expired. */
function deleteClock(emulator: TEmulator, clock: TTestClock, ctx: TRequestContext | null): Stripe.TestHelpers.DeletedTestClock {
  const { store } = emulator;
  for (const customer of store.list("customers").filter((candidate) => candidate.test_clock === clock.id)) {
    for (const subscription of store.list("subscriptions")) {
      if (subscription.customer === customer.id) store.remove("subscriptions", subscription.id);
    }
    deleteCustomer(emulator, customer, ctx);
  }
  store.remove("testClocks", clock.id);
  if (ctx) emitFromRequest(ctx, "test_helpers.test_clock.deleted", clock);
  else emulator.emit("test_helpers.test_clock.deleted", clock);
  return { id: clock.id, object: "test_helpers.test_clock", deleted: true };
}

/** The customer a new clock is created for: it must exist and not be on a clock already. */
function attachableCustomer(emulator: TEmulator, id: string): Stripe.Customer {
  const customer = emulator.store.get("customers", id);
  if (!customer) throw invalidRequest(`No such customer: '${id}'`, { param: "customer", code: "resource_missing" });
  if (customer.test_clock) {
    throw invalidRequest(`The customer ${id} already belongs to a test clock, and customers cannot leave one.`, { param: "customer" });
  }
  return customer;
}

/**
 * How far a clock may advance (SEMANTICS.md §8.2): two intervals of the shortest subscription on
 * it, or two years when it has none, counted from the current frozen time.
 */
function advanceLimit(emulator: TEmulator, clock: TTestClock): { latest: number; reason: string } {
  const { store } = emulator;
  const customers = new Set(store.list("customers").filter((customer) => customer.test_clock === clock.id).map((customer) => customer.id));
  let limit = { latest: addIntervals(clock.frozen_time, { interval: "year", interval_count: 1 }, 2), reason: "two years (it has no subscriptions)" };
  for (const subscription of store.list("subscriptions")) {
    const customerId = typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id;
    if (!customers.has(customerId) || ENDED_STATUSES.has(subscription.status)) continue;
    for (const item of subscription.items.data) {
      const recurring = item.price.recurring;
      if (!recurring) continue;
      const latest = addIntervals(clock.frozen_time, recurring, 2);
      if (latest < limit.latest) {
        limit = { latest, reason: `two intervals of its shortest subscription (${subscription.id}: every ${recurring.interval_count} ${recurring.interval})` };
      }
    }
  }
  return limit;
}
