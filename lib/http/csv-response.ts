// A CSV download's response: the one content type, an attachment name, never cached, never sniffed.
import { CSV_CONTENT_TYPE } from "@/lib/csv/csv-columns";

export function csvResponse(body: ReadableStream<Uint8Array> | string, filename: string): Response {
  return new Response(body, {
    headers: {
      "content-type": CSV_CONTENT_TYPE,
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
