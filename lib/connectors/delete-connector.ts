// Deletes a connector with its runs, state and company links. A SQL source that recorded usage is
// paused instead, never deleted: its totals' state is what stops a later source with the same
// prefix from recording them again, and its run history is the trail of where that usage came from.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export async function deleteConnector(connectorId: string, context: TAuditContext): Promise<{ id: string }> {
  return db.$transaction(async (tx) => {
    const before = await tx.connector.findUnique({ where: { id: connectorId } });
    if (!before) throw new AppError("not_found", "No such connector.");
    if (before.runningSince) throw new AppError("conflict", `${before.name} is running; delete it once the run ends.`);
    if (before.kind === "POSTGRES" && (await tx.connectorRun.count({ where: { connectorId, recordedCount: { gt: 0 } } })) > 0) {
      throw new AppError("conflict", `${before.name} has recorded usage, so it is kept as the record of where that usage came from; pause it instead.`);
    }
    await tx.connector.delete({ where: { id: connectorId } });
    const { secretCiphertext: _secret, ...auditBefore } = before;
    await recordAudit(tx, { ...context, action: "connector.deleted", entityType: "connector", entityId: connectorId, before: auditBefore });
    return { id: connectorId };
  });
}
