import { AppError } from "@/lib/errors";

export const DEFAULT_MAX_BODY_BYTES = 1_000_000;

/**
 * Reads a JSON body: 415 unless it is declared JSON, 413 past `maxBytes` (stops reading there, so a
 * huge body is never held in memory), 400 when it does not parse.
 */
export async function readJsonBody(request: Request, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType)) {
    throw new AppError("unsupported_media_type", "Send the body as JSON with `Content-Type: application/json`.");
  }
  const tooLarge = () => new AppError("payload_too_large", `The body is larger than ${maxBytes.toLocaleString("en-US")} bytes.`);
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("malformed_json", "The body is not valid JSON.");
  }
}
