// End-to-end tests in Chromium against the production build, started exactly as `npm start`
// starts it, on a fresh embedded database of its own.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { E2E_DB_PORT, E2E_HUBSPOT_FAKE_PORT, E2E_PORT, E2E_SMTP_CATCHER_HTTP_PORT, E2E_SMTP_CATCHER_SMTP_PORT, E2E_STRIPE_PORT } from "./tests/e2e/ports";

const PORT = E2E_PORT;
const DATA_DIR = path.join(os.tmpdir(), `tally-e2e-${E2E_DB_PORT}`);
const DEBIAN_CHROMIUM = "/usr/bin/chromium";

export default defineConfig({
  testDir: "tests/e2e",
  outputDir: "test-results",
  fullyParallel: true,
  forbidOnly: Boolean(process.env.CI),
  retries: process.env.CI ? 1 : 0,
  workers: 2,
  timeout: 30_000,
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    baseURL: `http://localhost:${PORT}`,
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    launchOptions: existsSync(DEBIAN_CHROMIUM)
      ? {
          executablePath: DEBIAN_CHROMIUM,
          args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        }
      : {},
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: {
    // A fresh database every run: the previous run's data folder is removed first.
    command: `node -e "require('node:fs').rmSync(process.env.TALLY_DATA_DIR, { recursive: true, force: true })" && node --import tsx tools/dev/start.ts`,
    url: `http://localhost:${PORT}/api/health`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      PORT: String(PORT),
      // tests/e2e/ports.ts: all below the ephemeral port range.
      TALLY_DB_PORT: String(E2E_DB_PORT),
      STRIPE_EMULATOR_PORT: String(E2E_STRIPE_PORT),
      STRIPE_SECRET_KEY: "",
      TALLY_SMTP_CATCHER_HTTP_PORT: String(E2E_SMTP_CATCHER_HTTP_PORT),
      TALLY_SMTP_CATCHER_SMTP_PORT: String(E2E_SMTP_CATCHER_SMTP_PORT),
      TALLY_HUBSPOT_FAKE_PORT: String(E2E_HUBSPOT_FAKE_PORT),
      TALLY_ENCRYPTION_KEY: "",
      SMTP_URL: "",
      TALLY_DATA_DIR: DATA_DIR,
      NEXTAUTH_URL: `http://localhost:${PORT}`,
      NEXTAUTH_SECRET: "e2e-tests-secret-0123456789abcdefghijkl",
      DATABASE_URL: "",
    },
  },
});
