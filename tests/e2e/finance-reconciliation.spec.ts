// Finance reconciles Acme from the finance page: the run's figures per meter and period (raw,
// reported, Stripe, invoiced), the drift filter, and the run in the audit log.
import { expect, test } from "@playwright/test";
import { keepScreenshot, logIn } from "./helpers";

test("finance runs a reconciliation of Acme and sees its raw usage beside Stripe's figures, and the run in the audit log", async ({ page }) => {
  await logIn(page, "finance@tally.test");
  await page.getByRole("link", { name: "Reconciliation →" }).click();
  await expect(page).toHaveURL(/\/finance\/reconciliation$/);

  await page.getByLabel("Customers").selectOption({ label: "Acme Corp (acme-corp)" });
  await page.getByRole("button", { name: "Run reconciliation now" }).click();
  await expect(page.getByTestId("reconciliation-run-outcome")).toContainText(/Checked \d+ rows?/);
  await expect(page.getByText(/on demand by finance@tally\.test, Acme Corp only/)).toBeVisible();

  await page.getByRole("link", { name: "Every row", exact: true }).click();
  const row = page.getByTestId("reconciliation-rows").getByRole("row").filter({ hasText: "api_requests" }).first();
  // The demo seed recorded 77,000 API requests for Acme this period.
  await expect(row.getByRole("cell").nth(1)).toHaveText("77,000");
  await keepScreenshot(page, "finance-reconciliation", test.info().outputPath.bind(test.info()));

  await page.goto("/finance/audit?action=reconciliation.run");
  await expect(page.getByRole("row").filter({ hasText: "reconciliation.run" }).filter({ hasText: "finance@tally.test" }).first()).toBeVisible();
});
