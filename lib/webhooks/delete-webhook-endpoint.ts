// Deletes an endpoint and, with it, its deliveries (sent, pending and failed). A delivery in flight
// still reaches the receiver; its outcome is then recorded nowhere.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export async function deleteWebhookEndpoint(endpointId: string, context: TAuditContext): Promise<{ id: string }> {
  return db.$transaction(async (tx) => {
    const before = await tx.webhookEndpoint.findUnique({ where: { id: endpointId } });
    if (!before) throw new AppError("not_found", "No such webhook endpoint.");
    const deliveries = await tx.webhookDelivery.count({ where: { endpointId } });
    await tx.webhookEndpoint.delete({ where: { id: endpointId } });
    const { secret: _secret, ...audited } = before;
    await recordAudit(tx, { ...context, action: "webhook_endpoint.deleted", entityType: "webhook_endpoint", entityId: endpointId, before: { ...audited, deliveries } });
    return { id: endpointId };
  });
}
