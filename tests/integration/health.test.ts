import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GET } from "@/app/api/health/route";
import { get } from "./factories";

describe("GET /api/health", () => {
  it("reports a reachable database", async () => {
    const response = await GET(get("/api/health"));
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = await response.json();
    expect(body).toMatchObject({ status: "ok", database: { reachable: true } });
    expect(body.database.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("answers 503 when the database is down, without leaking the error", () => {
    // A separate process whose DATABASE_URL points at a port nothing listens on.
    const script = `
      const { GET } = await import(${JSON.stringify(path.resolve("app/api/health/route.ts"))});
      const response = await GET(new Request("http://localhost/api/health"));
      console.log(JSON.stringify({ status: response.status, body: await response.text() }));
      process.exit(0);
    `;
    const result = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      env: { ...process.env, DATABASE_URL: "postgresql://postgres:x@127.0.0.1:9/none" },
      encoding: "utf8",
      timeout: 30_000,
    });
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    const { status, body } = JSON.parse(line) as { status: number; body: string };
    expect(status).toBe(503);
    expect(JSON.parse(body)).toEqual({ status: "degraded", database: { reachable: false, latency_ms: null } });
  });
});
