// The customer's journey, end to end: a member of a fresh Starter customer logs in, their product
// sends usage, the dashboard and an email tell them at 75 % and 100 % of the included requests,
// they compare plans and upgrade to Team (a double click changes Stripe once), and when Stripe's
// clock passes the period end the usage before the upgrade is billed once, at Starter's price, on
// invoices whose lines add up — which the dashboard then lists.
import { expect, test, type Page } from "@playwright/test";
import type Stripe from "stripe";
import { withE2eDatabase } from "./database";
import { caughtEmails, keepScreenshot, logIn, stripeEmulator } from "./helpers";
import { createJourneyCustomer, sendApiRequests } from "./journey-customer";

const DAY_SECONDS = 86_400;

/** Moves the customer's Stripe test clock to `frozenTime` and waits until Stripe has run everything due by then. */
async function advanceClock(clockId: string, frozenTime: number) {
  await stripeEmulator("POST", `/v1/test_helpers/test_clocks/${clockId}/advance`, { frozen_time: String(frozenTime) });
  await expect
    .poll(async () => {
      const clock = await stripeEmulator<Stripe.TestHelpers.TestClock>("GET", `/v1/test_helpers/test_clocks/${clockId}`);
      return { status: clock.status, frozenTime: clock.frozen_time };
    }, { timeout: 60_000 })
    .toEqual({ status: "ready", frozenTime });
}

/** Stripe's `customer.subscription.updated` events for one subscription. */
async function subscriptionUpdates(stripeSubscriptionId: string): Promise<number> {
  let count = 0;
  let startingAfter: string | undefined;
  for (;;) {
    const page = await stripeEmulator<Stripe.ApiList<Stripe.Event>>("GET", "/v1/events", {
      type: "customer.subscription.updated",
      limit: "100",
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    count += page.data.filter((event) => (event.data.object as { id?: string }).id === stripeSubscriptionId).length;
    if (!page.has_more) return count;
    startingAfter = page.data.at(-1)?.id;
  }
}

async function invoiceLines(invoice: Stripe.Invoice): Promise<Stripe.InvoiceLineItem[]> {
  if (!invoice.lines.has_more) return invoice.lines.data;
  return (await stripeEmulator<Stripe.ApiList<Stripe.InvoiceLineItem>>("GET", `/v1/invoices/${invoice.id}/lines`, { limit: "100" })).data;
}

const usd = (minor: number) => (minor / 100).toLocaleString("en-US", { style: "currency", currency: "USD" });

/** Reloads until `check` passes: the dashboard is a server-rendered page, and the worker acts in the background. */
async function reloadUntil(page: Page, check: () => Promise<void>, timeout = 30_000) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout });
}

