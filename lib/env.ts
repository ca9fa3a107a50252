// The only reader of process.env. Every setting Tally understands is listed here (and in the
// README's configuration table); anything invalid stops the process with a message naming it.
import { z } from "zod";

const ZPort = z.coerce.number().int().min(1).max(65_535);

export const ZEnv = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  /** Set by `next build`; the app skips runtime-only checks while building. */
  NEXT_PHASE: z.string().optional(),

  /** PostgreSQL. Unset: `npm start` and the tests run an embedded server and set it for the app. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),

  /** Signs session cookies (≥ 32 characters). `npm start` generates one into the data folder. */
  NEXTAUTH_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** The public URL of the app, e.g. https://billing.example.com. */
  NEXTAUTH_URL: z.url().optional(),

  /**
   * Stripe: a secret key (sk_test_… / sk_live_… / rk_…). Unset: `npm start` runs the Stripe
   * emulator and points the app at it with a key of its own.
   */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, "must be a Stripe secret or restricted key (sk_test_…, sk_live_…)")
    .optional(),
  /** Where the Stripe API is, when not api.stripe.com (the emulator: http://127.0.0.1:12111). */
  STRIPE_API_URL: z.url().optional(),
  /**
   * Signing secret(s) of the webhook endpoint that posts to /api/webhooks/stripe (`whsec_…`; several
   * comma-separated, e.g. a classic endpoint's and an event destination's). Unset: the webhook route
   * answers 503. `npm start` sets it for the emulator's endpoint.
   */
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=_-]+(\s*,\s*whsec_[A-Za-z0-9+/=_-]+)*$/, "must be a webhook signing secret (whsec_…), or several separated by commas")
    .transform((value) => value.split(",").map((secret) => secret.trim()))
    .optional(),
  /** Port of the Stripe emulator `npm start` runs when STRIPE_SECRET_KEY is unset. */
  STRIPE_EMULATOR_PORT: ZPort.default(12111),

  /**
   * Outgoing email (quota alerts) over SMTP: smtp://user:pass@mail.example.com:587 (upgraded with
   * STARTTLS when the server offers it) or smtps://…:465 (TLS from the start); percent-encode
   * special characters in the user and password. Unset: emails wait in the outbox (PENDING) and
   * nothing is sent. `npm start` runs a local SMTP catcher and points the app at it.
   */
  SMTP_URL: z
    .string()
    .refine((value) => /^smtps?:\/\/[^/?#]/.test(value) && URL.canParse(value), "must be an smtp:// or smtps:// URL with a host")
    .optional(),
  /** The From of every email Tally sends, e.g. "Acme Billing <billing@acme.com>". */
  TALLY_EMAIL_FROM: z.string().regex(/@/, "must be an email address, optionally with a name: Name <address@example.com>").default("Tally <billing@tally.localhost>"),
  /** Port of the SMTP catcher's web page and JSON API (`npm start`, when SMTP_URL is unset). */
  TALLY_SMTP_CATCHER_HTTP_PORT: ZPort.default(1080),
  /** SMTP port of the catcher `npm start` runs when SMTP_URL is unset. */
  TALLY_SMTP_CATCHER_SMTP_PORT: ZPort.default(1025),

  /** Port of the local HubSpot fake `npm start` runs for the demo HubSpot connector (tools/hubspot-fake). */
  TALLY_HUBSPOT_FAKE_PORT: ZPort.default(12112),
  /** The Next.js app's port. */
  PORT: ZPort.default(3000),
  /** Where `npm start` keeps local state: the embedded database, the generated session secret. */
  TALLY_DATA_DIR: z.string().min(1).default(".data"),
  /** Port of the embedded PostgreSQL server (only when DATABASE_URL is unset). */
  TALLY_DB_PORT: ZPort.default(54329),
  /**
   * Usage events per second one API key may send to one app instance (a batch of 1,000 counts
   * 1,000); beyond it, 429 with Retry-After. A key's own limit (admin) overrides it.
   */
  TALLY_INGEST_RATE_LIMIT: z.coerce.number().int().min(1).default(100_000),
  /**
   * The reporter (`npm run worker`): usage is sent to Stripe per customer, meter and window of
   * this many seconds on a UTC grid (clipped to the billing period); a window is sent once closed.
   */
  TALLY_REPORT_WINDOW_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3_600),
  /** How Stripe receives usage: "v1" meter events (1,000 calls/s) or "stream", the v2 meter event stream (100 a call). */
  TALLY_REPORT_METER_EVENT_API: z.enum(["v1", "stream"]).default("v1"),
  /** Meter event calls per second one worker allows itself (Stripe's account-wide limit is 1,000 v1 calls/s). */
  TALLY_REPORT_CALLS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(900),
  /** Events per second one worker sends through the v2 stream (Stripe's documented limit: 10,000). */
  TALLY_REPORT_STREAM_EVENTS_PER_SECOND: z.coerce.number().int().min(1).max(1_000_000).default(9_000),
  /** Events one claim takes at most (a window larger than this is split over several lines). */
  TALLY_REPORT_BATCH_EVENTS: z.coerce.number().int().min(100).max(100_000).default(10_000),
  /** Meter event calls one worker has in flight at once (one per customer and meter at most). */
  TALLY_REPORT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** How long a claimed line is a worker's before another may send it (a crashed worker's lines). */
  TALLY_REPORT_LEASE_SECONDS: z.coerce.number().int().min(5).max(3_600).default(60),
  /** How long the worker sleeps when there is nothing to do. */
  TALLY_WORKER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /**
   * Stripe's finalization grace period for subscription invoices (default 1 h): usage for a period
   * that ended is sent to that period's draft invoice until then, and billed as a late adjustment after.
   */
  TALLY_STRIPE_INVOICE_GRACE_SECONDS: z.coerce.number().int().min(0).max(259_200).default(3_600),
  /**
   * When a customer's self-serve downgrade (to a plan with a lower base fee) takes effect: at the end
   * of the current period (they keep what they paid for), or now, prorated. Upgrades are always now.
   */
  TALLY_DOWNGRADE_AT: z.enum(["period_end", "now"]).default("period_end"),
  /** The UTC hour from which the worker runs the nightly reconciliation (once per day). */
  TALLY_RECONCILIATION_HOUR_UTC: z.coerce.number().int().min(0).max(23).default(2),
  /**
   * Encrypts connector secrets at rest (product database URLs, CRM tokens): 32 bytes, base64 or hex
   * (`openssl rand -base64 32`). Unset: connectors cannot be created. `npm start` generates one into
   * the data folder. Changing it makes stored secrets unreadable (re-enter them).
   */
  TALLY_ENCRYPTION_KEY: z
    .string()
    .refine((value) => /^[0-9a-fA-F]{64}$/.test(value) || Buffer.from(value, "base64").length === 32, "must be 32 bytes, as 64 hex digits or base64")
    .optional(),
  /** How often a new connector runs (minutes); each connector's own schedule can be changed in the admin. */
  TALLY_CONNECTOR_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1_440).default(15),
  /** How often the worker sends `usage.period_summary` webhooks of every customer's current period (minutes). */
  TALLY_USAGE_SUMMARY_MINUTES: z.coerce.number().int().min(1).max(1_440).default(15),
  /** Enables /api/bench/* (the naive baseline the benchmarks compare against). Never in production. */
  TALLY_BENCH_ROUTES: z
    .enum(["0", "1"])
    .default("0")
    .transform((value) => value === "1"),
  /** Pins the demo API key the seed creates (otherwise a random one is printed). */
  TALLY_DEMO_API_KEY: z
    .string()
    .regex(/^tly_[A-Za-z0-9_-]{24,}$/, "must look like tly_ followed by at least 24 letters, digits, - or _")
    .optional(),
});

export type TEnv = z.infer<typeof ZEnv>;

/** Parses a set of variables; empty strings count as unset, as in most .env files. */
export function parseEnv(source: Record<string, string | undefined>): TEnv {
  const present = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ""));
  const result = ZEnv.safeParse(present);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  - ${issue.path.join(".")}: ${issue.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

export const env: TEnv = parseEnv(process.env);
