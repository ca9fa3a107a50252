// Test clocks through the official SDK (SEMANTICS.md §8): create / retrieve / list / delete, the
// asynchronous advance (advancing → ready, polled with a short deadline), its limits, one advance at
// a time, hooks that fail, and deletion taking the clock's customers and subscriptions with it.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
});

const DAY = 86_400;
const T0 = 1_704_067_200; // 2024-01-01T00:00:00Z
const T0_PLUS_TWO_YEARS = 1_767_225_600; // 2026-01-01T00:00:00Z (366 + 365 days)
const T0_PLUS_TWO_MONTHS = 1_709_251_200; // 2024-03-01T00:00:00Z (31 + 29 days)

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

/** Polls the clock until it reaches `status` (advances finish in milliseconds here). */
async function waitForStatus(
  id: string,
  status: Stripe.TestHelpers.TestClock.Status,
  stripe: Stripe = e.stripe,
  deadlineMs = 3_000,
): Promise<Stripe.TestHelpers.TestClock> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const clock = await stripe.testHelpers.testClocks.retrieve(id);
    if (clock.status === status) return clock;
    if (Date.now() > deadline) throw new Error(`test clock ${id} is still ${clock.status}, expected ${status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Adds an onClockAdvanced hook for the length of `body`. */
async function withHook(hook: (clockId: string, from: number, to: number) => Promise<void> | void, body: () => Promise<void>): Promise<void> {
  const hooks = e.emulator.hooks.onClockAdvanced;
  hooks.push(hook);
  try {
    await body();
  } finally {
    hooks.splice(hooks.indexOf(hook), 1);
  }
}

async function eventTypesFor(objectId: string): Promise<string[]> {
  const events = await e.stripe.events.list({ limit: 100 });
  return events.data
    .filter((event) => (event.data.object as { id?: string }).id === objectId)
    .map((event) => event.type)
    .reverse();
}

describe("test clocks", () => {
  it("creates, retrieves and lists clocks; a clock is deleted a week after its creation", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0, name: "January" });
    expect(clock).toMatchObject({ object: "test_helpers.test_clock", frozen_time: T0, name: "January", status: "ready", livemode: false, status_details: {} });
    expect(clock.id).toMatch(/^clock_/);
    expect(clock.deletes_after).toBe(clock.created + 7 * DAY);
    expect(await e.stripe.testHelpers.testClocks.retrieve(clock.id)).toEqual(clock);

    const second = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const page = await e.stripe.testHelpers.testClocks.list({ limit: 1 });
    expect(page.data.map((item) => item.id)).toEqual([second.id]);
    expect(page.has_more).toBe(true);
    expect((await e.stripe.testHelpers.testClocks.list({ starting_after: second.id })).data.map((item) => item.id)).toEqual([clock.id]);
    expect(await eventTypesFor(clock.id)).toEqual(["test_helpers.test_clock.created"]);
    expect(await caught(e.stripe.testHelpers.testClocks.retrieve("clock_nope"))).toMatchObject({ statusCode: 404, code: "resource_missing" });
  });

  it("deletes itself, with its customers, once deletes_after has passed", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await e.stripe.customers.create({ test_clock: clock.id });
    const stored = e.emulator.store.get("testClocks", clock.id);
    if (!stored) throw new Error("the clock is not in the store");
    // A week is too long to wait: move the deadline into the past instead.
    e.emulator.store.put("testClocks", { ...stored, deletes_after: Math.floor(Date.now() / 1000) - 1 });
    const deadline = Date.now() + 3_000;
    while (e.emulator.store.get("testClocks", clock.id) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await caught(e.stripe.testHelpers.testClocks.retrieve(clock.id))).toMatchObject({ statusCode: 404 });
    expect(await e.stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true });
  });

  it("keeps a clock's customers at its frozen time, and lists them only by test_clock", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const onClock = await e.stripe.customers.create({ name: "Simulated", test_clock: clock.id });
    const real = await e.stripe.customers.create({ name: "Real" });
    expect(onClock.created).toBe(T0);
    expect(onClock.test_clock).toBe(clock.id);
    const [created] = (await e.stripe.events.list({ type: "customer.created" })).data.filter((event) => (event.data.object as Stripe.Customer).id === onClock.id);
    expect(created?.created).toBe(T0);

    expect((await e.stripe.customers.list()).data.map((customer) => customer.id)).toEqual([real.id]);
    expect((await e.stripe.customers.list({ test_clock: clock.id })).data.map((customer) => customer.id)).toEqual([onClock.id]);
    const expanded = await e.stripe.customers.retrieve(onClock.id, { expand: ["test_clock"] });
    expect((expanded as Stripe.Customer).test_clock).toMatchObject({ id: clock.id, object: "test_helpers.test_clock" });
  });

  it("advances: `advancing` at once, the hooks run with (clock, from, to), then `ready` at the new time", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const calls: [string, number, number][] = [];
    await withHook(
      (clockId, from, to) => {
        calls.push([clockId, from, to]);
      },
      async () => {
        const advancing = await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 10 * DAY });
        expect(advancing).toMatchObject({ status: "advancing", frozen_time: T0, status_details: { advancing: { target_frozen_time: T0 + 10 * DAY } } });
        const ready = await waitForStatus(clock.id, "ready");
        expect(ready).toMatchObject({ frozen_time: T0 + 10 * DAY, status_details: {} });
      },
    );
    expect(calls).toEqual([[clock.id, T0, T0 + 10 * DAY]]);
    expect(await eventTypesFor(clock.id)).toEqual([
      "test_helpers.test_clock.created",
      "test_helpers.test_clock.advancing",
      "test_helpers.test_clock.ready",
    ]);
  });

  it("moves only forward, and at most two years ahead when it has no subscriptions", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const backwards = await caught(e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 - 1 }));
    expect(backwards).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(backwards).toMatchObject({ statusCode: 400, param: "frozen_time" });
    expect(await caught(e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 }))).toMatchObject({ statusCode: 400, param: "frozen_time" });
    const tooFar = await caught(e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0_PLUS_TWO_YEARS + 1 }));
    expect(tooFar).toMatchObject({ statusCode: 400, param: "frozen_time" });
    expect((tooFar as Error).message).toMatch(/two years/);
    expect((await e.stripe.testHelpers.testClocks.retrieve(clock.id)).status).toBe("ready");

    await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0_PLUS_TWO_YEARS });
    expect((await waitForStatus(clock.id, "ready")).frozen_time).toBe(T0_PLUS_TWO_YEARS);
  });

  it("advances at most two intervals of the shortest subscription on the clock", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await e.stripe.customers.create({ test_clock: clock.id });
    const product = await e.stripe.products.create({ name: "Team" });
    const monthly = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: product.id, recurring: { interval: "month" } });
    await e.stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });

    const tooFar = await caught(e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0_PLUS_TWO_MONTHS + 1 }));
    expect(tooFar).toMatchObject({ statusCode: 400, param: "frozen_time" });
    expect((tooFar as Error).message).toContain(String(T0_PLUS_TWO_MONTHS));
    await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0_PLUS_TWO_MONTHS });
    expect((await waitForStatus(clock.id, "ready")).frozen_time).toBe(T0_PLUS_TWO_MONTHS);
  });

  it("refuses a second advance while the first is still running", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await withHook(
      () => held,
      async () => {
        await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
        const second = await caught(e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 2 * DAY }));
        expect(second).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
        expect(second).toMatchObject({ statusCode: 400 });
        expect((second as Error).message).toMatch(/already advancing/);
        expect((await e.stripe.testHelpers.testClocks.retrieve(clock.id)).status).toBe("advancing");
        release();
        expect((await waitForStatus(clock.id, "ready")).frozen_time).toBe(T0 + DAY);
      },
    );
    await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + 2 * DAY });
    expect((await waitForStatus(clock.id, "ready")).frozen_time).toBe(T0 + 2 * DAY);
  });

  it("resumes an advance that a restart cut short", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "stripe-emulator-clock-"));
    try {
      const dataFile = path.join(folder, "state.json");
      const first = await startTestEmulator({ dataFile });
      const { id } = await first.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
      const stored = first.emulator.store.get("testClocks", id);
      if (!stored) throw new Error("the clock is not in the store");
      // What a crash in the middle of an advance leaves on disk.
      first.emulator.store.put("testClocks", { ...stored, status: "advancing", status_details: { advancing: { target_frozen_time: T0 + DAY } } });
      await first.close();

      const second = await startTestEmulator({ dataFile });
      try {
        expect((await waitForStatus(id, "ready", second.stripe)).frozen_time).toBe(T0 + DAY);
      } finally {
        await second.close();
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("ends in internal_failure, with its event, when a hook throws", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    await withHook(
      () => {
        throw new Error("billing cycle exploded");
      },
      async () => {
        await e.stripe.testHelpers.testClocks.advance(clock.id, { frozen_time: T0 + DAY });
        // The clock stays where the hooks left it (the billing cycle, which runs first, moves it).
        expect((await waitForStatus(clock.id, "internal_failure")).status_details).toEqual({});
      },
    );
    expect(await eventTypesFor(clock.id)).toContain("test_helpers.test_clock.internal_failure");
  });

  it("deletes its customers and their subscriptions with it", async () => {
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0 });
    const customer = await e.stripe.customers.create({ name: "Simulated", test_clock: clock.id });
    const elsewhere = await e.stripe.customers.create({ name: "Real" });
    const product = await e.stripe.products.create({ name: "Team" });
    const price = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: product.id, recurring: { interval: "month" } });
    const subscription = await e.stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }] });

    expect(await e.stripe.testHelpers.testClocks.del(clock.id)).toEqual({ id: clock.id, object: "test_helpers.test_clock", deleted: true });
    expect(await caught(e.stripe.testHelpers.testClocks.retrieve(clock.id))).toMatchObject({ statusCode: 404 });
    expect(await e.stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true });
    expect(await caught(e.stripe.subscriptions.retrieve(subscription.id))).toMatchObject({ statusCode: 404 });
    expect((await e.stripe.customers.retrieve(elsewhere.id)).deleted).toBeUndefined();
    expect(await eventTypesFor(clock.id)).toContain("test_helpers.test_clock.deleted");
    expect(await eventTypesFor(customer.id)).toContain("customer.deleted");
  });

  it("can be created for an existing customer, who then stays on it", async () => {
    const customer = await e.stripe.customers.create({ name: "Joins later" });
    const clock = await e.stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: customer.id });
    expect((await e.stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({ test_clock: clock.id });
    const [updated] = (await e.stripe.events.list({ type: "customer.updated" })).data;
    expect(updated?.data.previous_attributes).toEqual({ test_clock: null });

    const another = await caught(e.stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: customer.id }));
    expect(another).toMatchObject({ statusCode: 400, param: "customer" });
    expect(await caught(e.stripe.testHelpers.testClocks.create({ frozen_time: T0, customer: "cus_nope" }))).toMatchObject({
      statusCode: 400,
      param: "customer",
      code: "resource_missing",
    });
  });
});
