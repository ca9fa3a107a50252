import { expect, test } from "@playwright/test";
import { logIn } from "./helpers";

test.describe("role and tenant guards in the browser", () => {
  test("a customer is refused the admin and finance areas", async ({ page }) => {
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(/\/dashboard\//);
    for (const path of ["/admin", "/admin/connectors", "/finance", "/finance/reconciliation"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
    }
  });

  test("finance is refused the admin area; an admin may open finance", async ({ browser }) => {
    const finance = await browser.newPage();
    await logIn(finance, "finance@tally.test");
    await expect(finance).toHaveURL(/\/finance$/);
    expect((await finance.goto("/admin"))?.status()).toBe(403);

    const admin = await browser.newPage();
    await logIn(admin, "admin@tally.test");
    await expect(admin).toHaveURL(/\/admin$/);
    expect((await admin.goto("/finance"))?.status()).toBe(200);
  });

  test("a customer cannot open another customer's dashboard or API data", async ({ browser }) => {
    const grace = await browser.newPage();
    await logIn(grace, "grace@globex.test");
    await expect(grace).toHaveURL(/\/dashboard\/[0-9a-f-]{36}$/);
    const globexId = new URL(grace.url()).pathname.split("/").pop() ?? "";
    expect((await grace.request.get(`/api/customers/${globexId}`)).status()).toBe(200);

    const ada = await browser.newPage();
    await logIn(ada, "ada@acme.test");
    await expect(ada).toHaveURL(/\/dashboard\//);
    const page = await ada.goto(`/dashboard/${globexId}`);
    expect(page?.status()).toBe(404);
    await expect(ada.getByRole("heading", { name: "Page not found" })).toBeVisible();
    await expect(ada.getByText("Globex")).toHaveCount(0);

    const api = await ada.request.get(`/api/customers/${globexId}`);
    expect(api.status()).toBe(404);
    expect(await api.json()).toMatchObject({ code: "not_found" });
  });

  test("staff can open any customer's dashboard", async ({ browser }) => {
    const grace = await browser.newPage();
    await logIn(grace, "grace@globex.test");
    await expect(grace).toHaveURL(/\/dashboard\/[0-9a-f-]{36}$/);
    const globexPath = new URL(grace.url()).pathname;

    const finance = await browser.newPage();
    await logIn(finance, "finance@tally.test");
    await expect(finance).toHaveURL(/\/finance$/);
    expect((await finance.goto(globexPath))?.status()).toBe(200);
    await expect(finance.getByRole("heading", { name: "Globex", level: 1 })).toBeVisible();
  });
});
