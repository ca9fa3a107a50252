import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AppError, ERROR_STATUS } from "@/lib/errors";
import { fromZodError, problemResponse, toPointer } from "@/lib/http/problem";

describe("problem+json", () => {
  it("renders an AppError as RFC 9457 with its stable code, status and extra headers", async () => {
    const error = new AppError("rate_limited", "Slow down.", { headers: { "retry-after": "3" } });
    const response = problemResponse(error, { instance: "/api/v1/events", requestId: "req-1" });
    expect(response.status).toBe(429);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.headers.get("x-request-id")).toBe("req-1");
    expect(await response.json()).toEqual({
      type: "/problems/rate_limited",
      title: "Too many requests",
      status: 429,
      detail: "Slow down.",
      instance: "/api/v1/events",
      code: "rate_limited",
      request_id: "req-1",
    });
  });

  it("never leaks an unexpected error's message, SQL or stack", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const secret = new Error('duplicate key value violates unique constraint "users_email_key" SELECT * FROM users');
    const response = problemResponse(secret, { requestId: "req-2" });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(text).not.toMatch(/SELECT|constraint|users_email_key|at .*\.ts/);
    expect(JSON.parse(text)).toMatchObject({ code: "internal", request_id: "req-2" });
    expect(log).toHaveBeenCalledOnce();
    log.mockRestore();
  });

  it("lists every zod issue with a JSON pointer", () => {
    const schema = z.object({ events: z.array(z.object({ value: z.number(), "a/b": z.string() })) });
    const result = schema.safeParse({ events: [{ value: 1, "a/b": "x" }, { value: "x", "a/b": 1 }] });
    const error = fromZodError(result.error as z.ZodError);
    expect(error.code).toBe("invalid_params");
    expect(error.errors?.map((entry) => entry.pointer)).toEqual(["/events/1/value", "/events/1/a~1b"]);
    expect(error.message).toBe("2 fields are invalid");
  });

  it("escapes JSON pointer tokens per RFC 6901", () => {
    expect(toPointer(["a~b", "c/d", 0])).toBe("/a~0b/c~1d/0");
    expect(toPointer([])).toBe("");
  });

  it("maps every code to a 4xx or 5xx status", () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      expect(new AppError(code as keyof typeof ERROR_STATUS).status).toBe(status);
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });
});
