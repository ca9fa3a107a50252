// The API keys list: never the hash (nor, of course, the key), newest first, revoked ones included.
import { db as defaultDb, type ApiKeyScope, type TDb } from "@/lib/db";

export type TApiKeySummary = {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  createdAt: Date;
  createdByName: string | null;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
};

export async function findApiKeys(options: { includeRevoked?: boolean } = {}, db: TDb = defaultDb): Promise<TApiKeySummary[]> {
  const rows = await db.apiKey.findMany({
    where: options.includeRevoked === false ? { revokedAt: null } : {},
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: {
      id: true,
      name: true,
      prefix: true,
      scopes: true,
      createdAt: true,
      lastUsedAt: true,
      expiresAt: true,
      revokedAt: true,
      createdBy: { select: { name: true } },
    },
  });
  return rows.map(({ createdBy, ...row }) => ({ ...row, createdByName: createdBy?.name ?? null }));
}
