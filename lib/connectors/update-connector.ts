// Changes a connector: its name, schedule, pause, query, secret or HubSpot address. A new query or
// connection URL is checked against the product database first. The key prefix and the kind of
// rows are fixed (changing them would re-key, and so re-record, what the source already recorded).
// A new schedule takes effect from now; changing nothing writes nothing.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import { checkSqlSource } from "./check-sql-source";
import type { TConnectorUpdate } from "./schemas";
import { openSecret, sealSecret } from "./secret-box";
import { connectionUrlHint, tokenHint } from "./secret-hint";

export async function updateConnector(connectorId: string, changes: TConnectorUpdate, context: TAuditContext, now = new Date()): Promise<Prisma.ConnectorModel> {
  const before = await db.connector.findUnique({ where: { id: connectorId } });
  if (!before) throw new AppError("not_found", "No such connector.");
  const data: Prisma.ConnectorUpdateInput = {};
  if (changes.name !== undefined && changes.name !== before.name) data.name = changes.name;
  if (changes.enabled !== undefined && changes.enabled !== before.enabled) data.enabled = changes.enabled;
  if (changes.intervalMinutes !== undefined && changes.intervalMinutes !== before.intervalMinutes) {
    data.intervalMinutes = changes.intervalMinutes;
    data.nextRunAt = new Date(Math.min(before.nextRunAt.getTime(), now.getTime() + changes.intervalMinutes * 60_000));
  }
  if (before.kind === "POSTGRES") {
    if (changes.query !== undefined && changes.query !== before.query) data.query = changes.query;
    if (changes.connectionUrl !== undefined) {
      data.secretCiphertext = sealSecret(changes.connectionUrl);
      data.secretHint = connectionUrlHint(changes.connectionUrl);
    }
    if (data.query !== undefined || changes.connectionUrl !== undefined) {
      await checkSqlSource({ connectionUrl: changes.connectionUrl ?? openSecret(before.secretCiphertext), query: changes.query ?? before.query ?? "", mode: before.mode ?? "RAW" }, now, "/changes");
    }
  } else {
    if (changes.accessToken !== undefined) {
      data.secretCiphertext = sealSecret(changes.accessToken);
      data.secretHint = tokenHint(changes.accessToken);
    }
    if (changes.apiBaseUrl !== undefined && changes.apiBaseUrl !== before.apiBaseUrl) data.apiBaseUrl = changes.apiBaseUrl;
  }
  if (Object.keys(data).length === 0) return before;

  try {
    return await db.$transaction(async (tx) => {
      const after = await tx.connector.update({ where: { id: connectorId }, data });
      const { secretCiphertext: _before, ...auditBefore } = before;
      const { secretCiphertext: _after, ...auditAfter } = after;
      await recordAudit(tx, { ...context, action: "connector.updated", entityType: "connector", entityId: connectorId, before: auditBefore, after: auditAfter });
      return after;
    });
  } catch (error) {
    if (isUniqueViolation(error, "Connector")) {
      const detail = `A connector is already named "${changes.name}".`;
      throw new AppError("conflict", detail, { errors: [{ pointer: "/changes/name", detail }] });
    }
    throw error;
  }
}
