// The one Stripe client. The app cannot tell Stripe from the emulator beyond these connection
// options: STRIPE_API_URL (unset: api.stripe.com) and the key.
import Stripe from "stripe";
import { env } from "@/lib/env";

/** The API version the code is written against; Stripe answers in it whatever the account's default. */
export const STRIPE_API_VERSION = Stripe.API_VERSION;

export function createStripeClient(options: { apiKey?: string; apiUrl?: string; maxNetworkRetries?: number; timeoutMs?: number } = {}): Stripe {
  const apiKey = options.apiKey ?? env.STRIPE_SECRET_KEY;
  if (!apiKey) throw new Error("STRIPE_SECRET_KEY is not set. `npm start` runs the Stripe emulator and sets it; in production set your key.");
  const apiUrl = options.apiUrl ?? env.STRIPE_API_URL;
  const base = apiUrl ? new URL(apiUrl) : undefined;
  return new Stripe(apiKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    appInfo: { name: "Tally" },
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === "https:" ? 443 : 80)),
          protocol: base.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
}

let client: Stripe | undefined;

/** The process-wide client (created on first use, so builds and tests need no key). */
export function getStripe(): Stripe {
  client ??= createStripeClient();
  return client;
}
