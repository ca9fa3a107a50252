// Creates an API key for staff (admin console, admin API) and writes the audit entry in the same
// transaction. The key itself is returned here once and never stored: the audit entry and the row
// hold only its prefix.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { createApiKey } from "@/lib/auth/api-keys";
import { db } from "@/lib/db";
import type { TApiKeyCreateInput } from "./schemas";

export type TCreatedApiKey = { id: string; name: string; prefix: string; scopes: TApiKeyCreateInput["scopes"]; key: string };

export async function createApiKeyForAdmin(input: TApiKeyCreateInput, context: TAuditContext): Promise<TCreatedApiKey> {
  return db.$transaction(async (tx) => {
    const createdById = context.actor.kind === "USER" ? context.actor.userId : undefined;
    const created = await createApiKey({ name: input.name, scopes: input.scopes, ...(createdById ? { createdById } : {}) }, tx);
    await recordAudit(tx, {
      ...context,
      action: "api_key.created",
      entityType: "api_key",
      entityId: created.id,
      after: { name: input.name, prefix: created.prefix, scopes: input.scopes },
    });
    return { id: created.id, name: input.name, prefix: created.prefix, scopes: input.scopes, key: created.key };
  });
}
