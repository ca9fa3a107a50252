// A customer's history for the admin detail page: its subscriptions' changes (what changed, when it
// takes effect, who asked) and the audit log entries about the customer (who, what, before, after),
// each newest first.
import { db as defaultDb, type AuditActorKind, type Prisma, type SubscriptionChangeKind, type TDb } from "@/lib/db";

export type TSubscriptionChangeEntry = {
  id: string;
  kind: SubscriptionChangeKind;
  fromPlan: string | null;
  toPlan: string | null;
  effectiveAt: Date;
  requestedBy: string | null;
  createdAt: Date;
};

export type TAuditEntrySummary = {
  id: string;
  action: string;
  entityType: string;
  entityId: string;
  actorKind: AuditActorKind;
  actor: string;
  before: Prisma.JsonValue | null;
  after: Prisma.JsonValue | null;
  createdAt: Date;
};

export type TCustomerHistory = { changes: TSubscriptionChangeEntry[]; audit: TAuditEntrySummary[] };

const versionLabel = (version: { version: number; plan: { name: string } } | null) => (version ? `${version.plan.name} v${version.version}` : null);
const VERSION_SELECT = { select: { version: true, plan: { select: { name: true } } } } as const;

export async function findCustomerHistory(customerId: string, options: { limit?: number } = {}, db: TDb = defaultDb): Promise<TCustomerHistory> {
  const take = Math.min(200, Math.max(1, options.limit ?? 50));
  const [changes, audit] = await Promise.all([
    db.subscriptionChange.findMany({
      where: { subscription: { customerId } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      include: { fromPlanVersion: VERSION_SELECT, toPlanVersion: VERSION_SELECT },
    }),
    db.auditLog.findMany({
      where: { customerId },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take,
      include: { actorUser: { select: { name: true, email: true } }, actorApiKey: { select: { name: true, prefix: true } } },
    }),
  ]);
  const requesterIds = [...new Set(changes.flatMap((change) => (change.requestedById ? [change.requestedById] : [])))];
  const requesters = new Map(
    (await db.user.findMany({ where: { id: { in: requesterIds } }, select: { id: true, name: true } })).map((user) => [user.id, user.name]),
  );
  return {
    changes: changes.map((change) => ({
      id: change.id,
      kind: change.kind,
      fromPlan: versionLabel(change.fromPlanVersion),
      toPlan: versionLabel(change.toPlanVersion),
      effectiveAt: change.effectiveAt,
      requestedBy: change.requestedById ? (requesters.get(change.requestedById) ?? "a deleted user") : null,
      createdAt: change.createdAt,
    })),
    audit: audit.map((entry) => ({
      id: entry.id.toString(),
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      actorKind: entry.actorKind,
      actor:
        entry.actorKind === "USER"
          ? (entry.actorUser ? `${entry.actorUser.name} <${entry.actorUser.email}>` : "a deleted user")
          : entry.actorKind === "API_KEY"
            ? (entry.actorApiKey ? `API key ${entry.actorApiKey.name} (${entry.actorApiKey.prefix}…)` : "a deleted API key")
            : "Tally (system)",
      before: entry.before,
      after: entry.after,
      createdAt: entry.createdAt,
    })),
  };
}
