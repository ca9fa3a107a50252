// API key inputs, shared by the admin form (server action) and the admin REST API.
import { z } from "zod";

export const ZApiKeyCreateInput = z.strictObject({
  /** What the key is for, e.g. "production ingest"; shown in lists. */
  name: z.string().trim().min(1, "Enter a name.").max(100, "At most 100 characters."),
  scopes: z
    .array(z.enum(["INGEST", "ADMIN"]))
    .min(1, "Choose at least one scope.")
    .transform((scopes) => [...new Set(scopes)].sort()),
});
export type TApiKeyCreateInput = z.output<typeof ZApiKeyCreateInput>;

export const ZApiKeyRevokeInput = z.strictObject({ apiKeyId: z.uuid("No such API key.") });
export type TApiKeyRevokeInput = z.output<typeof ZApiKeyRevokeInput>;
