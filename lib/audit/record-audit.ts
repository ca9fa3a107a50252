// The audit log: who did what, with the state before and after. Called by every admin service inside
// the same transaction as the change it records, so a change and its audit row commit together.
import Decimal from "decimal.js";
import { Prisma, type TDb } from "@/lib/db";

export type TActor = { kind: "USER"; userId: string } | { kind: "API_KEY"; apiKeyId: string } | { kind: "SYSTEM" };

export type TAuditEntry = {
  actor: TActor;
  /** e.g. "meter.created", "plan_version.published", "subscription.plan_changed". */
  action: string;
  entityType: string;
  entityId: string;
  customerId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
};

/** A JSON-safe copy: bigint and Decimal become strings, Dates ISO strings, undefined fields dropped. */
export function toAuditJson(value: unknown): Prisma.InputJsonValue | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Decimal.isDecimal(value) || value instanceof Prisma.Decimal) return (value as Decimal).toString();
  if (Array.isArray(value)) return value.map((item) => toAuditJson(item));
  if (typeof value === "object") {
    const out: Record<string, Prisma.InputJsonValue | null> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item !== undefined) out[key] = toAuditJson(item);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value as Prisma.InputJsonValue;
}

function jsonOrNull(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  const json = toAuditJson(value);
  return json === null ? Prisma.DbNull : json;
}

function toAuditRow(entry: TAuditEntry): Prisma.AuditLogCreateManyInput {
  const { actor } = entry;
  return {
    actorKind: actor.kind,
    actorUserId: actor.kind === "USER" ? actor.userId : null,
    actorApiKeyId: actor.kind === "API_KEY" ? actor.apiKeyId : null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    customerId: entry.customerId ?? null,
    before: jsonOrNull(entry.before),
    after: jsonOrNull(entry.after),
    requestId: entry.requestId ?? null,
  };
}

export async function recordAudit(db: TDb, entry: TAuditEntry): Promise<void> {
  await db.auditLog.create({ data: toAuditRow(entry) });
}

/** Many entries in one statement, for a change that touches many rows at once (each gets its own entry). */
export async function recordAudits(db: TDb, entries: readonly TAuditEntry[]): Promise<void> {
  if (entries.length > 0) await db.auditLog.createMany({ data: entries.map(toAuditRow) });
}

/** Who is acting and the request it came with: what every admin service needs for its audit row. */
export type TAuditContext = { actor: TActor; requestId?: string | null };
