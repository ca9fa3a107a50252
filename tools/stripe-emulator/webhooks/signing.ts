// Webhook signatures (SEMANTICS.md §13): `Stripe-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
// HMAC-SHA256 of "<t>.<raw body>" keyed with the endpoint secret — what the SDK's
// `stripe.webhooks.constructEvent(rawBody, header, secret)` checks.
import { createHmac, randomBytes } from "node:crypto";

/** A new endpoint secret, shaped like Stripe's (`whsec_` + 32 base62-ish characters). */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url").replace(/[-_]/g, "0").slice(0, 32)}`;
}

export function computeSignature(payload: string, secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
}

/** The `Stripe-Signature` header for one delivery attempt. */
export function signatureHeader(payload: string, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${computeSignature(payload, secret, timestamp)}`;
}
