// One embedded PostgreSQL server per run, in a temporary folder, with a database of its own that
// gets every migration, one Stripe emulator and one SMTP catcher; all are removed at the end. Test
// files reach them through DATABASE_URL (TALLY_TEST_ADMIN_URL for tests that need a database of
// their own), STRIPE_SECRET_KEY + STRIPE_API_URL and SMTP_URL, exactly as the app does; the mail
// caught is read over HTTP at TALLY_TEST_SMTP_CATCHER_URL (/api/messages).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";
import { startSmtpCatcher } from "../../tools/smtp-catcher";
import { startStripeEmulator } from "../../tools/stripe-emulator";

export const TEST_AUTH_SECRET = "integration-tests-secret-0123456789abcdef";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * embedded-postgres registers async-exit-hook, which turns `beforeExit` into process.exit(0) after its
 * graceful shutdown. vitest reports a failed run by setting process.exitCode = 1 and letting the event
 * loop drain, so a failing run exited 0. An explicit exit(0) here keeps the code vitest set.
 */
function keepFailingExitCode() {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => exit(code === 0 && process.exitCode ? process.exitCode : code)) as typeof process.exit;
}

export default async function setup() {
  keepFailingExitCode();
  const root = await mkdtemp(path.join(os.tmpdir(), "tally-it-"));
  await chmod(root, 0o755); // the postgres OS user (when we run as root) must reach the data folder
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "pg"), port: await freePort(), profile: "test" });
  const database = `tally_it_${process.pid}`;
  await server.createDatabase(database);
  const url = server.url(database);
  await applyMigrations(url);

  const stripe = await startStripeEmulator({ port: await freePort() });
  const smtpCatcher = await startSmtpCatcher({ smtpPort: 0, httpPort: 0 });

  process.env.DATABASE_URL = url;
  process.env.STRIPE_SECRET_KEY = "sk_test_integration_tests";
  process.env.STRIPE_API_URL = stripe.url;
  process.env.TALLY_TEST_ADMIN_URL = server.url("postgres");
  process.env.NEXTAUTH_SECRET = TEST_AUTH_SECRET;
  // Connector secrets are encrypted with it (a fixed test key: 32 bytes of base64).
  process.env.TALLY_ENCRYPTION_KEY = "dGFsbHktaW50ZWdyYXRpb24tdGVzdHMta2V5LTMyYiE=";
  process.env.SMTP_URL = smtpCatcher.smtpUrl;
  process.env.TALLY_TEST_SMTP_CATCHER_URL = smtpCatcher.httpUrl;

  return async () => {
    await stripe.stop();
    await smtpCatcher.stop();
    await server.dropDatabase(database);
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
