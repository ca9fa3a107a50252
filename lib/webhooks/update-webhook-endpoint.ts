// Changes an endpoint's URL, description or event types, or disables / enables it. A disabled
// endpoint gets nothing new queued, and its pending deliveries fail ("endpoint disabled") at the next
// pass instead of being sent; after enabling it again, an admin may retry them. Changing nothing
// writes nothing (and no audit entry).
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TWebhookEndpointUpdate } from "./schemas";

const sameTypes = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((type, index) => type === b[index]);

export async function updateWebhookEndpoint(
  endpointId: string,
  changes: TWebhookEndpointUpdate,
  context: TAuditContext,
  now = new Date(),
): Promise<Prisma.WebhookEndpointModel> {
  return db.$transaction(async (tx) => {
    const before = await tx.webhookEndpoint.findUnique({ where: { id: endpointId } });
    if (!before) throw new AppError("not_found", "No such webhook endpoint.");
    const data: Prisma.WebhookEndpointUpdateInput = {};
    if (changes.url !== undefined && changes.url !== before.url) data.url = changes.url;
    if (changes.description !== undefined && changes.description !== before.description) data.description = changes.description;
    if (changes.eventTypes !== undefined && !sameTypes(changes.eventTypes, before.eventTypes)) data.eventTypes = changes.eventTypes;
    if (changes.enabled === false && before.disabledAt === null) data.disabledAt = now;
    if (changes.enabled === true && before.disabledAt !== null) data.disabledAt = null;
    if (Object.keys(data).length === 0) return before;

    const after = await tx.webhookEndpoint.update({ where: { id: endpointId }, data });
    const { secret: _before, ...auditBefore } = before;
    const { secret: _after, ...auditAfter } = after;
    await recordAudit(tx, { ...context, action: "webhook_endpoint.updated", entityType: "webhook_endpoint", entityId: endpointId, before: auditBefore, after: auditAfter });
    return after;
  });
}
