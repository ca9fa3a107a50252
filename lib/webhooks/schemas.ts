// Webhook endpoint inputs from the admin forms (server actions).
//
// The URL rule, kept simple: http or https, no credentials in it (fetch refuses them; put a token in
// the path instead); in production (NODE_ENV=production) https only, except to localhost, 127.0.0.1
// or [::1] (a receiver on the same machine). Development and tests may use http anywhere.
import { z } from "zod";
import { env } from "@/lib/env";
import { WEBHOOK_EVENT_TYPES, ZWebhookEventType } from "./webhook-event-types";

const LOCAL_HOSTNAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Why Tally would not send webhooks to `value` (a message for the form), or null when it would. */
export function webhookUrlProblem(value: string, options: { production: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full URL, e.g. https://example.com/webhooks/tally.";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "The URL must start with https:// or http://.";
  if (url.username || url.password) return "Leave credentials out of the URL: every delivery is signed.";
  if (options.production && url.protocol === "http:" && !LOCAL_HOSTNAMES.has(url.hostname)) return "Use https:// (http:// only for localhost).";
  return null;
}

const ZWebhookUrl = z
  .string()
  .trim()
  .min(1, "Enter the endpoint's URL.")
  .max(2048, "At most 2,048 characters.")
  .superRefine((value, ctx) => {
    const problem = webhookUrlProblem(value, { production: env.NODE_ENV === "production" });
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

const ZDescription = z
  .string()
  .trim()
  .max(200, "At most 200 characters.")
  .transform((value) => value || null);

/** At least one, each once, in the declared order. */
const ZWebhookEventTypes = z
  .array(ZWebhookEventType)
  .min(1, "Choose at least one event type.")
  .transform((types) => WEBHOOK_EVENT_TYPES.filter((type) => types.includes(type)));

const ZEndpointId = z.uuid("No such webhook endpoint.");

export const ZWebhookEndpointCreateInput = z.strictObject({
  url: ZWebhookUrl,
  description: ZDescription.optional().transform((value) => value ?? null),
  eventTypes: ZWebhookEventTypes,
});
export type TWebhookEndpointCreateInput = z.output<typeof ZWebhookEndpointCreateInput>;

export const ZWebhookEndpointUpdate = z
  .strictObject({
    url: ZWebhookUrl.optional(),
    description: ZDescription.nullable().optional(),
    eventTypes: ZWebhookEventTypes.optional(),
    /** false disables the endpoint: nothing new is queued for it, and its pending deliveries fail. */
    enabled: z.boolean().optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), "Nothing to change.");
export type TWebhookEndpointUpdate = z.output<typeof ZWebhookEndpointUpdate>;

/** The endpoint's id with its changes (field errors point at `/changes/<field>`). */
export const ZWebhookEndpointUpdateInput = z.strictObject({ endpointId: ZEndpointId, changes: ZWebhookEndpointUpdate });

export const ZWebhookEndpointIdInput = z.strictObject({ endpointId: ZEndpointId });

export const ZWebhookDeliveryIdInput = z.strictObject({ deliveryId: z.uuid("No such webhook delivery.") });

/**
 * The sync page's deliveries query, from its address: `?deliveries=failed|pending|sent` (anything
 * else: all) and `deliveriesAfter=<delivery id>` (the page after it). Bad values are ignored.
 */
export const ZWebhookDeliveriesQuery = z
  .object({
    deliveries: z.enum(["pending", "sent", "failed"]).optional().catch(undefined),
    deliveriesAfter: z.uuid().optional().catch(undefined),
  })
  .transform(({ deliveries, deliveriesAfter }) => ({
    status: deliveries ? (deliveries.toUpperCase() as "PENDING" | "SENT" | "FAILED") : undefined,
    cursor: deliveriesAfter,
  }));
