// A customer's history for the admin detail page: its subscriptions' changes (what changed, when it
// takes effect, who asked), newest first. Its audit log entries come from lib/audit/find-audit-logs.ts.
import { db as defaultDb, type SubscriptionChangeKind, type TDb } from "@/lib/db";

export type TSubscriptionChangeEntry = {
  id: string;
  kind: SubscriptionChangeKind;
  fromPlan: string | null;
  toPlan: string | null;
  effectiveAt: Date;
  requestedBy: string | null;
  createdAt: Date;
};

export type TCustomerHistory = { changes: TSubscriptionChangeEntry[] };

const versionLabel = (version: { version: number; plan: { name: string } } | null) => (version ? `${version.plan.name} v${version.version}` : null);
const VERSION_SELECT = { select: { version: true, plan: { select: { name: true } } } } as const;

export async function findCustomerHistory(customerId: string, options: { limit?: number } = {}, db: TDb = defaultDb): Promise<TCustomerHistory> {
  const take = Math.min(200, Math.max(1, options.limit ?? 50));
  const changes = await db.subscriptionChange.findMany({
    where: { subscription: { customerId } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
    include: { fromPlanVersion: VERSION_SELECT, toPlanVersion: VERSION_SELECT },
  });
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
  };
}
