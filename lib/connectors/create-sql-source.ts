// Registers a SQL source: checked against the product database first, its connection URL sealed,
// its idempotency key prefix fixed (every event it records is keyed `<prefix>:…`, so a source made
// again with the same prefix never records a row twice). Its first run is due at once.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db, type Prisma } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { AppError } from "@/lib/errors";
import { checkSqlSource } from "./check-sql-source";
import type { TSqlSourceCreateInput } from "./schemas";
import { sealSecret } from "./secret-box";
import { connectionUrlHint } from "./secret-hint";

/** From the name: "Product DB (EU)" → "product-db-eu". */
export const keyPrefixFromName = (name: string) =>
  `sql-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`.slice(0, 30).replace(/-+$/, "");

export async function createSqlSource(input: TSqlSourceCreateInput, context: TAuditContext, now = new Date()): Promise<Prisma.ConnectorModel> {
  await checkSqlSource(input, now);
  const keyPrefix = input.keyPrefix ?? keyPrefixFromName(input.name);
  try {
    return await db.$transaction(async (tx) => {
      const created = await tx.connector.create({
        data: {
          kind: "POSTGRES",
          name: input.name,
          secretCiphertext: sealSecret(input.connectionUrl),
          secretHint: connectionUrlHint(input.connectionUrl),
          query: input.query,
          mode: input.mode,
          keyPrefix,
          intervalMinutes: input.intervalMinutes,
          nextRunAt: now,
        },
      });
      const { secretCiphertext: _secret, ...after } = created;
      await recordAudit(tx, { ...context, action: "connector.created", entityType: "connector", entityId: created.id, after });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error, "Connector")) {
      const taken = (await db.connector.count({ where: { name: input.name } })) > 0;
      const [pointer, detail] = taken ? ["/name", `A connector is already named "${input.name}".`] : ["/keyPrefix", `Another source records with the key prefix "${keyPrefix}"; choose another.`];
      throw new AppError("conflict", detail, { errors: [{ pointer, detail }] });
    }
    throw error;
  }
}
