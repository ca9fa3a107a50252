// Outbound webhooks from an admin's point of view: an endpoint added on the Stripe sync page receives
// a customer's `usage.threshold_crossed` event when their usage crosses 75 %, signed so that the
// README's verification snippet accepts it, and the delivery shows as sent on the page.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { keepScreenshot, logIn } from "./helpers";
import { createJourneyCustomer, sendApiRequests } from "./journey-customer";

type TReceived = { headers: IncomingHttpHeaders; body: string };

/** The README's receiver check, as a vendor would paste it. */
function verifyTallySignature(rawBody: string, header: string | undefined, secret: string, toleranceSeconds = 300): boolean {
  const t = Number(/(?:^|,)t=(\d+)/.exec(header ?? "")?.[1]);
  if (!t || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`).digest();
  return [...(header ?? "").matchAll(/v1=([0-9a-f]{64})/g)].some(([, hex]) => timingSafeEqual(Buffer.from(hex ?? "", "hex"), expected));
}

let server: Server;
const received: TReceived[] = [];

test.beforeAll(async () => {
  server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    request.on("end", () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
});
test.afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

test("an admin's endpoint receives a signed threshold event, and sees the delivery as sent", async ({ page }) => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tally-hooks`;
  await logIn(page, "admin@tally.test");
  await expect(page).toHaveURL(/\/admin$/);
  await page.goto("/admin/sync");
  const form = page.getByRole("form", { name: "New webhook endpoint" });
  await form.getByLabel("URL").fill(url);
  await expect(form.getByRole("checkbox", { name: /usage\.threshold_crossed/ })).toBeChecked();
  await form.getByRole("button", { name: "Add endpoint" }).click();
  await expect(page.getByText(`Added ${url}.`)).toBeVisible();
  await page.getByRole("button", { name: `Reveal the signing secret of ${url}` }).click();
  const secret = (await page.getByTestId("webhook-secret").filter({ hasText: /^whsec_[A-Za-z0-9_-]{20,}/ }).first().textContent())?.trim() ?? "";
  expect(secret).toMatch(/^whsec_/);

  // A customer's product sends 80,000 of Starter's 100,000 included requests: the worker fires the 75 % alert.
  const customer = await createJourneyCustomer();
  await sendApiRequests(page.request, customer, 80_000, `hooks-${customer.externalId}`);
  const mine = () => received.filter((delivery) => delivery.body.includes(`"external_id":"${customer.externalId}"`));
  await expect.poll(() => mine().length, { timeout: 30_000 }).toBe(1);
  const [delivery] = mine();
  const event = JSON.parse(delivery?.body ?? "{}") as { id: string; type: string; data: Record<string, unknown> };
  expect(event).toMatchObject({ type: "usage.threshold_crossed", data: { threshold_percent: 75, usage: "80000", included: "100000", meter: { event_name: "api_requests" } } });
  expect(delivery?.headers["tally-event-id"]).toBe(event.id);
  expect(delivery?.headers["tally-event-type"]).toBe("usage.threshold_crossed");
  expect(verifyTallySignature(delivery?.body ?? "", delivery?.headers["tally-signature"] as string, secret)).toBe(true);
  expect(verifyTallySignature(`${delivery?.body ?? ""} `, delivery?.headers["tally-signature"] as string, secret)).toBe(false);

  // The sync page lists the delivery as sent.
  await page.reload();
  const row = page.getByRole("row").filter({ hasText: url }).filter({ hasText: "usage.threshold_crossed" }).first();
  await expect(row).toContainText("sent");
  await keepScreenshot(page, "admin-webhooks", (name) => test.info().outputPath(name));

  // Other journeys' alerts must not keep knocking at a receiver that is about to close.
  await page.getByRole("button", { name: `Delete ${url}` }).click();
  await page.getByRole("button", { name: "Confirm delete" }).click();
  await expect(page.getByText(`Deleted ${url} and its deliveries.`)).toBeVisible();
});
