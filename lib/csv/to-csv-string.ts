// A small table as one CSV string (tests, and tables small enough to hold in memory); the same
// format and cell rules as the streamed downloads (csv-columns.ts).
import { formatCsvRecords, toCsvCells, toCsvHeader, type TCsvColumn } from "./csv-columns";

export function toCsvString<Row>(columns: readonly TCsvColumn<Row>[], rows: Iterable<Row>): string {
  return formatCsvRecords([toCsvHeader(columns), ...Array.from(rows, (row) => toCsvCells(columns, row))]);
}
