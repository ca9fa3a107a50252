import { expect, type Page } from "@playwright/test";
import { DEMO_LOGINS } from "../../prisma/demo-logins";

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
