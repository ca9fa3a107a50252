// The route wrapper's API-key authentication, against real rows.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { API_KEY_CACHE_MS, authenticateApiKey, createApiKey } from "@/lib/auth/api-keys";
import { db } from "@/lib/db";
import { route } from "@/lib/http/route";
import { unique } from "./factories";

const handler = route({ auth: { apiKey: "INGEST" }, body: z.strictObject({ n: z.number() }) }, async ({ apiKey, body }) => ({
  key: apiKey.name,
  n: body.n,
}));

function post(authorization: string | null, body: unknown = { n: 1 }) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  return handler(new Request("http://localhost/api/test", { method: "POST", headers, body: JSON.stringify(body) }));
}

describe("API key authentication", () => {
  it("accepts a valid key with the scope and records when it was last used", async () => {
    const { key, id } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    const response = await post(`Bearer ${key}`, { n: 7 });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ n: 7 });
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect((await db.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt).not.toBeNull();
  });

  it("stores only a prefix and a hash, never the key", async () => {
    const { key, id } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    const row = await db.apiKey.findUniqueOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(key.slice(12));
    expect(key.startsWith(row.prefix)).toBe(true);
  });

  it.each([
    ["no header", null],
    ["a malformed header", "Token abc"],
    ["an unknown key", "Bearer tly_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
  ])("answers 401 for %s", async (_label, header) => {
    const response = await post(header);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain("Bearer");
    expect(await response.json()).toMatchObject({ code: "unauthenticated" });
  });

  it("answers 401 for a key with the right prefix but a wrong secret", async () => {
    const { key } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    const tampered = key.slice(0, -4) + (key.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await post(`Bearer ${tampered}`)).status).toBe(401);
  });

  it("answers 401 for revoked and expired keys", async () => {
    const revoked = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    await db.apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    const expired = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    await db.apiKey.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect(await (await post(`Bearer ${revoked.key}`)).json()).toMatchObject({ status: 401, detail: "This API key was revoked." });
    expect(await (await post(`Bearer ${expired.key}`)).json()).toMatchObject({ status: 401, detail: "This API key has expired." });
  });

  it("answers 403 for a key without the scope", async () => {
    const { key } = await createApiKey({ name: unique("key"), scopes: ["ADMIN"] });
    const response = await post(`Bearer ${key}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: "forbidden" });
  });

  it("authenticates before it reads the body, and names unknown fields", async () => {
    expect((await post(null, { n: "x" })).status).toBe(401);
    const { key } = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    const response = await post(`Bearer ${key}`, { n: 1, tenant: "someone-else" });
    expect(response.status).toBe(400);
    const problem = await response.json();
    expect(problem.code).toBe("invalid_params");
    expect(problem.errors[0].detail).toContain("tenant");
  });

  it("keeps a valid key for at most API_KEY_CACHE_MS per process; revoking through Tally takes effect at once", async () => {
    const t0 = new Date();
    const later = (ms: number) => new Date(t0.getTime() + ms);
    const elsewhere = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    await authenticateApiKey(`Bearer ${elsewhere.key}`, "INGEST", t0);
    // Revoked by another app instance (straight in the database): this process notices within the cache time.
    await db.apiKey.update({ where: { id: elsewhere.id }, data: { revokedAt: t0 } });
    await expect(authenticateApiKey(`Bearer ${elsewhere.key}`, "INGEST", later(API_KEY_CACHE_MS - 1))).resolves.toMatchObject({ id: elsewhere.id });
    await expect(authenticateApiKey(`Bearer ${elsewhere.key}`, "INGEST", later(API_KEY_CACHE_MS))).rejects.toMatchObject({ code: "unauthenticated", message: "This API key was revoked." });

    const here = await createApiKey({ name: unique("key"), scopes: ["INGEST"] });
    await authenticateApiKey(`Bearer ${here.key}`, "INGEST", t0);
    await revokeApiKey(here.id, { actor: { kind: "SYSTEM" }, requestId: unique("req") });
    await expect(authenticateApiKey(`Bearer ${here.key}`, "INGEST", later(1))).rejects.toMatchObject({ code: "unauthenticated" });
  });
});
