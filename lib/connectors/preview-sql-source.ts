// The dry-run button: what the source's next run would record now, computed by the run itself in a
// transaction that is rolled back. Nothing is written, not even a run row; a broken connection or
// query is the action's error.
import { db as defaultDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { runSqlSource, type TSqlSourceRun } from "./postgres/run-sql-source";
import { ConnectorError } from "./types";

export async function previewSqlSource(connectorId: string, options: { now?: Date; db?: typeof defaultDb } = {}): Promise<TSqlSourceRun> {
  const db = options.db ?? defaultDb;
  const connector = await db.connector.findUnique({ where: { id: connectorId } });
  if (!connector || connector.kind !== "POSTGRES" || !connector.query || !connector.mode || !connector.keyPrefix) throw new AppError("not_found", "No such SQL source.");
  try {
    return await runSqlSource(
      { id: connector.id, query: connector.query, mode: connector.mode, keyPrefix: connector.keyPrefix, secretCiphertext: connector.secretCiphertext },
      { now: options.now ?? new Date(), dryRun: true, db },
    );
  } catch (error) {
    if (error instanceof ConnectorError) throw new AppError("unprocessable", error.message);
    throw error;
  }
}
