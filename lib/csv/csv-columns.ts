// The one CSV format Tally writes (customers' event downloads, finance's dispute CSVs): RFC 4180
// through csv-stringify (fields quoted when they hold a comma, a quote or a line break; quotes
// doubled), CRLF between records, a header row, UTF-8 without a byte order mark. No BOM, like
// Stripe's own exports: a BOM turns the first header into "\uFEFFid" for every program that reads
// the file, and Excel's Data → From Text/CSV reads UTF-8 without one.
//
// Each column declares its kind, and each kind has one rule for its cells:
// - text: a cell that a spreadsheet would run as a formula (it starts with = + - @, a tab, a
//   carriage return or a line feed, or their full-width forms, which Apple Numbers folds into the
//   ASCII ones) gets a leading single quote, OWASP's advice: it shows as text and never runs;
// - number: a plain decimal (`-0.25`, `12`, `1e-7`): written as is, so a negative number stays a
//   number; anything else throws, so text can never reach a spreadsheet unescaped through it;
// - datetime: ISO 8601 in UTC to the millisecond (`2026-11-21T10:15:00.000Z`).
// csv-stringify's own `escape_formulas` is not used: it applies to every field alike.
import { stringify } from "csv-stringify/sync";

export type TCsvColumn<Row> =
  | { header: string; kind: "text"; value: (row: Row) => string | null }
  | { header: string; kind: "number"; value: (row: Row) => string | number | bigint | null }
  | { header: string; kind: "datetime"; value: (row: Row) => Date | null };

export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

const FORMULA_START = new Set(["=", "+", "-", "@", "\t", "\r", "\n", "\uFF1D", "\uFF0B", "\uFF0D", "\uFF20"]);
const NUMBER = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Text a spreadsheet shows and never runs: a leading formula character gets a `'` before it. */
export function toInertText(text: string): string {
  return FORMULA_START.has(text.charAt(0)) ? `'${text}` : text;
}

function toNumberCell(header: string, value: string | number | bigint): string {
  const text = typeof value === "string" ? value : value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) throw new Error(`CSV column "${header}" holds a number column's non-finite value ${text}.`);
  if (!NUMBER.test(text)) throw new Error(`CSV column "${header}" is a number column; ${JSON.stringify(text.slice(0, 40))} is not a number.`);
  return text;
}

function toDatetimeCell(header: string, value: Date): string {
  const text = Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (!ISO_UTC.test(text)) throw new Error(`CSV column "${header}" is a datetime column; the date is invalid or outside years 0000–9999.`);
  return text;
}

/** One row's cells, each by its column's rule (null is an empty cell). */
export function toCsvCells<Row>(columns: readonly TCsvColumn<Row>[], row: Row): string[] {
  return columns.map((column) => {
    switch (column.kind) {
      case "text": {
        const value = column.value(row);
        return value === null ? "" : toInertText(value);
      }
      case "number": {
        const value = column.value(row);
        return value === null ? "" : toNumberCell(column.header, value);
      }
      case "datetime": {
        const value = column.value(row);
        return value === null ? "" : toDatetimeCell(column.header, value);
      }
    }
  });
}

/** Records (rows of cells from `toCsvCells`, or the header) as CSV text, each ending in CRLF. */
export function formatCsvRecords(records: readonly (readonly string[])[]): string {
  // quote_record_delimiter: csv-stringify stops quoting a lone CR or LF once record_delimiter is
  // set, which would split such a field into two records for any reader.
  return stringify(records as string[][], { record_delimiter: "\r\n", quote_record_delimiter: true, eof: true, bom: false });
}

/** The header record (headers follow the text rule too). */
export function toCsvHeader<Row>(columns: readonly TCsvColumn<Row>[]): string[] {
  return columns.map((column) => toInertText(column.header));
}
