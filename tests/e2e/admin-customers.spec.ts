// The admin console's customer journey in the browser, checked against the Stripe emulator with the
// official SDK: create a customer, subscribe it, find it, schedule a plan change and a cancellation,
// see it synced; API keys shown once, listed by prefix, revoked; customers refused all of it.
import { randomUUID } from "node:crypto";
import { expect, test, type Page } from "@playwright/test";
import Stripe from "stripe";
import { keepScreenshot, logIn } from "./helpers";
import { E2E_STRIPE_PORT } from "./ports";

const stripe = new Stripe("sk_test_x", { host: "127.0.0.1", port: E2E_STRIPE_PORT, protocol: "http" });

const uniqueSlug = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

/** A plan with a base fee and one per-unit charge, created and published through the plans pages. */
async function publishPlan(page: Page, name: string, baseFeeMinor: string, unitPriceMinor: string) {
  await page.goto("/admin/plans/new");
  await page.getByLabel("Key", { exact: true }).fill(uniqueSlug("e2e-plan"));
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Base fee (minor units)").fill(baseFeeMinor);
  await page.getByRole("button", { name: "Add charge" }).click();
  await page.getByLabel("Charge 1 unit price (minor units)").fill(unitPriceMinor);
  await page.getByRole("button", { name: "Create plan as draft" }).click();
  await expect(page).toHaveURL(/\/admin\/plans\/[0-9a-f-]{36}$/);
  await page.getByRole("button", { name: "Save and publish version 1" }).click();
  // The page re-renders with the version published (the draft editor is gone).
  await expect(page.getByRole("button", { name: "Save and publish version 1" })).toHaveCount(0, { timeout: 20_000 });
  await expect(page.getByText(/^published [A-Z][a-z]{2} \d{1,2}, \d{4}/)).toBeVisible();
}

