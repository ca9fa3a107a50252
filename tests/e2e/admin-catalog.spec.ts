// An admin builds the catalog in the browser: a meter, a plan with graduated tiers (its cost curve
// priced live), publishing it, and the Stripe objects that publishing made in the emulator.
import { expect, test, type Page } from "@playwright/test";
import Stripe from "stripe";
import { keepScreenshot, logIn } from "./helpers";
import { E2E_STRIPE_PORT } from "./ports";

// The emulator the e2e server runs.
const stripe = new Stripe("sk_test_x", { host: "127.0.0.1", port: E2E_STRIPE_PORT, protocol: "http" });

/** Unique per run and per test: the e2e database lives as long as the server. */
function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

async function createMeter(page: Page, eventName: string, displayName: string, unitLabel: string): Promise<string> {
  await page.goto("/admin/meters");
  const form = page.getByRole("form", { name: "Create a meter" });
  await form.getByLabel("Event name").fill(eventName);
  await form.getByLabel("Display name").fill(displayName);
  await form.getByLabel("Aggregation").selectOption("SUM");
  await form.getByLabel("Unit label").fill(unitLabel);
  await form.getByRole("button", { name: "Create meter" }).click();
  await expect(form.getByRole("status")).toContainText(`Meter ${eventName} created (Stripe meter `);
  const row = page.getByTestId(`meter-${eventName}`);
  await expect(row).toContainText(displayName);
  const stripeMeterId = (await row.getByText(/^mtr_/).textContent()) ?? "";
  expect(stripeMeterId).toMatch(/^mtr_/);
  return stripeMeterId;
}

