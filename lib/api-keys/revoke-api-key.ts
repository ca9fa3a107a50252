// Revokes an API key: it fails authentication from then on (other app instances: within
// API_KEY_CACHE_MS). Revoking a revoked key changes nothing
// (and writes no second audit entry); an unknown key is not_found.
import { forgetApiKey } from "@/lib/auth/api-keys";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export type TRevokedApiKey = { id: string; prefix: string; revokedAt: Date };

export async function revokeApiKey(apiKeyId: string, context: TAuditContext, now = new Date()): Promise<TRevokedApiKey> {
  const revoked = await db.$transaction(async (tx) => {
    const before = await tx.apiKey.findUnique({ where: { id: apiKeyId }, select: { id: true, name: true, prefix: true, scopes: true, revokedAt: true } });
    if (!before) throw new AppError("not_found", "No such API key.");
    if (before.revokedAt) return { id: before.id, prefix: before.prefix, revokedAt: before.revokedAt };
    // Conditional update: of two concurrent revokes, one writes the row and the audit entry.
    const { count } = await tx.apiKey.updateMany({ where: { id: apiKeyId, revokedAt: null }, data: { revokedAt: now } });
    const after = await tx.apiKey.findUniqueOrThrow({ where: { id: apiKeyId }, select: { id: true, name: true, prefix: true, scopes: true, revokedAt: true } });
    if (count === 1) {
      await recordAudit(tx, { ...context, action: "api_key.revoked", entityType: "api_key", entityId: apiKeyId, before, after });
    }
    return { id: after.id, prefix: after.prefix, revokedAt: after.revokedAt ?? now };
  });
  forgetApiKey(apiKeyId);
  return revoked;
}
