// The sync page's usage reporting: an admin sees a report line held for want of a Stripe
// subscription, retries it from the keyboard, is told what happened, and the line leaves the list.
import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { withE2eDatabase } from "./database";
import { logIn } from "./helpers";

/** A customer with one HELD line carrying three events, written as the reporter would. */
async function plantHeldLine() {
  const suffix = randomUUID().slice(0, 8);
  return withE2eDatabase(async (db) => {
    const customer = await db.customer.create({ data: { externalId: `e2e-held-${suffix}`, name: `Held Customer ${suffix}` } });
    const meter = await db.meter.create({ data: { eventName: `e2e_held_${suffix}`, displayName: "E2E calls", aggregation: "SUM", unitLabel: "call" } });
    const batch = await db.reportBatch.create({ data: { workerId: `e2e-${suffix}`, eventCount: 3, lineCount: 1 } });
    const line = await db.reportLine.create({
      data: {
        identifier: `e2e-line-${suffix}`,
        batchId: batch.id,
        customerId: customer.id,
        meterId: meter.id,
        eventName: meter.eventName,
        eventCount: 3,
        windowStart: new Date("2026-03-01T10:00:00Z"),
        windowEnd: new Date("2026-03-01T11:00:00Z"),
        periodStart: new Date("2026-03-01T00:00:00Z"),
        periodEnd: new Date("2026-04-01T00:00:00Z"),
        quantity: "4.5",
        stripeValue: 5n,
        eventAt: new Date("2026-03-01T10:59:59Z"),
        status: "HELD",
        heldCode: "no_subscription",
        heldReason: `Held Customer ${suffix} has no Stripe subscription.`,
      },
    });
    await db.usageEvent.createMany({
      data: [1, 2, 3].map((index) => ({
        customerId: customer.id,
        meterId: meter.id,
        idempotencyKey: `e2e-held-${suffix}-${index}`,
        quantity: "1.5",
        payloadHash: new Uint8Array(32),
        occurredAt: new Date("2026-03-01T10:30:00Z"),
        reportLineId: line.id,
      })),
    });
    return { lineId: line.id.toString(), customerName: customer.name };
  });
}

test.describe("admin: usage reporting on the sync page", () => {
  test("an admin retries a held line: the confirmation says what happened and the line leaves the held list", async ({ page }) => {
    const { lineId, customerName } = await plantHeldLine();
    // Another held line, which stays held.
    const other = await plantHeldLine();

    await logIn(page, "admin@tally.test");
    await expect(page).toHaveURL(/\/admin$/);
    await page.goto("/admin/sync");
    await expect(page.getByRole("heading", { name: "Usage reporting" })).toBeVisible();
    await expect(page.getByTestId("report-hold-reasons")).toContainText("no_subscription");

    const row = page.getByTestId("held-report-lines").locator(`tr[data-line-id="${lineId}"]`);
    await expect(row).toContainText(customerName);
    await expect(row).toContainText("has no Stripe subscription.");
    await expect(row).toContainText("4.5");

    await page.getByRole("region", { name: "Usage reporting" }).screenshot({ path: test.info().outputPath("sync-reporting.png") });

    // From the keyboard: focus the line's button and press Enter.
    const retry = row.getByRole("button", { name: `Retry line ${lineId}` });
    await retry.focus();
    await page.keyboard.press("Enter");

    await expect(page.getByTestId("release-outcome").getByRole("status")).toHaveText("Released 1 line (3 events); the reporter will send them again.");
    await expect(page.getByTestId("held-report-lines").locator(`tr[data-line-id="${lineId}"]`)).toHaveCount(0);
    await expect(page.getByTestId("held-report-lines").locator(`tr[data-line-id="${other.lineId}"]`)).toContainText(other.customerName);

    // The line is released and its events left it (a running reporter may have claimed them again, into a new line).
    const stored = await withE2eDatabase(async (db) => ({
      line: await db.reportLine.findUniqueOrThrow({ where: { id: BigInt(lineId) } }),
      events: await db.usageEvent.count({ where: { reportLineId: BigInt(lineId) } }),
    }));
    expect(stored.line.status).toBe("RELEASED");
    expect(stored.events).toBe(0);

    // Still readable on a phone (the other line keeps the held tables on the page): wide tables
    // scroll inside their cards, not the page.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await expect(page.getByRole("heading", { name: "Usage reporting" })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await page.getByRole("region", { name: "Usage reporting" }).screenshot({ path: test.info().outputPath("sync-reporting-phone.png") });
  });
});
