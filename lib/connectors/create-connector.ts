// Stores a new connector (either kind) with its audit entry, in one transaction; the secret never
// reaches the audit log. A name (or a SQL source's key prefix) already taken is a 409 on its field.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";

export async function createConnector(data: Prisma.ConnectorCreateInput, context: TAuditContext): Promise<Prisma.ConnectorModel> {
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.connector.create({ data });
      const { secretCiphertext: _secret, ...after } = created;
      await recordAudit(tx, { ...context, action: "connector.created", entityType: "connector", entityId: created.id, after });
      return created;
    });
  } catch (error) {
    if (!isUniqueViolation(error, "Connector")) throw error;
    const nameTaken = (await db.connector.count({ where: { name: data.name } })) > 0;
    const [pointer, detail] = nameTaken
      ? ["/name", `A connector is already named "${data.name}".`]
      : ["/keyPrefix", `Another source records with the key prefix "${data.keyPrefix}"; choose another.`];
    throw new AppError("conflict", detail, { errors: [{ pointer, detail }] });
  }
}
