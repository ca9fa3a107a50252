// Runs an admin's query against the vendor's product database. The one place Tally runs SQL it did
// not write (STYLE's tagged-$queryRaw rule is for Tally's own database): so the query runs in a
// READ ONLY transaction with a statement timeout, whatever the role's rights, wrapped as a
// subquery (one SELECT; a second statement is refused by the extended protocol) under a row cap.
//
// Parameters the query may use: $1 = the oldest instant Tally still records (now − 35 days, what
// Stripe accepts), $2 = now. Tally binds as many as the query refers to.
import pg from "pg";
import { MAX_EVENT_AGE_MS } from "@/lib/metering/compute-usage-event";
import { ConnectorError } from "../types";

export type TSourceRows = { columns: string[]; rows: Record<string, unknown>[] };

export const SOURCE_LIMITS = {
  /** More rows than this is an error (narrow the query with $1/$2), never a silently truncated run. */
  maxRows: 100_000,
  statementTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
};

/** Which of $1, $2 the query uses (a rough scan: a `$1` inside a string literal counts too, which only binds an unused value). */
export function countQueryParameters(query: string): number {
  const used = [...query.matchAll(/\$(\d+)(?!\d)/g)].map((match) => Number(match[1]));
  const highest = Math.max(0, ...used);
  if (highest > 2) throw new ConnectorError("query_parameters", `The query uses $${highest}; only $1 (the oldest instant recorded, now − 35 days) and $2 (now) are given.`);
  return highest;
}

/** Strips what would break the wrapping subquery: trailing semicolons and whitespace. */
export const normalizeQuery = (query: string) => query.trim().replace(/[;\s]+$/, "");

export async function readSourceRows(source: { url: string; query: string }, options: { now: Date; limit?: number; columnsOnly?: boolean }): Promise<TSourceRows> {
  const parameters = [new Date(options.now.getTime() - MAX_EVENT_AGE_MS), options.now].slice(0, countQueryParameters(source.query));
  const limit = options.columnsOnly ? 0 : (options.limit ?? SOURCE_LIMITS.maxRows) + 1;
  const client = new pg.Client({
    connectionString: source.url,
    connectionTimeoutMillis: SOURCE_LIMITS.connectTimeoutMs,
    application_name: "tally-connector",
  });
  client.on("error", () => undefined); // a connection dropped between queries surfaces as the query's error
  try {
    await client.connect();
  } catch (error) {
    throw new ConnectorError("connection_failed", `Could not connect to the product database: ${describePgError(error)}`);
  }
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${SOURCE_LIMITS.statementTimeoutMs}`);
    const result = await client.query({ text: `SELECT * FROM (${normalizeQuery(source.query)}\n) AS tally_source LIMIT ${limit}`, values: parameters });
    await client.query("ROLLBACK");
    if (!options.columnsOnly && result.rows.length > (options.limit ?? SOURCE_LIMITS.maxRows)) {
      throw new ConnectorError(
        "too_many_rows",
        `The query returned more than ${(options.limit ?? SOURCE_LIMITS.maxRows).toLocaleString("en-US")} rows; nothing was recorded. Narrow it to recent rows with $1 (now − 35 days) or aggregate them.`,
      );
    }
    return { columns: result.fields.map((field) => field.name), rows: result.rows as Record<string, unknown>[] };
  } catch (error) {
    if (error instanceof ConnectorError) throw error;
    throw new ConnectorError("query_failed", `The query failed: ${describePgError(error)}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Postgres' own message (it never contains the password), with its position or hint when it gives one. */
function describePgError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as Error & { code?: string; hint?: string; address?: string; port?: number };
  if (pgError.code === "ECONNREFUSED") return `nothing answers at ${pgError.address ?? "the host"}:${pgError.port ?? ""} (connection refused).`;
  if (pgError.code === "ENOTFOUND") return "the host name does not resolve.";
  if (pgError.code === "57014") return `it ran longer than ${SOURCE_LIMITS.statementTimeoutMs / 1000} s and was cancelled.`;
  if (pgError.code === "25006") return `${pgError.message} (Tally runs the query read-only).`;
  return pgError.hint ? `${pgError.message} (${pgError.hint})` : pgError.message;
}
