// Adds an endpoint that receives Tally's events, with a new signing secret (shown to admins on the
// sync page, for their receiver). The audit entry records everything but the secret.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import type { TWebhookEndpointCreateInput } from "./schemas";
import { createWebhookSecret } from "./sign-webhook";

export async function createWebhookEndpoint(input: TWebhookEndpointCreateInput, context: TAuditContext): Promise<Prisma.WebhookEndpointModel> {
  return db.$transaction(async (tx) => {
    const created = await tx.webhookEndpoint.create({
      data: { url: input.url, description: input.description, eventTypes: input.eventTypes, secret: createWebhookSecret() },
    });
    const { secret: _secret, ...after } = created;
    await recordAudit(tx, { ...context, action: "webhook_endpoint.created", entityType: "webhook_endpoint", entityId: created.id, after });
    return created;
  });
}
