// The worker as it runs in production (`npm run worker`, its own Node process) on a database of
// its own: it drains the backlog, and SIGTERM in the middle of a pass lets that pass finish — every
// claimed line sent and marked — before it exits with code 0 and records its stop.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getStripe } from "@/lib/stripe/client";
import { unique } from "./factories";
import { injectFault, stripeTotal } from "./reporter-helpers";
import { withOwnDatabase } from "./test-database";

const WORKER = path.resolve(import.meta.dirname, "../../workers/reporter.ts");
const HOUR_MS = 3_600_000;

describe("the worker process", () => {
  it("finishes the pass in flight on SIGTERM, then stops cleanly", async () => {
    await withOwnDatabase(async (client, url) => {
      const stripe = getStripe();
      const stripeCustomer = await stripe.customers.create({ name: "Worker process test" });
      const eventName = unique("worker_calls").replace(/[^a-z0-9_]/g, "_");
      const stripeMeter = await stripe.billing.meters.create({
        display_name: "Calls",
        event_name: eventName,
        default_aggregation: { formula: "sum" },
        customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
        value_settings: { event_payload_key: "value" },
      });
      const now = Date.now();
      const customer = await client.customer.create({ data: { externalId: "acme", name: "Acme", stripeCustomerId: stripeCustomer.id } });
      const meter = await client.meter.create({ data: { eventName, displayName: "Calls", aggregation: "SUM", unitLabel: "call", stripeMeterId: stripeMeter.id } });
      const plan = await client.plan.create({ data: { key: "team", name: "Team", versions: { create: { version: 1, currency: "usd", status: "PUBLISHED", publishedAt: new Date(now - 48 * HOUR_MS) } } }, include: { versions: true } });
      await client.subscription.create({
        data: {
          customerId: customer.id,
          planVersionId: plan.versions[0]?.id ?? "",
          status: "ACTIVE",
          stripeSubscriptionId: unique("sub_worker"),
          billingCycleAnchorAt: new Date(now - 48 * HOUR_MS),
          startedAt: new Date(now - 48 * HOUR_MS),
          currentPeriodStart: new Date(now - 48 * HOUR_MS),
          currentPeriodEnd: new Date(now + 28 * 24 * HOUR_MS),
        },
      });
      // 30 closed hours with 2 events each: 30 lines, sent one after another (one customer and meter).
      await client.$executeRaw`
        INSERT INTO usage_events (customer_id, meter_id, idempotency_key, quantity, payload_hash, occurred_at)
        SELECT ${customer.id}::uuid, ${meter.id}::uuid, 'evt-' || g, (g % 5) + 1, '\\x00'::bytea,
               date_trunc('hour', now()) - ((g / 2) + 1) * interval '1 hour' + (g % 2) * interval '1 minute'
        FROM generate_series(0, 59) AS g`;
      // Each call takes a moment, so the pass is still sending when the signal arrives.
      await injectFault({ path: "/v1/billing/meter_events", action: "delay", delay_ms: 150, count: 30, body_contains: stripeCustomer.id });

      const child = spawn(process.execPath, ["--import", "tsx", WORKER], {
        env: { ...process.env, DATABASE_URL: url, TALLY_WORKER_POLL_MS: "100" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

      // Signal once the claim is committed: the pass is then sending its 30 calls (about 4.5 s).
      const deadline = Date.now() + 30_000;
      while ((await client.reportLine.count({ where: { status: "PENDING" } })) < 30) {
        if (Date.now() > deadline) throw new Error(`The worker sent nothing:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      // The signal came while the lines were on their way.
      expect(output.indexOf("stopping after the pass in flight")).toBeLessThan(output.indexOf('"msg":"pass"'));

      const lines = await client.reportLine.findMany();
      expect(lines).toHaveLength(30);
      expect(lines.every((line) => line.status === "SENT")).toBe(true);
      expect(await client.usageEvent.count({ where: { reportedAt: null } })).toBe(0);
      expect(output).toContain("stopping after the pass in flight");
      expect(output).toContain("reporter stopped");
      const worker = await client.reporterWorker.findFirstOrThrow();
      expect(worker.stoppedAt).not.toBeNull();
      const raw = await client.$queryRaw<{ total: string }[]>`SELECT sum(quantity)::text AS total FROM usage_events`;
      expect(await stripeTotal(stripeMeter.id, stripeCustomer.id, new Date(now - 48 * HOUR_MS - 60_000 - (now % 60_000)), new Date(now - (now % 60_000) + 60_000))).toBe(Number(raw[0]?.total));
    });
  });
});
