// One customer's member cannot reach another customer's account through any door the browser has:
// its pages, its API routes, or a server action whose input was rewritten to name the other
// customer. Meanwhile the member's own dashboard, invoices and events download work.
import { readFile } from "node:fs/promises";
import { expect, test } from "@playwright/test";
import { parse } from "csv-parse/sync";
import { withE2eDatabase } from "./database";
import { logIn } from "./helpers";

/** The demo customers' ids, and Globex's subscription as it stands. */
async function demoAccounts() {
  return withE2eDatabase(async (db) => {
    const acme = await db.customer.findUniqueOrThrow({ where: { externalId: "acme-corp" } });
    const globex = await db.customer.findUniqueOrThrow({ where: { externalId: "globex" }, include: { subscriptions: { where: { endedAt: null } } } });
    const subscription = globex.subscriptions[0];
    if (!subscription) throw new Error("the demo data subscribes Globex");
    return { acmeId: acme.id, globexId: globex.id, globexSubscription: subscription };
  });
}

test.describe("a customer's account is theirs alone", () => {
  test("not logged in, a dashboard sends you to log in first", async ({ page }) => {
    const { acmeId } = await demoAccounts();
    await page.goto(`/dashboard/${acmeId}`);
    await expect(page).toHaveURL(`/login?callbackUrl=${encodeURIComponent(`/dashboard/${acmeId}`)}`);
    await expect(page.getByLabel("Password")).toBeVisible();
  });

  test("another customer's pages and API routes answer 404, the same as an id that does not exist", async ({ page }) => {
    const { globexId } = await demoAccounts();
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(/\/dashboard\/[0-9a-f-]{36}$/);

    for (const path of [`/dashboard/${globexId}`, `/dashboard/${globexId}/plans`]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(404);
      await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
      await expect(page.getByText("Globex")).toHaveCount(0);
    }

    for (const path of [`/api/customers/${globexId}/events.csv?period=current`, `/api/customers/${globexId}`]) {
      const response = await page.request.get(path);
      expect(response.status(), path).toBe(404);
      expect(response.headers()["content-type"], path).toContain("application/problem+json");
      expect(await response.json(), path).toMatchObject({ status: 404, code: "not_found" });
    }
  });

  test("a server action rewritten to name another customer changes nothing there and says so", async ({ page }) => {
    const { acmeId, globexId, globexSubscription } = await demoAccounts();
    const startedAt = new Date();
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(`/dashboard/${acmeId}`);
    await page.goto(`/dashboard/${acmeId}/plans`);

    // The browser's server action call (a POST to the page with a `next-action` header) carries
    // the customer id in its body: aim it at Globex.
    let rewritten = 0;
    await page.route(`**/dashboard/${acmeId}/plans`, async (route) => {
      const request = route.request();
      const body = request.postData() ?? "";
      if (request.method() !== "POST" || !(await request.headerValue("next-action")) || !body.includes(acmeId)) return route.continue();
      rewritten += 1;
      return route.continue({ postData: body.replaceAll(acmeId, globexId) });
    });
    // Business is an upgrade for Globex (on Team) too: were the action to reach it, it would change now.
    const business = page.getByTestId("plan-option").and(page.locator('[data-plan="Business"]'));
    await business.getByRole("button", { name: "Upgrade to Business" }).click();
    const dialog = page.getByRole("dialog", { name: "Upgrade to Business" });
    // Opening the dialog asks for Stripe's preview of the change (an action too): refused the same way.
    await expect(dialog.getByTestId("plan-change-preview")).toContainText("Stripe could not preview the change (No such customer.)");
    await dialog.getByTestId("confirm-plan-change").click();
    await expect(dialog.getByRole("alert")).toHaveText("No such customer.");
    await expect(dialog.getByRole("status")).toHaveCount(0);
    expect(rewritten, "the preview's and the change's bodies named Acme and were rewritten").toBe(2);

    const after = await withE2eDatabase(async (db) => ({
      globex: await db.subscription.findUniqueOrThrow({ where: { id: globexSubscription.id } }),
      globexChanges: await db.subscriptionChange.count({ where: { subscriptionId: globexSubscription.id, createdAt: { gte: startedAt } } }),
      globexAudit: await db.auditLog.count({ where: { OR: [{ customerId: globexId }, { entityId: globexSubscription.id }], createdAt: { gte: startedAt } } }),
      acmeChanges: await db.subscriptionChange.count({ where: { subscription: { customerId: acmeId }, createdAt: { gte: startedAt } } }),
    }));
    expect(after.globex).toMatchObject({
      planVersionId: globexSubscription.planVersionId,
      pendingPlanVersionId: globexSubscription.pendingPlanVersionId,
      cancelAtPeriodEnd: globexSubscription.cancelAtPeriodEnd,
      stripeSubscriptionId: globexSubscription.stripeSubscriptionId,
    });
    expect(after.globexChanges).toBe(0);
    expect(after.globexAudit).toBe(0);
    expect(after.acmeChanges).toBe(0);
  });

  test("the member's own dashboard, invoices and events download work", async ({ page }) => {
    const { acmeId } = await demoAccounts();
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(`/dashboard/${acmeId}`);
    await expect(page.getByRole("heading", { name: "Acme Corp", level: 1 })).toBeVisible();
    // The coming invoice: Starter's $49 with the 77,000 requests inside the included 100,000, as Stripe previews it too.
    await expect(page.getByTestId("preview-total")).toHaveText("$49.00");
    await expect(page.getByTestId("stripe-preview")).toContainText("$49.00 — the same, to the cent.");

    const apiRequests = page.getByTestId("meter-card").filter({ has: page.getByRole("heading", { name: "API requests" }) });
    const shownUsage = Number((await apiRequests.getByTestId("usage").textContent())?.replaceAll(",", ""));
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("download-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const csv = await readFile(await download.path(), "utf8");
    expect(csv.split("\r\n")[0]).toBe("id,occurred_at,received_at,meter,quantity,idempotency_key,properties,status,reported_at,stripe_identifier");
    // The download is the dashboard's usage, event by event.
    const apiRequestRows = (parse(csv, { columns: true }) as Record<string, string>[]).filter((row) => row.meter === "api_requests");
    expect(apiRequestRows.length).toBeGreaterThan(0);
    expect(apiRequestRows.reduce((sum, row) => sum + Number(row.quantity), 0)).toBe(shownUsage);

    const href = await page.getByTestId("download-csv").getAttribute("href");
    const response = await page.request.get(href ?? "");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toContain("text/csv");
  });

  test("the member's pages fit a phone and work from the keyboard", async ({ page }) => {
    const { acmeId } = await demoAccounts();
    await page.setViewportSize({ width: 390, height: 844 });
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(`/dashboard/${acmeId}`);
    await expect(page.getByTestId("meter-card").first()).toBeVisible();
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: test.info().outputPath("customer-dashboard-phone.png"), fullPage: true });

    await page.goto(`/dashboard/${acmeId}/plans`);
    await expect(page.getByTestId("plan-option").first()).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.screenshot({ path: test.info().outputPath("customer-plans-phone.png"), fullPage: true });

    // From the keyboard: the first upgrade button opens its confirmation, Escape closes it.
    const upgrade = page.getByRole("button", { name: /^Upgrade to / }).first();
    await upgrade.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog");
    await expect(dialog).toBeVisible();
    await expect(dialog.getByRole("button", { name: "Cancel" })).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(dialog).toBeHidden();
  });
});