test("a customer sees usage and alerts, upgrades once, and is billed for the usage before the upgrade at the old price", async ({ page, request }) => {
  test.setTimeout(240_000);
  const customer = await createJourneyCustomer();
  const dashboardPath = `/dashboard/${customer.customerId}`;
  const apiRequests = page.getByTestId("meter-card").filter({ has: page.getByRole("heading", { name: "API requests" }) });
  const banners = page.getByTestId("usage-alert-banner");
  const planStat = page.getByText("Plan", { exact: true }).locator("xpath=following-sibling::p[1]");

  await test.step("the member logs in to an empty Starter dashboard", async () => {
    await logIn(page, customer.email, customer.password);
    await expect(page).toHaveURL(dashboardPath);
    await expect(planStat).toHaveText("Starter");
    await expect(apiRequests.getByTestId("usage")).toHaveText("0");
    await expect(apiRequests).toContainText("/ 100,000 request");
    await expect(apiRequests.getByTestId("percent-used")).toHaveText("0% of included");
    await expect(banners).toHaveCount(0);
    await expect(page.getByText("No alerts this period.")).toBeVisible();
  });

  await test.step("76,000 requests: the usage, the 75 % alert on the page and by email", async () => {
    await sendApiRequests(request, customer, 76_000, "journey-1");
    await reloadUntil(page, async () => {
      await expect(apiRequests.getByTestId("usage")).toHaveText("76,000", { timeout: 1_000 });
      await expect(banners).toHaveAttribute("data-threshold", "75", { timeout: 1_000 });
    });
    await expect(banners).toHaveCount(1);
    await expect(banners).toContainText("API requests: 75% of the included quantity used.");
    await expect(apiRequests.getByTestId("percent-used")).toHaveText("76% of included");
    await expect(apiRequests.getByRole("progressbar")).toHaveAttribute("data-level", "notice");
    await expect(apiRequests.getByTestId("projected-usage")).toContainText(/[\d,]+ request/);
    await expect(apiRequests.getByTestId("projected-cost")).toContainText(/^\$0\.00 → \$[\d,]+\.\d{2}$/);
    await expect(page.getByTestId("preview-total")).toHaveText("$49.00");
    await expect(page.getByTestId("projected-total")).toHaveText(/^\$[\d,]+\.\d{2}$/);
    await expect(page.getByTestId("stripe-preview")).toContainText("Stripe's preview of this invoice");
    await expect(page.getByTestId("alert-list")).toContainText("API requests reached 75% of its included quantity");
    await expect(apiRequests.getByTestId("daily-usage-chart")).toBeVisible();
    await expect.poll(async () => (await caughtEmails(customer.email)).map((message) => message.subject), { timeout: 30_000 }).toContainEqual(expect.stringContaining("75%"));
    await keepScreenshot(page, "customer-dashboard", (name) => test.info().outputPath(name));
  });

  await test.step("120,000 requests, past the included 100,000: the 100 % alert", async () => {
    await sendApiRequests(request, customer, 44_000, "journey-2");
    await reloadUntil(page, async () => {
      await expect(apiRequests.getByTestId("usage")).toHaveText("120,000", { timeout: 1_000 });
      await expect(banners).toHaveAttribute("data-threshold", "100", { timeout: 1_000 });
    });
    await expect(banners).toHaveCount(1);
    await expect(banners).toContainText("API requests: included quantity used up.");
    await expect(apiRequests.getByTestId("percent-used")).toHaveText("120% of included");
    await expect(apiRequests.getByRole("progressbar")).toHaveAttribute("data-level", "over");
    await expect(apiRequests.getByTestId("projected-cost")).toContainText(/^\$20\.00 → /);
    await expect(page.getByTestId("preview-total")).toHaveText("$69.00");
    // Newest first; 90 % and 100 % were crossed by the same batch.
    await expect(page.getByTestId("alert-list").getByRole("listitem")).toHaveText([/reached 100%/, /reached 90%/, /reached 75%/]);
    await expect.poll(async () => (await caughtEmails(customer.email)).map((message) => message.subject), { timeout: 30_000 }).toContainEqual(expect.stringContaining("used all of your included API requests"));
    await keepScreenshot(page, "customer-alert", (name) => test.info().outputPath(name));
  });

  const options = page.getByTestId("plan-option");
  const team = options.and(page.locator('[data-plan="Team"]'));
  await test.step("the plans page prices every plan on this usage and marks the cheapest", async () => {
    await banners.getByRole("link", { name: "Compare plans" }).click();
    await expect(page).toHaveURL(`${dashboardPath}/plans`);
    await expect(options.first()).toBeVisible();
    const costs = await options.evaluateAll((items) =>
      items.map((item) => ({
        plan: item.getAttribute("data-plan"),
        cheapest: item.getAttribute("data-cheapest") === "true",
        cost: item.querySelector('[data-testid="plan-cost"]')?.textContent ?? "",
      })),
    );
    for (const option of costs) expect(option.cost, `${option.plan}'s cost`).toMatch(/^\$[\d,]+\.\d{2}$/);
    // The cheapest mark goes to the plans that cost least (other specs may have published plans too).
    const dollars = (cost: string) => Number(cost.replace(/[$,]/g, ""));
    const lowest = Math.min(...costs.map((option) => dollars(option.cost)));
    expect(costs.filter((option) => option.cheapest).map((option) => option.plan)).toEqual(costs.filter((option) => dollars(option.cost) === lowest).map((option) => option.plan));
    await expect(options.filter({ hasText: "Cheapest for you" })).toHaveCount(costs.filter((option) => option.cheapest).length);
    // Starter: $49 + 20,000 requests over the included at $0.001; Team and Business include them all.
    expect(costs).toEqual(
      expect.arrayContaining([
        { plan: "Starter", cheapest: lowest === 69, cost: "$69.00" },
        { plan: "Team", cheapest: false, cost: "$199.00" },
        { plan: "Business", cheapest: false, cost: "$999.00" },
      ]),
    );
    await expect(options.and(page.locator('[data-plan="Starter"]'))).toContainText("Your plan");
    await expect(team.getByRole("button", { name: "Upgrade to Team" })).toBeVisible();
    await keepScreenshot(page, "customer-plans", (name) => test.info().outputPath(name));
  });

  await test.step("upgrading to Team: a confirmation says what changes; a double click changes Stripe once", async () => {
    // Stripe bills a replaced metered price's usage up to the change by the subscription's clock:
    // bring the test clock up to real time, as a live subscription's would be, before changing.
    const clock = await stripeEmulator<Stripe.TestHelpers.TestClock>("GET", `/v1/test_helpers/test_clocks/${customer.clockId}`);
    await advanceClock(customer.clockId, Math.max(clock.frozen_time, Math.floor(Date.now() / 1000)) + 1);
    const updatesBefore = await subscriptionUpdates(customer.stripeSubscriptionId);

    await team.getByRole("button", { name: "Upgrade to Team" }).click();
    const dialog = page.getByRole("dialog", { name: "Upgrade to Team" });
    await expect(dialog).toBeVisible();
    await expect(dialog).toContainText("Takes effect now.");
    await expect(dialog).toContainText("Usage so far is billed at Starter's prices; usage from now at Team's.");
    await expect(dialog).toContainText("At your usage so far this period: $69.00 on Starter, $199.00 on Team.");
    // Stripe's prorations for the base fee: $150 (Team's $199 − Starter's $49) for about the whole period.
    await expect(dialog.getByTestId("plan-change-preview")).toContainText(/Base fee for the rest of this period, from Stripe's prorations: \$1(49\.\d\d|50\.00) on your next invoice/);
    await keepScreenshot(page, "customer-plan-confirm", (name) => test.info().outputPath(name));

    const actionResponses: Promise<unknown>[] = [];
    page.on("request", (sent) => {
      if (sent.method() === "POST" && sent.headers()["next-action"]) actionResponses.push(sent.response());
    });
    await dialog.getByTestId("confirm-plan-change").dblclick();
    // The dialog outlives the re-render the change causes, and says what happened.
    await expect(dialog.getByRole("status")).toHaveText("You are on Team now.", { timeout: 30_000 });
    await expect(team).toContainText("Your plan");
    await expect(team).toContainText("You are on this plan.");
    await expect(options.and(page.locator('[data-plan="Starter"]'))).not.toContainText("Your plan");
    await Promise.all(actionResponses);
    await dialog.getByRole("button", { name: "Close" }).click();
    await expect(dialog).toBeHidden();

    expect(await subscriptionUpdates(customer.stripeSubscriptionId), "customer.subscription.updated events for the upgrade").toBe(updatesBefore + 1);
    const changes = await withE2eDatabase((db) => db.subscriptionChange.count({ where: { subscription: { stripeSubscriptionId: customer.stripeSubscriptionId }, kind: "PLAN_CHANGED" } }));
    expect(changes).toBe(1);
  });

  await test.step("past the period end, the usage before the upgrade is billed once at Starter's price", async () => {
    const change = await withE2eDatabase((db) =>
      db.subscriptionChange.findFirstOrThrow({
        where: { subscription: { stripeSubscriptionId: customer.stripeSubscriptionId }, kind: "PLAN_CHANGED" },
        include: { fromPlanVersion: { include: { plan: true, charges: { include: { meter: true } } } }, toPlanVersion: { include: { plan: true, charges: { include: { meter: true } } } } },
      }),
    );
    expect([change.fromPlanVersion?.plan.key, change.toPlanVersion?.plan.key]).toEqual(["starter", "team"]);
    const apiPrice = (version: typeof change.fromPlanVersion) => version?.charges.find((charge) => charge.meter.eventName === "api_requests")?.stripePriceId;
    const starterPrice = apiPrice(change.fromPlanVersion);
    const teamPrice = apiPrice(change.toPlanVersion);
    expect(starterPrice).toBeTruthy();
    expect(teamPrice).toBeTruthy();

    await advanceClock(customer.clockId, Math.floor(Date.now() / 1000) + 32 * DAY_SECONDS);
    const listInvoices = async () => (await stripeEmulator<Stripe.ApiList<Stripe.Invoice>>("GET", "/v1/invoices", { customer: customer.stripeCustomerId, limit: "100" })).data;
    await expect.poll(async () => (await listInvoices()).filter((invoice) => invoice.billing_reason === "subscription_cycle").map((invoice) => invoice.status)).toEqual(["paid"]);
    const invoices = await listInvoices();
    const lines = await Promise.all(invoices.map(async (invoice) => ({ invoice, lines: await invoiceLines(invoice) })));

    for (const { invoice, lines: itsLines } of lines) {
      const sum = itsLines.reduce((total, line) => total + line.amount, 0);
      expect(sum, `the lines of ${invoice.number ?? invoice.id} add up to its subtotal`).toBe(invoice.subtotal);
      expect(invoice.total, `${invoice.number ?? invoice.id}'s total`).toBe(sum);
    }
    const all = lines.flatMap(({ lines: itsLines }) => itsLines);
    const priceOf = (line: Stripe.InvoiceLineItem) => line.pricing?.price_details?.price;
    const billedAtStarter = all.filter((line) => priceOf(line) === starterPrice && (line.quantity ?? 0) > 0);
    expect(billedAtStarter.map((line) => ({ quantity: line.quantity, amount: line.amount }))).toEqual([{ quantity: 120_000, amount: 2_000 }]);
    const billedAtTeam = all.filter((line) => priceOf(line) === teamPrice && ((line.quantity ?? 0) > 0 || line.amount !== 0));
    expect(billedAtTeam.map((line) => line.description)).toEqual([]);

    // The app keeps its copy from Stripe's webhooks: the dashboard has moved to the new period
    // (the one that ended is still listed) and lists the same invoices.
    const stripeSubscription = await stripeEmulator<Stripe.Subscription>("GET", `/v1/subscriptions/${customer.stripeSubscriptionId}`);
    const newPeriodStart = new Date((stripeSubscription.items.data[0]?.current_period_start ?? 0) * 1000).toISOString();
    await page.goto(dashboardPath);
    const list = page.getByTestId("invoice-list");
    await reloadUntil(page, async () => {
      await expect(page.getByLabel("Billing period")).toHaveValue(newPeriodStart, { timeout: 1_000 });
      await expect(page.getByLabel("Billing period").locator("option")).toHaveCount(2, { timeout: 1_000 });
      await expect(list.locator(":scope > li")).toHaveCount(invoices.length, { timeout: 1_000 });
      for (const invoice of invoices) {
        const summary = list.locator(":scope > li", { hasText: invoice.number ?? "" }).locator("summary");
        await expect(summary).toContainText(invoice.status ?? "", { timeout: 1_000 });
        await expect(summary).toContainText(usd(invoice.total), { timeout: 1_000 });
      }
    });
    const withUsage = lines.find(({ lines: itsLines }) => itsLines.some((line) => billedAtStarter.includes(line)))?.invoice;
    const row = list.locator(":scope > li", { hasText: withUsage?.number ?? "" });
    await row.locator("summary").click();
    const usageLine = row.getByRole("row").filter({ hasText: "120,000" });
    await expect(usageLine).toHaveCount(1);
    await expect(usageLine).toContainText("$20.00");
    await expect(usageLine).toContainText("proration");
    await keepScreenshot(page, "customer-invoices", (name) => test.info().outputPath(name));
  });
});
