// API keys for machine callers: `tly_` + 32 random base64url characters. Only a prefix (to find
// the row and to show in lists) and a SHA-256 hash are stored; the key itself is shown once.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db, type ApiKeyScope, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { findApiKeyByPrefix, type TApiKeyRow } from "./api-keys-query";

const KEY_PREFIX = "tly_";
const PREFIX_LENGTH = KEY_PREFIX.length + 8;
/** last_used_at is written at most this often per key, so busy keys don't write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/**
 * A valid key's row is reused for this long by this process, saving a database round trip on
 * nearly every machine request (the costliest part of a single-event request). Revoking through
 * Tally forgets it at once in the process that revokes; other app instances stop accepting the key
 * within this time.
 */
export const API_KEY_CACHE_MS = 1_000;
const recentKeys = new Map<string, { row: TApiKeyRow; fetchedAt: number }>();

/** Drops a key from this process's cache (after revoking it). */
export function forgetApiKey(apiKeyId: string): void {
  for (const [hash, entry] of recentKeys) if (entry.row.id === apiKeyId) recentKeys.delete(hash);
}

/** The row of a presented key (by its hash), from this process's cache when fresh. */
async function findApiKey(key: string, hash: string, now: Date): Promise<TApiKeyRow | undefined> {
  const cached = recentKeys.get(hash);
  const age = now.getTime() - (cached?.fetchedAt ?? Number.NEGATIVE_INFINITY);
  if (cached && age >= 0 && age < API_KEY_CACHE_MS) return cached.row;
  const row = await findApiKeyByPrefix(db, key.slice(0, PREFIX_LENGTH));
  const expected = Buffer.from(row?.hash ?? "0".repeat(64), "hex");
  if (!row || !timingSafeEqual(expected, Buffer.from(hash, "hex"))) {
    recentKeys.delete(hash);
    return undefined;
  }
  if (row.revoked_at) recentKeys.delete(hash);
  else recentKeys.set(hash, { row, fetchedAt: now.getTime() });
  return row;
}

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
  // Errors are built only when thrown: capturing a stack costs more than the rest of a cached check.
  const unauthenticated = (detail = "Send a valid API key as `Authorization: Bearer tly_…`.") =>
    new AppError("unauthenticated", detail, { headers: { "www-authenticate": 'Bearer realm="tally"' } });
  if (!key || !key.startsWith(KEY_PREFIX) || key.length < PREFIX_LENGTH + 8) throw unauthenticated();

  const row = await findApiKey(key, hashApiKey(key), now);
  if (!row) throw unauthenticated();
  if (row.revoked_at) throw unauthenticated("This API key was revoked.");
  if (row.expires_at && row.expires_at <= now) throw unauthenticated("This API key has expired.");
  if (!row.scopes.includes(scope)) throw new AppError("forbidden", `This API key lacks the ${scope.toLowerCase()} scope.`);

  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    row.last_used_at = now;
  }
  return { id: row.id, name: row.name, scopes: row.scopes, rateLimitPerSecond: row.rate_limit_per_second };
}
