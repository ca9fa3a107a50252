// API keys for machine callers: `tly_` + 32 random base64url characters. Only a prefix (to find
// the row and to show in lists) and a SHA-256 hash are stored; the key itself is shown once.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db, type ApiKeyScope, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

const KEY_PREFIX = "tly_";
const PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** last_used_at is written at most this often per key, so busy keys don't write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export type TApiKeyPrincipal = { id: string; name: string; scopes: ApiKeyScope[]; rateLimitPerSecond: number | null };

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function generateApiKey(): string {
  return `${KEY_PREFIX}${randomBytes(24).toString("base64url")}`;
}

/** Stores a key (generated unless given) and returns it with its row: the only time it is readable. */
export async function createApiKey(
  input: { name: string; scopes: ApiKeyScope[]; createdById?: string; key?: string },
  client: TDb = db,
): Promise<{ key: string; id: string; prefix: string }> {
  const key = input.key ?? generateApiKey();
  const row = await client.apiKey.create({
    data: {
      name: input.name,
      scopes: input.scopes,
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: hashApiKey(key),
      createdById: input.createdById ?? null,
    },
    select: { id: true, prefix: true },
  });
  return { key, ...row };
}

/** The key behind an `Authorization: Bearer …` header, with the scope required; throws 401/403. */
export async function authenticateApiKey(
  authorization: string | null,
  scope: ApiKeyScope,
  now = new Date(),
): Promise<TApiKeyPrincipal> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  const key = match?.[1];
  const invalid = new AppError("unauthenticated", "Send a valid API key as `Authorization: Bearer tly_…`.", {
    headers: { "www-authenticate": 'Bearer realm="tally"' },
  });
  if (!key || !key.startsWith(KEY_PREFIX) || key.length < PREFIX_LENGTH + 8) throw invalid;

  const row = await db.apiKey.findUnique({ where: { prefix: key.slice(0, PREFIX_LENGTH) } });
  const expected = Buffer.from(row?.hash ?? "0".repeat(64), "hex");
  const matches = timingSafeEqual(expected, Buffer.from(hashApiKey(key), "hex"));
  if (!row || !matches) throw invalid;
  if (row.revokedAt) throw new AppError("unauthenticated", "This API key was revoked.", { headers: invalid.headers });
  if (row.expiresAt && row.expiresAt <= now) {
    throw new AppError("unauthenticated", "This API key has expired.", { headers: invalid.headers });
  }
  if (!row.scopes.includes(scope)) throw new AppError("forbidden", `This API key lacks the ${scope.toLowerCase()} scope.`);

  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { id: row.id, name: row.name, scopes: row.scopes, rateLimitPerSecond: row.rateLimitPerSecond };
}
