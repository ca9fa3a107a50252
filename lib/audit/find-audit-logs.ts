// A page of the audit log, newest first, for the finance audit browser and a customer's admin page:
// keyset pagination on (createdAt, id) (the id breaks ties between entries of one instant), 50 a page,
// with who acted (the person's name and email, the API key's name and prefix) and the customer's
// name. The filters are ZAuditLogQuery's (lib/audit/schemas.ts).
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";
import type { TAuditLogCursor, TAuditLogQuery } from "./schemas";

export const AUDIT_LOG_PAGE_SIZE = 50;

/** Who acted. A person or key deleted since keeps its kind, with no details (null id). */
export type TAuditLogActor =
  | { kind: "USER"; userId: string | null; name: string | null; email: string | null }
  | { kind: "API_KEY"; apiKeyId: string | null; name: string | null; prefix: string | null }
  | { kind: "SYSTEM" };

export type TAuditLogEntry = {
  id: string;
  createdAt: Date;
  actor: TAuditLogActor;
  action: string;
  entityType: string;
  entityId: string;
  /** The customer the entry concerns, if any; `name` is null when the customer was deleted since. */
  customer: { id: string; name: string | null } | null;
  before: Prisma.JsonValue | null;
  after: Prisma.JsonValue | null;
  requestId: string | null;
};

export type TAuditLogPage = { entries: TAuditLogEntry[]; nextCursor: TAuditLogCursor | null };

/** Prisma passes `startsWith` / `contains` to LIKE as they are: "_" and "%" would be wildcards. */
const literal = (text: string) => text.replace(/[\\%_]/g, "\\$&");

function toWhere(query: TAuditLogQuery): Prisma.AuditLogWhereInput {
  const and: Prisma.AuditLogWhereInput[] = [];
  if (query.action) and.push({ action: query.action.prefix !== undefined ? { startsWith: literal(query.action.prefix) } : { equals: query.action.equals } });
  if (query.entityType) and.push({ entityType: query.entityType });
  if (query.entityId) and.push({ entityId: query.entityId });
  if (query.customerId) and.push({ customerId: query.customerId });
  const { actor } = query;
  if (actor?.kind === "SYSTEM") and.push({ actorKind: "SYSTEM" });
  if (actor?.kind === "API_KEY") and.push({ actorKind: "API_KEY", ...(actor.apiKeyId ? { actorApiKeyId: actor.apiKeyId } : {}) });
  if (actor?.kind === "USER") and.push({ actorKind: "USER", ...(actor.email ? { actorUser: { email: { contains: literal(actor.email), mode: "insensitive" } } } : {}) });
  if (query.from) and.push({ createdAt: { gte: query.from } });
  if (query.to) and.push({ createdAt: { lt: query.to } });
  if (query.cursor) {
    const { createdAt, id } = query.cursor;
    and.push({ OR: [{ createdAt: { lt: createdAt } }, { createdAt, id: { lt: BigInt(id) } }] });
  }
  return { AND: and };
}

function toActor(row: {
  actorKind: "USER" | "API_KEY" | "SYSTEM";
  actorUserId: string | null;
  actorApiKeyId: string | null;
  actorUser: { name: string; email: string } | null;
  actorApiKey: { name: string; prefix: string } | null;
}): TAuditLogActor {
  if (row.actorKind === "USER") return { kind: "USER", userId: row.actorUserId, name: row.actorUser?.name ?? null, email: row.actorUser?.email ?? null };
  if (row.actorKind === "API_KEY") return { kind: "API_KEY", apiKeyId: row.actorApiKeyId, name: row.actorApiKey?.name ?? null, prefix: row.actorApiKey?.prefix ?? null };
  return { kind: "SYSTEM" };
}

export async function findAuditLogs(query: TAuditLogQuery = {}, db: TDb = defaultDb): Promise<TAuditLogPage> {
  const rows = await db.auditLog.findMany({
    where: toWhere(query),
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: AUDIT_LOG_PAGE_SIZE + 1,
    include: { actorUser: { select: { name: true, email: true } }, actorApiKey: { select: { name: true, prefix: true } } },
  });
  const page = rows.slice(0, AUDIT_LOG_PAGE_SIZE);
  // audit_logs has no foreign key to customers (an entry outlives its customer): names come apart.
  const customerIds = [...new Set(page.flatMap((row) => (row.customerId ? [row.customerId] : [])))];
  const customers = new Map(
    customerIds.length === 0
      ? []
      : (await db.customer.findMany({ where: { id: { in: customerIds } }, select: { id: true, name: true } })).map((customer) => [customer.id, customer.name]),
  );
  const entries = page.map((row) => ({
    id: row.id.toString(),
    createdAt: row.createdAt,
    actor: toActor(row),
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    customer: row.customerId ? { id: row.customerId, name: customers.get(row.customerId) ?? null } : null,
    before: row.before,
    after: row.after,
    requestId: row.requestId,
  }));
  const last = entries.at(-1);
  return { entries, nextCursor: rows.length > AUDIT_LOG_PAGE_SIZE && last ? { createdAt: last.createdAt, id: last.id } : null };
}
