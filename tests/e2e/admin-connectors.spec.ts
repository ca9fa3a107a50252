// Issue #9 in the browser: the demo SQL source (per-day token totals from the demo product database
// `npm start` creates) and the HubSpot connector (on the local HubSpot fake) have run on their own;
// the product writes more rows, one for an account Tally does not know; the admin's dry run shows
// exactly the change and the bad row and writes nothing; Run now records it and the run keeps the
// row's error; a broken query is refused at its field; the HubSpot fake holds Globex's usage.
import { expect, test } from "@playwright/test";
import pg from "pg";
import { embeddedPostgresUrl } from "../../tools/db/embedded-postgres";
import { DEMO_PRODUCT_DATABASE } from "../../tools/dev/demo-product-database";
import { HUBSPOT_FAKE_TOKEN } from "../../tools/hubspot-fake/server";
import { withE2eDatabase } from "./database";
import { keepScreenshot, logIn } from "./helpers";
import { E2E_DB_PORT, E2E_HUBSPOT_FAKE_PORT } from "./ports";

async function productWrites(sql: string) {
  const client = new pg.Client({ connectionString: embeddedPostgresUrl(E2E_DB_PORT, DEMO_PRODUCT_DATABASE) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Globex's company in the HubSpot fake, found as a CRM user would: by its domain. */
async function globexCompany(): Promise<Record<string, string>> {
  const response = await fetch(`http://127.0.0.1:${E2E_HUBSPOT_FAKE_PORT}/crm/v3/objects/companies/search`, {
    method: "POST",
    headers: { authorization: `Bearer ${HUBSPOT_FAKE_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ", value: "globex.test" }] }], properties: ["tally_usage_ai_tokens", "tally_period_start", "tally_projected_invoice_amount"] }),
  });
  const body = (await response.json()) as { results: { properties: Record<string, string> }[] };
  return body.results[0]?.properties ?? {};
}

test("the demo connectors run on schedule; the admin dry-runs, runs and fixes a SQL source, and HubSpot gets Globex's usage", async ({ page }) => {
  test.setTimeout(60_000);
  await logIn(page, "admin@tally.test");
  await page.getByRole("link", { name: "Connectors", exact: true }).click();
  const list = page.getByTestId("connectors");
  // The worker runs both as soon as it starts.
  await expect(list.getByRole("row").filter({ hasText: "Demo product database" })).toContainText("succeeded", { timeout: 20_000 });
  await expect(list.getByRole("row").filter({ hasText: "HubSpot (local fake)" })).toContainText("succeeded", { timeout: 20_000 });

  // The product records more completions for Globex today, and one for an account Tally doesn't know.
  await productWrites(`INSERT INTO ai_completions (account_id, model, total_tokens) VALUES ('globex', 'gpt-small', 1200), ('globex', 'gpt-large', 800), ('umbrella-corp', 'gpt-small', 5)`);

  await page.getByRole("link", { name: "Demo product database" }).click();
  const eventsBefore = await withE2eDatabase((db) => db.usageEvent.count({ where: { idempotencyKey: { startsWith: "demo-product:" } } }));
  await page.getByRole("button", { name: "Dry run" }).click();
  const dryRun = page.getByTestId("connector-dry-run");
  await expect(dryRun).toContainText("A run now would record 1 event");
  await expect(dryRun).toContainText("1 row has an error");
  await expect(dryRun.getByRole("row").filter({ hasText: "globex" })).toContainText("2000"); // the change: 1,200 + 800
  await expect(dryRun).toContainText('No customer has the external id "umbrella-corp"');
  expect(await withE2eDatabase((db) => db.usageEvent.count({ where: { idempotencyKey: { startsWith: "demo-product:" } } }))).toBe(eventsBefore);

  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("connector-outcome")).toContainText("Recorded 1 event from 2 rows");
  await expect(page.getByTestId("connector-outcome")).toContainText("1 row had errors");
  const latest = page.getByTestId("connector-runs").getByRole("row").nth(1);
  await expect(latest).toContainText("partial");
  await expect(page.getByText(/1 row was not recorded — row \d \(umbrella-corp · ai_tokens · .*\): customer: No customer has the external id "umbrella-corp"/).first()).toBeVisible();
  const recorded = await withE2eDatabase((db) => db.usageEvent.findMany({ where: { idempotencyKey: { startsWith: "demo-product:" } }, orderBy: { id: "desc" }, take: 1 }));
  expect(recorded[0]?.quantity.toString()).toBe("2000");
  expect(recorded[0]?.idempotencyKey).toMatch(/:r2$/);
  await keepScreenshot(page, "admin-connectors", test.info().outputPath.bind(test.info()));

  // A broken query is refused where it was typed, and the stored one is kept.
  await page.getByLabel("Query", { exact: true }).fill("SELECT account_id AS customer FROM ai_completion");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText('relation "ai_completion" does not exist')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Query", { exact: true })).toHaveValue(/FROM ai_completions/);

  // HubSpot: a sync now carries Globex's usage this period onto its company, matched by domain.
  await page.goto("/admin/connectors");
  await page.getByRole("link", { name: "HubSpot (local fake)" }).click();
  await page.getByRole("button", { name: "Run now" }).click();
  await expect(page.getByTestId("connector-outcome")).toContainText("Updated 2 companies for 2 customers");
  await expect(page.getByTestId("connector-companies").getByRole("row").filter({ hasText: "Globex" })).toContainText("matched by domain");
  const usage = await withE2eDatabase(async (db) => {
    const rows = await db.$queryRaw<{ total: string }[]>`
      SELECT sum(e.quantity)::text AS total FROM usage_events e JOIN customers c ON c.id = e.customer_id JOIN meters m ON m.id = e.meter_id
      JOIN subscriptions s ON s.customer_id = c.id AND s.ended_at IS NULL
      WHERE c.external_id = 'globex' AND m.event_name = 'ai_tokens'
        AND e.occurred_at >= s.current_period_start AND e.occurred_at < s.current_period_end`;
    return rows[0]?.total ?? "0";
  });
  const company = await globexCompany();
  expect(Number(company.tally_usage_ai_tokens)).toBe(Number(usage));
  expect(company.tally_period_start).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  expect(Number(company.tally_projected_invoice_amount)).toBeGreaterThan(0);
});
