// The emulator's webhook endpoint for the app (`npm start` without STRIPE_SECRET_KEY): every event
// is posted to /api/webhooks/stripe, signed with a secret the app gets as STRIPE_WEBHOOK_SECRET.
//
// Stripe shows an endpoint's secret only in the create response, so the endpoint id and secret are
// kept in the data folder (mode 0600) next to the emulator's state, and reused while the emulator
// still has that endpoint at that URL. Keeping one endpoint (rather than recreating it each start)
// keeps its delivery history in the emulator's view. When the emulator's state was wiped or PORT
// changed, the stale endpoint is deleted and a new one created.
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { createStripeClient } from "@/lib/stripe/client";

const ZSaved = z.object({ id: z.string(), url: z.string(), secret: z.string().startsWith("whsec_") });

export async function ensureWebhookEndpoint(options: { apiUrl: string; apiKey: string; appUrl: string; dataDir: string }): Promise<string> {
  const stripe = createStripeClient({ apiKey: options.apiKey, apiUrl: options.apiUrl });
  const url = new URL("/api/webhooks/stripe", options.appUrl).toString();
  const file = path.join(options.dataDir, "stripe-webhook-endpoint.json");

  const saved = existsSync(file) ? ZSaved.safeParse(JSON.parse(await readFile(file, "utf8"))) : undefined;
  if (saved?.success && saved.data.url === url) {
    const current = await stripe.webhookEndpoints.retrieve(saved.data.id).catch(() => undefined);
    if (current && current.url === url) {
      if (current.status !== "enabled") await stripe.webhookEndpoints.update(current.id, { disabled: false });
      return saved.data.secret;
    }
  }

  // The endpoint of a previous PORT, and endpoints at our URL whose secret we no longer know, would
  // deliver every event again (to nobody, or unverifiable).
  const stale: string[] = saved?.success ? [saved.data.id] : [];
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    if (endpoint.url === url) stale.push(endpoint.id);
  }
  for (const id of new Set(stale)) await stripe.webhookEndpoints.del(id).catch(() => undefined);
  const created = await stripe.webhookEndpoints.create({
    url,
    enabled_events: ["*"],
    description: "Tally (npm start)",
  });
  if (!created.secret) throw new Error("The Stripe emulator created a webhook endpoint without returning its secret.");
  await writeFile(file, `${JSON.stringify({ id: created.id, url, secret: created.secret })}\n`, { mode: 0o600 });
  return created.secret;
}
