// Gives an endpoint a new signing secret, at once: every attempt from now on is signed with it (an
// attempt already in flight carries the old one), so update the receiver right after. The audit
// entry says that it changed, never what it is.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { createWebhookSecret } from "./sign-webhook";

export async function rotateWebhookSecret(endpointId: string, context: TAuditContext): Promise<Prisma.WebhookEndpointModel> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.webhookEndpoint.updateMany({ where: { id: endpointId }, data: { secret: createWebhookSecret() } });
    if (count === 0) throw new AppError("not_found", "No such webhook endpoint.");
    await recordAudit(tx, { ...context, action: "webhook_endpoint.secret_rotated", entityType: "webhook_endpoint", entityId: endpointId });
    return tx.webhookEndpoint.findUniqueOrThrow({ where: { id: endpointId } });
  });
}