test.describe("admin console: customers, API keys, Stripe sync", () => {
  test("an admin creates a customer, subscribes it, finds it, schedules a change and a cancel; Stripe has the objects", async ({ page }) => {
    test.setTimeout(180_000);
    const starter = `E2E Starter ${randomUUID().slice(0, 6)}`;
    const growth = `E2E Growth ${randomUUID().slice(0, 6)}`;
    const externalId = uniqueSlug("e2e-customer");
    const name = `Customer ${externalId}`;
    const email = `${externalId}@billing.test`;

    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    await publishPlan(page, starter, "4900", "0.5");
    await publishPlan(page, growth, "9900", "0.25");

    // Create: the detail page shows the Stripe customer, and the emulator has it.
    await page.goto("/admin/customers");
    const form = page.getByRole("form", { name: "New customer" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel("External id").fill(externalId);
    await form.getByLabel("Billing email").fill(email);
    await form.getByRole("button", { name: "Create customer" }).click();
    await expect(page).toHaveURL(/\/admin\/customers\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
    await expect(page.getByTestId("stripe-customer-id")).toHaveText(/^cus_/);
    const stripeCustomerId = (await page.getByTestId("stripe-customer-id").textContent()) ?? "";
    const stripeCustomer = await stripe.customers.retrieve(stripeCustomerId);
    expect(stripeCustomer).toMatchObject({ name, email, metadata: { tally_external_id: externalId } });

    // Subscribe to the published Starter plan, after a confirmation.
    await page.getByLabel("Plan", { exact: true }).selectOption({ label: `${starter} v1 · $49.00 per month` });
    await page.getByRole("button", { name: "Subscribe…" }).click();
    await expect(page.getByTestId("confirmation")).toContainText(`Subscribe ${name} to ${starter} v1 now`);
    await page.getByRole("button", { name: "Confirm subscription" }).click();
    const subscription = page.getByTestId("subscription");
    await expect(subscription).toContainText(`${starter} v1`, { timeout: 20_000 });
    await expect(subscription).toContainText("active");
    await expect(page.getByTestId("stripe-subscription-id")).toHaveText(/^sub_/);
    const stripeSubscriptionId = (await page.getByTestId("stripe-subscription-id").textContent()) ?? "";

    const subscribed = await stripe.subscriptions.retrieve(stripeSubscriptionId);
    expect(subscribed.customer).toBe(stripeCustomerId);
    expect(subscribed.status).toBe("active");
    const prices = subscribed.items.data.map((item) => item.price);
    expect(prices).toHaveLength(2);
    expect(prices.find((price) => price.recurring?.usage_type === "licensed")).toMatchObject({ unit_amount: 4900, currency: "usd", recurring: { interval: "month" } });
    const metered = prices.find((price) => price.recurring?.usage_type === "metered");
    expect(metered?.currency).toBe("usd");
    expect(String(metered?.unit_amount_decimal)).toBe("0.5"); // the SDK returns a Decimal
    await page.screenshot({ path: test.info().outputPath("customer-subscribed.png"), fullPage: true });

    // Search finds it (and only it).
    await page.goto("/admin/customers");
    await page.getByLabel("Search customers").fill(externalId);
    await page.getByLabel("Search customers").press("Enter");
    await expect(page).toHaveURL(new RegExp(`q=${externalId}`));
    const rows = page.getByRole("table", { name: "Customers" }).locator("tbody tr");
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(name);
    await expect(rows.first()).toContainText(`${starter} v1`);
    await expect(rows.first()).toContainText("active");
    await expect(rows.first()).toContainText(stripeCustomerId);
    await page.screenshot({ path: test.info().outputPath("customers-search.png"), fullPage: true });
    await rows.first().getByRole("link", { name }).click();
    await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();

    // Change to Growth at the period end: confirmed with what and when; nothing reaches Stripe yet.
    await page.getByLabel("New plan").selectOption({ label: `${growth} v1 · $99.00 per month` });
    await page.getByLabel(/At the end of the current period/).check();
    await page.getByRole("button", { name: "Change plan…" }).click();
    await expect(page.getByTestId("confirmation")).toContainText(`Move from ${starter} v1 to ${growth} v1 on`);
    await page.getByRole("button", { name: "Confirm plan change" }).click();
    await expect(page.getByTestId("scheduled-change")).toContainText(`To ${growth} v1 on`);
    await expect(page.getByTestId("subscription-history")).toContainText("Plan change scheduled");
    const afterSchedule = await stripe.subscriptions.retrieve(stripeSubscriptionId);
    expect(afterSchedule.items.data.find((item) => item.price.recurring?.usage_type === "licensed")?.price.unit_amount).toBe(4900);

    // Cancel at the period end, confirmed; Stripe has cancel_at_period_end.
    await page.getByRole("button", { name: "Cancel at period end…" }).click();
    await expect(page.getByTestId("confirmation")).toContainText(`Cancel ${starter} v1 on`);
    await page.getByRole("button", { name: "Confirm cancellation" }).click();
    await expect(page.getByText("Cancels on")).toBeVisible();
    await expect(page.getByRole("button", { name: "Undo scheduled cancel" })).toBeVisible();
    expect((await stripe.subscriptions.retrieve(stripeSubscriptionId)).cancel_at_period_end).toBe(true);

    // Every change is in the audit log, with who did it.
    const audit = page.getByTestId("audit-log");
    for (const action of ["customer.created", "subscription.created", "subscription.plan_change_scheduled", "subscription.cancel_scheduled"]) {
      await expect(audit.getByText(action, { exact: true })).toBeVisible();
    }
    await expect(audit).toContainText("admin@tally.test");
    await page.screenshot({ path: test.info().outputPath("customer-detail.png"), fullPage: true });
    await keepScreenshot(page, "admin-customer", (name) => test.info().outputPath(name));

    // Undo the scheduled cancel.
    await page.getByRole("button", { name: "Undo scheduled cancel" }).click();
    await expect(page.getByRole("button", { name: "Cancel at period end…" })).toBeVisible();
    expect((await stripe.subscriptions.retrieve(stripeSubscriptionId)).cancel_at_period_end).toBe(false);

    // The sync page lists the customer and its subscription as synced.
    await page.goto("/admin/sync");
    const customerRow = page.getByTestId("sync-customer").locator("tr", { hasText: name });
    await expect(customerRow).toContainText("synced");
    await expect(customerRow).not.toContainText("not synced");
    await expect(customerRow).toContainText(stripeCustomerId);
    await expect(page.getByTestId("sync-subscription").locator("tr", { hasText: stripeSubscriptionId })).toContainText("synced");
    await page.screenshot({ path: test.info().outputPath("sync.png"), fullPage: true });
  });

  test("an API key's secret is shown once, the list shows only its prefix, and it can be revoked", async ({ page, context }) => {
    await context.grantPermissions(["clipboard-read", "clipboard-write"]);
    const name = uniqueSlug("e2e key");
    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    await page.goto("/admin/api-keys");

    const form = page.getByRole("form", { name: "New API key" });
    await form.getByLabel("Name").fill(name);
    await form.getByLabel(/ADMIN/).check();
    await form.getByRole("button", { name: "Create API key" }).click();
    const shown = page.getByTestId("new-api-key");
    await expect(shown).toContainText("it is shown only this once");
    const secret = await shown.getByLabel("Secret key").inputValue();
    expect(secret).toMatch(/^tly_[A-Za-z0-9_-]{32}$/);
    await shown.getByRole("button", { name: "Copy" }).click();
    await expect(shown).toContainText("Copied to the clipboard.");
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await page.screenshot({ path: test.info().outputPath("api-key-created.png"), fullPage: true });

    const row = page.getByTestId("api-keys").locator("tr", { hasText: name });
    await expect(row).toContainText(`${secret.slice(0, 12)}…`);
    await expect(row).toContainText("ADMIN, INGEST");
    await expect(row).toContainText("Never");

    // After a reload the secret is gone for good.
    await page.reload();
    await expect(page.getByTestId("new-api-key")).toHaveCount(0);
    expect(await page.content()).not.toContain(secret.slice(12));
    await expect(row).toContainText(`${secret.slice(0, 12)}…`);

    await row.getByRole("button", { name: `Revoke ${name}` }).click();
    await expect(row).toContainText("Every call with it fails from now on.");
    await row.getByRole("button", { name: "Confirm revoke" }).click();
    await expect(row).toContainText("Revoked");
    await expect(row.getByRole("button", { name: `Revoke ${name}` })).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath("api-key-revoked.png"), fullPage: true });
  });

  test("a customer gets 403 on the customers, API keys and sync pages", async ({ page }) => {
    await logIn(page, "ada@acme.test");
    await expect(page).toHaveURL(/\/dashboard\//);
    for (const path of ["/admin/customers", "/admin/api-keys", "/admin/sync"]) {
      const response = await page.goto(path);
      expect(response?.status(), path).toBe(403);
      await expect(page.getByRole("heading", { name: "You don't have access to this page" })).toBeVisible();
    }
  });
});
