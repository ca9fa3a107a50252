"use server";
import { createApiKeyForAdmin } from "@/lib/api-keys/create-api-key-for-admin";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { ZApiKeyCreateInput, ZApiKeyRevokeInput } from "@/lib/api-keys/schemas";
import { staffAction } from "@/lib/http/action-client";

/** The answer carries the key: the only time anyone sees it. */
export const createApiKeyAction = staffAction("ADMIN", ZApiKeyCreateInput, (input, ctx) => createApiKeyForAdmin(input, ctx.audit));

export const revokeApiKeyAction = staffAction("ADMIN", ZApiKeyRevokeInput, async ({ apiKeyId }, ctx) => ({ id: (await revokeApiKey(apiKeyId, ctx.audit)).id }));
