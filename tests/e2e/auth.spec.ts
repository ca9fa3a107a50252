import { expect, test } from "@playwright/test";
import { expectLoggedInAs, logIn } from "./helpers";

test.describe("logging in", () => {
  test("an admin lands on the admin area", async ({ page }) => {
    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    await expect(page.getByRole("heading", { name: "Admin", level: 1 })).toBeVisible();
    await expectLoggedInAs(page, "admin@tally.test");
    await expect(page.getByRole("cell", { name: "Acme Corp" })).toBeVisible();
  });

  test("finance lands on the finance area", async ({ page }) => {
    await logIn(page, "finance@tally.test");
    await expect(page).toHaveURL(/\/finance$/);
    await expect(page.getByRole("heading", { name: "Finance", level: 1 })).toBeVisible();
  });

  test("a customer lands on their usage dashboard", async ({ page }) => {
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(/\/dashboard\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name: "Acme Corp", level: 1 })).toBeVisible();
    await expect(page.getByText("acme-corp")).toBeVisible();
  });

  test("a wrong password shows an error and logs nobody in", async ({ page }) => {
    await logIn(page, "admin@tally.test", "not-the-password");
    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/admin");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Fadmin$/);
  });

  test("an unknown email gets the same error", async ({ page }) => {
    await logIn(page, "nobody@tally.test", "whatever-password");
    await expect(page.getByRole("alert").filter({ hasText: "Wrong email or password." })).toBeVisible();
  });

  test("a protected page sends you to log in, then back", async ({ page }) => {
    await page.goto("/finance");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Ffinance$/);
    await page.getByLabel("Email").fill("admin@tally.test");
    await page.getByLabel("Password").fill("tally-admin-demo");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/\/finance$/);
  });

  test("the login page never redirects off the site", async ({ page }) => {
    await page.goto("/login?callbackUrl=https%3A%2F%2Fevil.example%2F");
    await page.getByLabel("Email").fill("admin@tally.test");
    await page.getByLabel("Password").fill("tally-admin-demo");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect(page).toHaveURL(/localhost:\d+\/admin$/);
  });

  test("signing out ends the session", async ({ page }) => {
    await logIn(page, "finance@tally.test");
    await expect(page).toHaveURL(/\/finance$/);
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/finance");
    await expect(page).toHaveURL(/\/login\?callbackUrl=%2Ffinance$/);
  });
});
