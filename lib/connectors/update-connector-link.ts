// An admin stores (or removes) the HubSpot company a customer is. A stored id wins over matching by
// email domain, and is kept even when HubSpot later says it is gone (the admin decides).
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import type { TConnectorLinkInput } from "./schemas";

export async function updateConnectorLink(input: TConnectorLinkInput, context: TAuditContext): Promise<{ externalId: string | null }> {
  return db.$transaction(async (tx) => {
    const connector = await tx.connector.findUnique({ where: { id: input.connectorId }, select: { kind: true } });
    if (connector?.kind !== "HUBSPOT") throw new AppError("not_found", "No such connector.");
    const customer = await tx.customer.findUnique({ where: { id: input.customerId }, select: { id: true } });
    if (!customer) throw new AppError("not_found", "No such customer.");
    const key = { connectorId: input.connectorId, customerId: input.customerId };
    const before = await tx.connectorLink.findUnique({ where: { connectorId_customerId: key } });
    if (input.externalId === null) {
      if (!before) return { externalId: null };
      await tx.connectorLink.delete({ where: { connectorId_customerId: key } });
    } else {
      if (before?.externalId === input.externalId && before.source === "ADMIN") return { externalId: input.externalId };
      await tx.connectorLink.upsert({
        where: { connectorId_customerId: key },
        create: { ...key, externalId: input.externalId, source: "ADMIN" },
        update: { externalId: input.externalId, source: "ADMIN", lastSyncedAt: null },
      });
    }
    await recordAudit(tx, {
      ...context,
      action: "connector.link_updated",
      entityType: "connector",
      entityId: input.connectorId,
      customerId: input.customerId,
      before: before ? { externalId: before.externalId, source: before.source } : null,
      after: input.externalId === null ? null : { externalId: input.externalId, source: "ADMIN" },
    });
    return { externalId: input.externalId };
  });
}
