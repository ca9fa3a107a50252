// Runs an admin's query against the vendor's product database. The one place Tally runs SQL it did
// not write (STYLE's tagged-$queryRaw rule is for Tally's own database): so the query runs in a
// READ ONLY transaction with a statement timeout, whatever the role's rights, wrapped as a
// subquery (one SELECT; a second statement is refused by the extended protocol). Its rows are
// streamed through a server-side cursor a page at a time, so a run's memory does not grow with them.
//
// Parameters the query may use: $1 = the oldest instant Tally still records (now − 35 days, what
// Stripe accepts), $2 = now, and for raw events $3 = since: the start of the source's last run that
// went through, less an hour (rows committed late are still seen; re-reading is harmless), or $1
// before any. All three are bound, typed timestamptz, whichever the query uses.
import pg from "pg";
import Cursor from "pg-cursor";
import { MAX_EVENT_AGE_MS } from "@/lib/metering/compute-usage-event";
import { ConnectorError } from "../types";

export const SOURCE_LIMITS = {
  /** A page of rows: read, turned into events and recorded before the next is read. */
  pageRows: 5_000,
  /** More rows than this in one run fails it (narrow the query with $1 or $3), never silently. */
  maxRows: 5_000_000,
  /** Each statement (the query, each page's FETCH). */
  statementTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
};

/** How far before the last run `$3` starts: rows the product commits late are still read. */
export const SINCE_OVERLAP_MS = 60 * 60_000;

/** The highest of $1, $2, $3 the query uses; a higher one is an error (a rough scan: text inside string literals counts too). */
export function countQueryParameters(query: string): number {
  const used = [...query.matchAll(/\$(\d+)(?!\d)/g)].map((match) => Number(match[1]));
  const highest = Math.max(0, ...used);
  if (highest > 3) throw new ConnectorError("query_parameters", `The query uses $${highest}; only $1 (now − 35 days), $2 (now) and $3 (since the last run) are given.`);
  return highest;
}

/** Strips what would break the wrapping subquery: trailing semicolons and whitespace. */
export const normalizeQuery = (query: string) => query.trim().replace(/[;\s]+$/, "");

export type TReadSourceOptions = {
  now: Date;
  /** $3; default $1. */
  since?: Date | null;
  /** Only the query's columns (LIMIT 0): checks a query without reading its rows. */
  columnsOnly?: boolean;
  /** Called with the columns before any row: throw to stop (a missing column). */
  onColumns?: (columns: string[]) => void;
  /** Called with each page and its first row's number (1-based); `false` stops reading (a dry run's limit). */
  onPage?: (rows: Record<string, unknown>[], firstRow: number) => Promise<boolean | void>;
  pageRows?: number;
  maxRows?: number;
};

/** The columns, how many rows were read, and whether onPage stopped the reading early. */
export async function readSourceRows(source: { url: string; query: string }, options: TReadSourceOptions): Promise<{ columns: string[]; rowsRead: number; stopped: boolean }> {
  const oldest = new Date(options.now.getTime() - MAX_EVENT_AGE_MS);
  countQueryParameters(source.query);
  const parameters = [oldest, options.now, options.since ?? oldest];
  const query = normalizeQuery(source.query);
  const maxRows = options.maxRows ?? SOURCE_LIMITS.maxRows;
  const client = new pg.Client({ connectionString: source.url, connectionTimeoutMillis: SOURCE_LIMITS.connectTimeoutMs, application_name: "tally-connector" });
  client.on("error", () => undefined); // a connection dropped between queries surfaces as the query's error
  try {
    await client.connect();
  } catch (error) {
    throw new ConnectorError("connection_failed", `Could not connect to the product database: ${describePgError(error)}`);
  }
  /** An error of Tally's own work on a page (recording), passed on as it is. */
  let ownError: { error: unknown } | null = null;
  try {
    await client.query("BEGIN READ ONLY");
    await client.query(`SET LOCAL statement_timeout = ${SOURCE_LIMITS.statementTimeoutMs}`);
    // The CTE names all three parameters' types, whichever of them the query uses (Postgres cannot
    // type a parameter nothing refers to); it is never read.
    const wrapped = `WITH tally_parameters AS (SELECT $1::timestamptz AS oldest, $2::timestamptz AS now, $3::timestamptz AS since)\nSELECT * FROM (${query}\n) AS tally_source`;
    const columns = (await client.query({ text: `${wrapped} LIMIT 0`, values: parameters })).fields.map((field) => field.name);
    if (options.columnsOnly) return { columns, rowsRead: 0, stopped: false };
    try {
      options.onColumns?.(columns);
    } catch (error) {
      ownError = { error };
      throw error;
    }

    const cursor = client.query(new Cursor<Record<string, unknown>>(wrapped, parameters));
    let rowsRead = 0;
    for (;;) {
      const rows = await cursor.read(options.pageRows ?? SOURCE_LIMITS.pageRows);
      if (rows.length === 0) break;
      if (rowsRead + rows.length > maxRows) {
        throw new ConnectorError(
          "too_many_rows",
          `The query returned more than ${maxRows.toLocaleString("en-US")} rows; the run stopped there (the first ${rowsRead.toLocaleString("en-US")} were recorded). Narrow it with $3 (raw events since the last run) or $1.`,
        );
      }
      const firstRow = rowsRead + 1;
      rowsRead += rows.length;
      let goOn: boolean | void;
      try {
        goOn = await options.onPage?.(rows, firstRow);
      } catch (error) {
        ownError = { error };
        throw error;
      }
      if (goOn === false) return { columns, rowsRead, stopped: true };
    }
    return { columns, rowsRead, stopped: false };
  } catch (error) {
    if (ownError || error instanceof ConnectorError) throw error;
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
