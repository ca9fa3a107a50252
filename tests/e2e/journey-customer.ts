// A fresh customer for a journey (tests/e2e/fixtures/journey-customer.ts, run against the e2e
// server's database and Stripe emulator): on a test clock, subscribed to Starter, with a member
// login and an ingest API key; and what its product does: send usage through the public API.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { expect, type APIRequestContext } from "@playwright/test";
import { embeddedPostgresUrl } from "../../tools/db/embedded-postgres";
import { APP_DATABASE } from "../../tools/dev/database";
import type { TJourneyCustomer } from "./fixtures/journey-customer";
import { E2E_STRIPE_API_URL, E2E_STRIPE_SECRET_KEY } from "./helpers";
import { E2E_DB_PORT } from "./ports";

const FIXTURE = fileURLToPath(new URL("./fixtures/journey-customer.ts", import.meta.url));

export async function createJourneyCustomer(): Promise<TJourneyCustomer> {
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", FIXTURE], {
    env: { ...process.env, DATABASE_URL: embeddedPostgresUrl(E2E_DB_PORT, APP_DATABASE), STRIPE_SECRET_KEY: E2E_STRIPE_SECRET_KEY, STRIPE_API_URL: E2E_STRIPE_API_URL },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as TJourneyCustomer;
}

/** What the customer's product does: one batch of `value` API requests, timestamped now. */
export async function sendApiRequests(request: APIRequestContext, customer: TJourneyCustomer, value: number, key: string) {
  const response = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${customer.apiKey}` },
    data: { events: [{ customer: customer.externalId, meter: "api_requests", value, timestamp: new Date().toISOString(), idempotency_key: key }] },
  });
  expect(response.status(), await response.text()).toBe(200);
  expect(await response.json()).toMatchObject({ created: 1, duplicates: 0 });
}
