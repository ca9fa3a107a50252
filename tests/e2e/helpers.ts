import { expect, type Page } from "@playwright/test";
import { DEMO_LOGINS } from "../../prisma/demo-logins";
import type { TCaughtMessage } from "../../tools/smtp-catcher";

import { E2E_SMTP_CATCHER_HTTP_PORT, E2E_STRIPE_PORT } from "./ports";

/** The SMTP catcher of the e2e server (`npm start`), where its mail can be read. */
const SMTP_CATCHER_URL = `http://127.0.0.1:${E2E_SMTP_CATCHER_HTTP_PORT}`;
/** The e2e server's Stripe emulator: it takes any sk_test_ key. */
export const E2E_STRIPE_API_URL = `http://127.0.0.1:${E2E_STRIPE_PORT}`;
export const E2E_STRIPE_SECRET_KEY = "sk_test_tally_local_emulator";

export type TDemoLogin = (typeof DEMO_LOGINS)[number];

export function demoLogin(email: string): TDemoLogin {
  const login = DEMO_LOGINS.find((candidate) => candidate.email === email);
  if (!login) throw new Error(`no demo login ${email}`);
  return login;
}

/** The demo password, or none for an email that is not a demo login (to test refusals). */
function passwordFor(email: string): string {
  return DEMO_LOGINS.find((candidate) => candidate.email === email)?.password ?? "";
}

export async function logIn(page: Page, email: string, password: string = passwordFor(email)) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
}

export async function expectLoggedInAs(page: Page, email: string) {
  await expect(page.getByTestId("current-user")).toHaveText(demoLogin(email).name);
}

/**
 * Keeps a screenshot as a test artifact; with UPDATE_README_SCREENSHOTS=1 also refreshes the
 * README's copy in docs/screenshots/ (never otherwise: `npm test` must not change tracked files).
 */
export async function keepScreenshot(page: Page, name: string, outputPath: (name: string) => string) {
  await page.screenshot({ path: outputPath(`${name}.png`), fullPage: true });
  if (process.env.UPDATE_README_SCREENSHOTS === "1") await page.screenshot({ path: `docs/screenshots/${name}.png`, fullPage: true });
}

/** The mail the app has sent (caught by `npm start`'s SMTP catcher), newest first; only to `to` when given. */
export async function caughtEmails(to?: string): Promise<TCaughtMessage[]> {
  const response = await fetch(`${SMTP_CATCHER_URL}/api/messages${to ? `?to=${encodeURIComponent(to)}` : ""}`);
  if (!response.ok) throw new Error(`SMTP catcher: ${response.status} ${await response.text()}`);
  return (await response.json()) as TCaughtMessage[];
}

/** A call to the e2e server's Stripe emulator, as Stripe's API takes it (form-encoded parameters); throws on a non-2xx. */
export async function stripeEmulator<T>(method: "GET" | "POST", path: string, params: Record<string, string> = {}): Promise<T> {
  const query = new URLSearchParams(params).toString();
  const url = `${E2E_STRIPE_API_URL}${path}${method === "GET" && query ? `?${query}` : ""}`;
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${E2E_STRIPE_SECRET_KEY}`, ...(method === "POST" ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    ...(method === "POST" ? { body: query } : {}),
  });
  if (!response.ok) throw new Error(`Stripe emulator ${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
