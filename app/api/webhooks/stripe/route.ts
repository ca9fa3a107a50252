import { json, route } from "@/lib/http/route";
import { handleStripeWebhook } from "@/lib/stripe/webhooks/handle-stripe-webhook";

export const dynamic = "force-dynamic";

/**
 * Stripe's webhook deliveries. The signature covers the exact bytes, so the body is read as raw
 * text. 200 once applied (or already applied, or of a type Tally ignores); 400 for a missing or bad
 * signature; 503 when no secret is configured; 500 when applying failed, so Stripe retries.
 */
export const POST = route({ auth: "public" }, async ({ request }) => {
  const result = await handleStripeWebhook({ rawBody: await request.text(), signature: request.headers.get("stripe-signature") });
  return json({ received: true, event_id: result.eventId, type: result.type, outcome: result.outcome });
});
