import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { readJsonBody } from "@/lib/http/read-json-body";

const request = (body: BodyInit, headers: Record<string, string> = { "content-type": "application/json" }) =>
  new Request("http://localhost/x", { method: "POST", body, headers, duplex: "half" } as RequestInit);

async function codeOf(promise: Promise<unknown>) {
  try {
    await promise;
    return "ok";
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
}

describe("readJsonBody", () => {
  it("parses JSON, including +json media types with parameters", async () => {
    expect(await readJsonBody(request('{"a":1}'))).toEqual({ a: 1 });
    expect(await readJsonBody(request("[1]", { "content-type": "application/problem+json; charset=utf-8" }))).toEqual([1]);
  });

  it("answers 415 for other content types", async () => {
    expect(await codeOf(readJsonBody(request('{"a":1}', { "content-type": "text/plain" })))).toBe("unsupported_media_type");
    expect(await codeOf(readJsonBody(request('{"a":1}', {})))).toBe("unsupported_media_type");
    expect(await codeOf(readJsonBody(request('{"a":1}', { "content-type": "application/jsonp" })))).toBe("unsupported_media_type");
  });

  it("answers 400 for malformed JSON", async () => {
    expect(await codeOf(readJsonBody(request('{"a":')))).toBe("malformed_json");
    expect(await codeOf(readJsonBody(request("")))).toBe("malformed_json");
  });

  it("answers 413 from the declared length without reading", async () => {
    const huge = request("{}", { "content-type": "application/json", "content-length": "5000000" });
    expect(await codeOf(readJsonBody(huge, 1_000))).toBe("payload_too_large");
  });

  it("stops reading a streamed body at the limit", async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 1;
        if (pulled > 10_000) controller.close();
        else controller.enqueue(new Uint8Array(1_024).fill(32));
      },
    });
    expect(await codeOf(readJsonBody(request(stream), 64 * 1_024))).toBe("payload_too_large");
    expect(pulled).toBeLessThan(100);
  });
});
