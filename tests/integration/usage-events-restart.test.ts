// Dedup lives in the database only: a replay reaching a freshly started process (nothing in its
// memory) is still recognised. Each run of the fixture is a whole app lifetime: its own Node
// process, module graph, Prisma client and connection pool.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/auth/api-keys";
import { db } from "@/lib/db";
import { createCustomer, unique } from "./factories";

const run = promisify(execFile);
const FIXTURE = path.resolve(import.meta.dirname, "fixtures/post-usage-event.ts");

async function postInFreshProcess(apiKey: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", FIXTURE, apiKey, JSON.stringify(body)], { env: process.env });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { status: number; body: Record<string, unknown> };
}

describe("usage events across app restarts", () => {
  it("answers a replay sent to a new process as a duplicate of the original, and a changed payload as a conflict", async () => {
    const customer = await createCustomer();
    const meter = await db.meter.create({ data: { eventName: unique("restart_meter"), displayName: "Restarts", aggregation: "SUM", unitLabel: "unit" } });
    const { key } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    const event = { idempotency_key: unique("req"), customer: customer.externalId, meter: meter.eventName, value: "2.5" };

    const first = await postInFreshProcess(key, event);
    expect(first.status).toBe(201);
    const again = await postInFreshProcess(key, event);
    expect(again).toMatchObject({ status: 200, body: { id: first.body.id, duplicate: true, value: "2.5" } });
    const changed = await postInFreshProcess(key, { ...event, value: "3" });
    expect(changed).toMatchObject({ status: 409, body: { code: "conflict" } });

    expect(await db.usageEvent.count({ where: { customerId: customer.id } })).toBe(1);
    const rollups = await db.usageRollup.findMany({ where: { customerId: customer.id } });
    expect(rollups.map((rollup) => [rollup.quantity.toString(), rollup.eventCount])).toEqual([["2.5", 1n]]);
  });
});
