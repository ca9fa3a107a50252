// Before a SQL source is saved: connect, and run the query for its columns only (LIMIT 0), so a
// wrong password, a typo in the query or a missing column is an error on the form's field, not a
// failed run a quarter of an hour later.
import type { SqlSourceMode } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { requireSourceColumns } from "./postgres/compute-source-events";
import { readSourceRows } from "./postgres/read-source-rows";
import { ConnectorError } from "./types";

/** `pointerPrefix`: where the form's fields are (an update's are under `/changes`). */
export async function checkSqlSource(source: { connectionUrl: string; query: string; mode: SqlSourceMode }, now: Date, pointerPrefix = ""): Promise<void> {
  try {
    const { columns } = await readSourceRows({ url: source.connectionUrl, query: source.query }, { now, columnsOnly: true });
    requireSourceColumns(source.mode, columns, source.query);
  } catch (error) {
    if (!(error instanceof ConnectorError)) throw error;
    const field = `${pointerPrefix}${error.code === "connection_failed" ? "/connectionUrl" : "/query"}`;
    throw new AppError("unprocessable", error.message, { errors: [{ pointer: field, code: error.code, detail: error.message }] });
  }
}
