// End-to-end tests in Chromium against the production build, started exactly as `npm start`
// starts it, on a fresh embedded database of its own.
import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { defineConfig, devices } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
const DB_PORT = Number(process.env.E2E_DB_PORT ?? 54341);
const DATA_DIR = path.join(os.tmpdir(), `tally-e2e-${DB_PORT}`);
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
      TALLY_DB_PORT: String(DB_PORT),
      STRIPE_EMULATOR_PORT: String(DB_PORT + 1),
      STRIPE_SECRET_KEY: "",
      // Below Linux's ephemeral range (32768+): a port bound after the database has had client
      // connections may already be some connection's local port (EADDRINUSE).
      TALLY_SMTP_CATCHER_HTTP_PORT: String(PORT + 1),
      TALLY_SMTP_CATCHER_SMTP_PORT: String(PORT + 2),
      SMTP_URL: "",
      TALLY_DATA_DIR: DATA_DIR,
      NEXTAUTH_URL: `http://localhost:${PORT}`,
      NEXTAUTH_SECRET: "e2e-tests-secret-0123456789abcdefghijkl",
      DATABASE_URL: "",
    },
  },
});
