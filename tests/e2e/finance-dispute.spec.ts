// Finance proves a customer's usage from raw events: the dispute CSV and its summary from the
// finance page's form, parsed back to the exact total the customer's dashboard shows, and the
// downloads in the audit log.
import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { expect, test, type Page } from "@playwright/test";
import { logIn } from "./helpers";

/** A datetime-local value in UTC, to the second. */
const local = (instant: Date) => instant.toISOString().slice(0, 19);

async function download(page: Page, linkName: RegExp): Promise<Record<string, string>[]> {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: linkName }).click()]);
  expect(file.suggestedFilename()).toMatch(/^acme-corp-dispute.*\.csv$/);
  return parse(await readFile(await file.path(), "utf8"), { columns: true }) as Record<string, string>[];
}

test("finance downloads Acme's dispute CSV and summary, equal to the raw usage, and finds the downloads in the audit log", async ({ page }) => {
  await logIn(page, "finance@tally.test");
  await expect(page).toHaveURL(/\/finance$/);
  await page.getByLabel("Customer").selectOption({ label: "Acme Corp (acme-corp)" });
  const now = Date.now();
  await page.getByLabel("Period start (UTC)").fill(local(new Date(now - 2 * 86_400_000)));
  await page.getByLabel("Period end (UTC, excluded)").fill(local(new Date(now + 86_400_000)));
  await page.getByRole("button", { name: "Prepare downloads" }).click();
  await expect(page.getByTestId("dispute-downloads")).toBeVisible();

  // The demo seed recorded 77,000 API requests for Acme in five events.
  const events = await download(page, /^Dispute CSV/);
  const requests = events.filter((row) => row.meter === "api_requests");
  expect(requests).toHaveLength(5);
  expect(requests.reduce((sum, row) => sum + Number(row.quantity), 0)).toBe(77_000);
  for (const row of requests) expect(row.idempotency_key).toMatch(/^demo-acme-corp-api_requests-/);

  const summary = await download(page, /^Summary CSV/);
  expect(summary.length).toBeGreaterThan(0);
  expect(JSON.stringify(summary)).toContain("77000");

  await page.goto("/finance/audit?action=dispute_csv.downloaded");
  await expect(page.getByRole("row").filter({ hasText: "dispute_csv.downloaded" }).filter({ hasText: "finance@tally.test" }).first()).toBeVisible();
});