test.describe("admin catalog", () => {
  test("an admin creates a meter and a graduated plan, sees its cost curve and publishes it to Stripe", async ({ page }) => {
    const run = uniqueSuffix();
    const eventName = `e2e_calls_${run}`;
    const meterName = `E2E calls ${run}`;
    const planKey = `e2e-graduated-${run}`;
    const planName = `E2E Graduated ${run}`;

    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    const stripeMeterId = await createMeter(page, eventName, meterName, "call");
    const emulatorMeter = await stripe.billing.meters.retrieve(stripeMeterId);
    expect(emulatorMeter).toMatchObject({ event_name: eventName, display_name: meterName, default_aggregation: { formula: "sum" } });
    await page.screenshot({ path: test.info().outputPath("meters.png"), fullPage: true });

    // A new plan: base fee, one graduated charge on the new meter.
    await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Plans" }).click();
    await page.getByRole("link", { name: "New plan" }).click();
    await expect(page.getByRole("heading", { name: "New plan", level: 1 })).toBeVisible();
    await page.getByLabel("Key").fill(planKey);
    await page.getByLabel("Name", { exact: true }).fill(planName);
    await page.getByLabel("Base fee (minor units)").fill("4900");
    await expect(page.getByText("= $49.00 per period")).toBeVisible();
    await page.getByRole("button", { name: "Add charge" }).click();
    await page.getByLabel("Charge 1 meter").selectOption({ label: `${meterName} (${eventName})` });
    await page.getByLabel("Charge 1 pricing model").selectOption("GRADUATED");
    await page.getByRole("button", { name: "Add tier to charge 1" }).click();
    await page.getByLabel("Charge 1 tier 1 up to").fill("1000");
    await page.getByLabel("Charge 1 tier 1 unit price").fill("1");
    await expect(page.getByLabel("Charge 1 tier 2 up to")).toHaveAttribute("placeholder", "∞");
    await page.getByLabel("Charge 1 tier 2 unit price").fill("0.5");

    // The cost curve, priced in the browser: 1,000 calls at 1¢ + 1,000 at 0.5¢ at the chart's end (2,000).
    const CURVE_AT_15 = "At 2,000: tier 1: 1,000 calls at $0.01; tier 2: 1,000 calls at $0.005 = $15.00";
    const curve = page.getByTestId("charge-0").getByTestId("cost-curve");
    await expect(curve.getByTestId("cost-curve-summary")).toHaveText(CURVE_AT_15);
    await expect(curve.locator("path.recharts-line-curve")).toBeVisible();
    await page.getByLabel("Charge 1 tier 2 unit price").fill("0.8");
    await expect(curve.getByTestId("cost-curve-summary")).toHaveText("At 2,000: tier 1: 1,000 calls at $0.01; tier 2: 1,000 calls at $0.008 = $18.00");
    await page.getByLabel("Charge 1 tier 2 unit price").fill("0.5");
    await expect(curve.getByTestId("cost-curve-summary")).toHaveText(CURVE_AT_15);

    await page.screenshot({ path: test.info().outputPath("plan-editor.png"), fullPage: true });
    await keepScreenshot(page, "admin-plan-editor", (name) => test.info().outputPath(name));

    // A bounded last tier is refused next to its field, and nothing is created.
    await page.getByLabel("Charge 1 tier 2 up to").fill("5000");
    await page.getByRole("button", { name: "Create plan as draft" }).click();
    const lastTierMessage = "The last tier has no upper bound (leave it empty for infinity).";
    await expect(page.getByLabel("Charge 1 tier 2 up to")).toHaveAccessibleDescription(new RegExp(escapeRegExp(lastTierMessage)));
    await expect(page.getByRole("form", { name: "Create a plan" }).getByRole("alert")).toHaveText(lastTierMessage);
    await page.screenshot({ path: test.info().outputPath("plan-editor-error.png"), fullPage: true });
    await expect(page).toHaveURL(/\/admin\/plans\/new$/);
    await page.getByLabel("Charge 1 tier 2 up to").fill("");
    await expect(page.getByTestId("cost-curve-summary")).toHaveText(CURVE_AT_15);

    // Created as a draft, then published from the plan's page.
    await page.getByRole("button", { name: "Create plan as draft" }).click();
    await expect(page).toHaveURL(/\/admin\/plans\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name: planName, level: 1 })).toBeVisible();
    const version = page.getByTestId("version-1");
    await expect(version).toContainText("draft");
    await expect(page.getByTestId("stripe-product-id")).toHaveText("not synced");
    await page.getByRole("button", { name: "Save and publish version 1" }).click();
    await expect(version).toContainText("published");
    await expect(page.getByTestId("stripe-product-id")).toHaveText(/^prod_/);
    await expect(version.getByTestId("stripe-base-price-id")).toHaveText(/^price_/);
    await expect(version.getByTestId("stripe-charge-price-id")).toHaveText(/^price_/);
    await expect(page.getByRole("button", { name: "New version" })).toBeVisible();
    await page.screenshot({ path: test.info().outputPath("plan-published.png"), fullPage: true });

    // The emulator holds the matching product and prices.
    const productId = (await page.getByTestId("stripe-product-id").textContent()) ?? "";
    const basePriceId = (await version.getByTestId("stripe-base-price-id").textContent()) ?? "";
    const chargePriceId = (await version.getByTestId("stripe-charge-price-id").textContent()) ?? "";
    const product = await stripe.products.retrieve(productId);
    expect(product).toMatchObject({ name: planName, active: true, metadata: { tally_plan_key: planKey } });
    const prices = await stripe.prices.list({ product: productId, expand: ["data.tiers"] });
    expect(prices.data.map((price) => price.id).sort()).toEqual([basePriceId, chargePriceId].sort());
    const basePrice = prices.data.find((price) => price.id === basePriceId);
    expect(basePrice).toMatchObject({ currency: "usd", unit_amount: 4900, recurring: { interval: "month", usage_type: "licensed" } });
    const chargePrice = prices.data.find((price) => price.id === chargePriceId);
    expect(chargePrice).toMatchObject({ currency: "usd", billing_scheme: "tiered", tiers_mode: "graduated", recurring: { usage_type: "metered", meter: stripeMeterId } });
    expect(chargePrice?.tiers?.map((tier) => ({ upTo: tier.up_to, unit: tier.unit_amount_decimal?.toString() }))).toEqual([
      { upTo: 1000, unit: "1" },
      { upTo: null, unit: "0.5" },
    ]);
    expect(pageErrors).toEqual([]);
  });

  test("volume pricing with an included quantity is refused next to the field and publishes nothing", async ({ page }) => {
    const run = uniqueSuffix();
    const eventName = `e2e_volume_${run}`;
    const meterName = `E2E volume ${run}`;
    const planName = `E2E Volume ${run}`;

    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    const stripeMeterId = await createMeter(page, eventName, meterName, "GB");

    // Renaming the meter: only what may change is editable, and the new name reaches Stripe.
    await page.getByTestId(`meter-${eventName}`).getByText("Edit").click();
    const edit = page.getByRole("form", { name: `Edit meter ${eventName}` });
    await edit.getByLabel("Display name").fill(`${meterName} renamed`);
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(edit.getByRole("status")).toHaveText("Saved.");
    await expect(page.getByTestId(`meter-${eventName}`).getByRole("cell", { name: `${meterName} renamed`, exact: true })).toBeVisible();
    expect(await stripe.billing.meters.retrieve(stripeMeterId)).toMatchObject({ event_name: eventName, display_name: `${meterName} renamed` });
    await edit.getByLabel("Value scale").fill("-1");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(edit.getByLabel("Value scale")).toHaveAccessibleDescription("Must not be negative.");

    await page.goto("/admin/plans/new");
    await page.getByLabel("Key").fill(`e2e-volume-${run}`);
    await page.getByLabel("Name", { exact: true }).fill(planName);
    await page.getByRole("button", { name: "Add charge" }).click();
    await page.getByLabel("Charge 1 meter").selectOption({ label: `${meterName} renamed (${eventName})` });
    await page.getByLabel("Charge 1 unit price (minor units)").fill("25");
    await page.getByRole("button", { name: "Create plan as draft" }).click();
    await expect(page).toHaveURL(/\/admin\/plans\/[0-9a-f-]{36}$/);

    // The draft becomes VOLUME tiers with 10 GB included, which Stripe cannot bill.
    await page.getByLabel("Charge 1 pricing model").selectOption("VOLUME");
    await page.getByLabel("Charge 1 included quantity").fill("10");
    await page.getByLabel("Charge 1 tier 1 unit price").fill("20");
    await expect(page.getByTestId("cost-curve-summary")).toHaveText("At 20: included 10 GB; all 10 overage GB at $0.20 (tier 1) = $2.00");
    await page.getByRole("button", { name: "Save and publish version 1" }).click();
    const included = page.getByLabel("Charge 1 included quantity");
    await expect(included).toHaveAccessibleDescription(/Stripe cannot bill an included quantity with volume pricing/);
    await expect(page.getByRole("form", { name: "Edit draft version 1" }).getByRole("alert")).toContainText("Stripe cannot bill an included quantity with volume pricing");
    await page.screenshot({ path: test.info().outputPath("volume-refused.png"), fullPage: true });

    // Nothing was saved or published: after a reload the draft is as it was, and Stripe has no product.
    await page.reload();
    await expect(page.getByTestId("version-1")).toContainText("draft");
    await expect(page.getByTestId("stripe-product-id")).toHaveText("not synced");
    await expect(page.getByLabel("Charge 1 pricing model")).toHaveValue("PER_UNIT");
    const products = await stripe.products.list({ limit: 100 });
    expect(products.data.map((product) => product.name)).not.toContain(planName);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
