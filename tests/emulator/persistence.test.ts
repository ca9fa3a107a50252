// State survives a restart on the same data file; `/_emulator/reset` empties it; the CLI
// (`main.ts`) starts on a port, saves its state and exits cleanly on SIGTERM.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkFor, startTestEmulator } from "./harness";

let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "stripe-emulator-persistence-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe("a data file", () => {
  it("keeps every object and event across a restart, and reset empties it", async () => {
    const dataFile = path.join(folder, "restart.json");
    const first = await startTestEmulator({ dataFile });
    const endpoint = await first.stripe.webhookEndpoints.create({ url: "https://tally.example/hooks", enabled_events: ["*"], metadata: { env: "test" } });
    const product = await first.stripe.products.create({ name: "API calls" });
    const price = await first.stripe.prices.create({ currency: "usd", unit_amount: 25, product: product.id });
    const customer = await first.stripe.customers.create({ email: "ada@tally.example" });
    const meter = await first.stripe.billing.meters.create({ display_name: "API calls", event_name: "api_call", default_aggregation: { formula: "sum" } });
    const metered = await first.stripe.prices.create({
      currency: "usd",
      product: product.id,
      unit_amount: 2,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    const subscription = await first.stripe.subscriptions.create({ customer: customer.id, items: [{ price: metered.id }] });
    // Three events in the last minute: 4 + 5 + 6 = 15 over [minute - 60 s, minute + 60 s).
    const now = Math.floor(Date.now() / 1000);
    for (const value of ["4", "5", "6"]) {
      await first.stripe.billing.meterEvents.create({ event_name: "api_call", payload: { stripe_customer_id: customer.id, value }, timestamp: now });
    }
    const window = { customer: customer.id, start_time: Math.floor(now / 60) * 60 - 60, end_time: Math.floor(now / 60) * 60 + 60 };
    const summary = await first.stripe.billing.meters.listEventSummaries(meter.id, window);
    expect(summary.data[0]?.aggregated_value).toBe(15);
    const events = await first.stripe.events.list({ limit: 100 });
    expect(events.data.length).toBeGreaterThan(0);
    await first.close();

    const second = await startTestEmulator({ dataFile });
    try {
      expect((await second.stripe.webhookEndpoints.retrieve(endpoint.id)).metadata).toEqual({ env: "test" });
      expect((await second.stripe.products.retrieve(product.id)).name).toBe("API calls");
      expect((await second.stripe.prices.retrieve(price.id)).unit_amount).toBe(25);
      expect((await second.stripe.customers.retrieve(customer.id)) as { email?: string | null }).toMatchObject({ email: "ada@tally.example" });
      expect((await second.stripe.subscriptions.retrieve(subscription.id)).items.data[0]?.price.id).toBe(metered.id);
      expect((await second.stripe.billing.meters.listEventSummaries(meter.id, window)).data[0]?.aggregated_value).toBe(15);
      const restored = await second.stripe.events.list({ limit: 100 });
      expect(restored.data.map((event) => event.id)).toEqual(events.data.map((event) => event.id));
      // The endpoint keeps its secret: deliveries after the restart are signed as before.
      const state = JSON.parse(await readFile(dataFile, "utf8")) as { webhookEndpoints: Record<string, { secret: string }> };
      expect(state.webhookEndpoints[endpoint.id]?.secret).toBe(endpoint.secret);

      await second.control("POST", "/_emulator/reset");
      expect((await second.stripe.webhookEndpoints.list()).data).toEqual([]);
      expect((await second.stripe.products.list()).data).toEqual([]);
      expect((await second.stripe.customers.list()).data).toEqual([]);
      expect((await second.stripe.subscriptions.list()).data).toEqual([]);
      expect((await second.stripe.events.list()).data).toEqual([]);
    } finally {
      await second.close();
    }

    const third = await startTestEmulator({ dataFile });
    try {
      expect((await third.stripe.webhookEndpoints.list()).data).toEqual([]);
      expect((await third.stripe.events.list()).data).toEqual([]);
      expect((await third.stripe.billing.meters.list()).data).toEqual([]);
    } finally {
      await third.close();
    }
  });
});

describe("the CLI", () => {
  it("listens, saves its state and exits 0 on SIGTERM", async () => {
    const dataFile = path.join(folder, "cli.json");
    const child = spawn(process.execPath, ["--import", "tsx", "tools/stripe-emulator/main.ts"], {
      cwd: path.resolve(import.meta.dirname, "../.."),
      env: { ...process.env, STRIPE_EMULATOR_PORT: "0", STRIPE_EMULATOR_DATA: dataFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the CLI did not start: ${output}`)), 20_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });

    // Without a configured key, any test key is accepted.
    const stripe = sdkFor(url, {}, "sk_test_cli_check");
    const endpoint = await stripe.webhookEndpoints.create({ url: "https://tally.example/hooks", enabled_events: ["*"] });
    child.kill("SIGTERM");
    expect(await exited).toBe(0);

    const state = JSON.parse(await readFile(dataFile, "utf8")) as { webhookEndpoints: Record<string, unknown> };
    expect(Object.keys(state.webhookEndpoints)).toEqual([endpoint.id]);
  });
});
