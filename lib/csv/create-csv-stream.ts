// A CSV download as a web stream (a route handler returns `new Response(stream)`), pulled: rows are
// read from `rows` only when the consumer asks for more bytes, about 64 KiB at a time, so a slow
// client holds back the database reads behind it and memory stays flat at any size. The format and
// the cell rules are those of csv-columns.ts.
import { formatCsvRecords, toCsvCells, toCsvHeader, type TCsvColumn } from "./csv-columns";

/** About this many characters of cells per chunk the stream hands out. */
const CHUNK_CHARS = 64 * 1024;

/**
 * The header, then one record per row. A row the columns refuse (text in a number column), or an
 * error from `rows`, errors the stream (the download is cut short, never silently wrong); a consumer
 * that cancels (a closed connection) ends `rows` through its `return()`.
 */
export function createCsvStream<Row>(
  columns: readonly TCsvColumn<Row>[],
  rows: AsyncIterable<Row> | Iterable<Row>,
  options: { chunkChars?: number } = {},
): ReadableStream<Uint8Array> {
  const chunkChars = options.chunkChars ?? CHUNK_CHARS;
  const encoder = new TextEncoder();
  let iterator: AsyncIterator<Row> | undefined;
  let headerSent = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        iterator ??= toAsyncIterable(rows)[Symbol.asyncIterator]();
        const records: string[][] = headerSent ? [] : [toCsvHeader(columns)];
        headerSent = true;
        let chars = 0;
        let done = false;
        try {
          while (!done && chars < chunkChars) {
            const next = await iterator.next();
            if (next.done) {
              done = true;
            } else {
              const cells = toCsvCells(columns, next.value);
              records.push(cells);
              chars += 2; // the record's CRLF
              for (const cell of cells) chars += cell.length + 1;
            }
          }
        } catch (error) {
          await iterator.return?.();
          throw error;
        }
        if (records.length > 0) controller.enqueue(encoder.encode(formatCsvRecords(records)));
        if (done) controller.close();
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    // Nothing is read ahead of the consumer.
    { highWaterMark: 0 },
  );
}

function toAsyncIterable<Row>(rows: AsyncIterable<Row> | Iterable<Row>): AsyncIterable<Row> {
  if (Symbol.asyncIterator in rows) return rows;
  return (async function* () {
    yield* rows;
  })();
}
