// Registers a SQL source: checked against the product database first, its connection URL sealed,
// its idempotency key prefix fixed (every event it records is keyed `<prefix>:…`, so a source made
// again with the same prefix never records a row twice). Its first run is due at once.
import type { TAuditContext } from "@/lib/audit/record-audit";
import type { Prisma } from "@/lib/db";
import { checkSqlSource } from "./check-sql-source";
import { createConnector } from "./create-connector";
import type { TSqlSourceCreateInput } from "./schemas";
import { sealSecret } from "./secret-box";
import { connectionUrlHint } from "./secret-hint";

/** From the name: "Product DB (EU)" → "sql-product-db-eu". */
export const keyPrefixFromName = (name: string) =>
  `sql-${name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "")}`.slice(0, 30).replace(/-+$/, "");

export async function createSqlSource(input: TSqlSourceCreateInput, context: TAuditContext, now = new Date()): Promise<Prisma.ConnectorModel> {
  await checkSqlSource(input, now);
  return createConnector(
    {
      kind: "POSTGRES",
      name: input.name,
      secretCiphertext: sealSecret(input.connectionUrl),
      secretHint: connectionUrlHint(input.connectionUrl),
      query: input.query,
      mode: input.mode,
      keyPrefix: input.keyPrefix ?? keyPrefixFromName(input.name),
      intervalMinutes: input.intervalMinutes,
      nextRunAt: now,
    },
    context,
  );
}
