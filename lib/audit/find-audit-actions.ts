// The actions and entity types the audit log holds, sorted, for the audit browser's filter selects.
// One GROUP BY, a scan of the log (no index serves it): cheap at the log's size, which grows with
// staff actions, downloads and repaired report lines, not with usage.
import { db as defaultDb, type TDb } from "@/lib/db";

export type TAuditActions = {
  /** e.g. "customer.created", "subscription.plan_changed". */
  actions: string[];
  /** The part before the first dot of each action, once each: "customer.", "subscription.". */
  actionPrefixes: string[];
  entityTypes: string[];
};

export async function findAuditActions(db: TDb = defaultDb): Promise<TAuditActions> {
  const pairs = await db.auditLog.groupBy({ by: ["action", "entityType"] });
  const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
  const actions = sorted(pairs.map((pair) => pair.action));
  return {
    actions,
    actionPrefixes: sorted(actions.flatMap((action) => (action.includes(".") ? [`${action.slice(0, action.indexOf("."))}.`] : []))),
    entityTypes: sorted(pairs.map((pair) => pair.entityType)),
  };
}
