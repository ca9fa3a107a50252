// Finance grants Globex a credit from the finance page: a bad amount is named next to its field, a
// good one reaches Stripe as a billing credit grant and shows in the list and on Globex's dashboard;
// voided, it leaves the dashboard; both are in the audit log.
import { expect, test } from "@playwright/test";
import { keepScreenshot, logIn, stripeEmulator } from "./helpers";

test("finance grants Globex a $12.50 credit, which reaches Stripe and Globex's dashboard, then voids it", async ({ browser }) => {
  const finance = await browser.newPage();
  await logIn(finance, "finance@tally.test");
  await finance.getByRole("link", { name: "Credits →" }).click();
  await expect(finance).toHaveURL(/\/finance\/credits$/);

  const form = finance.getByRole("form", { name: "Grant a credit" });
  await form.getByLabel("Customer").selectOption({ label: "Globex (globex)" });
  await form.getByRole("textbox", { name: "Amount" }).fill("-5");
  await form.getByRole("textbox", { name: "Currency" }).fill("USD");
  await form.getByRole("textbox", { name: "Reason" }).fill("Outage on 20 November");
  await form.getByRole("button", { name: "Grant credit" }).click();
  await expect(finance.locator("#credit-amount-error")).toBeVisible();

  await form.getByRole("textbox", { name: "Amount" }).fill("12.50");
  await form.getByRole("button", { name: "Grant credit" }).click();
  const row = finance.getByTestId("credits").getByRole("row").filter({ hasText: "Outage on 20 November" });
  await expect(row).toContainText("$12.50");
  const grantId = (await row.getByText(/^credgr_\w+$/).textContent())?.trim();
  expect(grantId).toBeTruthy();
  const grant = await stripeEmulator<{ amount: { monetary: { value: number; currency: string } }; voided_at: number | null }>("GET", `/v1/billing/credit_grants/${grantId}`);
  expect(grant.amount.monetary).toEqual({ value: 1250, currency: "usd" });
  await keepScreenshot(finance, "finance-credits", test.info().outputPath.bind(test.info()));

  const customer = await browser.newPage();
  await logIn(customer, "grace@globex.test");
  await expect(customer.getByTestId("credits-in-force")).toContainText("Outage on 20 November");

  await row.getByRole("button", { name: /^Void/ }).click();
  await finance.getByRole("button", { name: /Confirm void/ }).click();
  await expect(row.getByRole("cell", { name: "Void", exact: true })).toBeVisible();
  expect((await stripeEmulator<{ voided_at: number | null }>("GET", `/v1/billing/credit_grants/${grantId}`)).voided_at).not.toBeNull();
  await customer.reload();
  await expect(customer.getByText("Outage on 20 November")).toHaveCount(0);

  await finance.goto("/finance/audit?action=credit.");
  await expect(finance.getByRole("row").filter({ hasText: "credit.granted" }).first()).toBeVisible();
  await expect(finance.getByRole("row").filter({ hasText: "credit.voided" }).first()).toBeVisible();
});
