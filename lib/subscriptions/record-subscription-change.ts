// The history row of a subscription change and its audit entry, written in the caller's transaction.
// A change carried by a Stripe call is recorded once: its idempotency key is unique, and a second
// recording of the same key (a retry, a double click, two tabs at once) returns false and writes
// nothing: the insert skips a duplicate key (ON CONFLICT DO NOTHING), so concurrent recordings of
// one change settle in the database instead of failing the slower one.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import type { SubscriptionChangeKind, TDb } from "@/lib/db";

export type TChangeRecord = {
  subscriptionId: string;
  customerId: string;
  kind: SubscriptionChangeKind;
  fromPlanVersionId?: string | null;
  toPlanVersionId?: string | null;
  effectiveAt: Date;
  idempotencyKey?: string | null;
  action: string;
  before?: unknown;
  after?: unknown;
};

export async function recordSubscriptionChange(db: TDb, change: TChangeRecord, context: TAuditContext): Promise<boolean> {
  const { count } = await db.subscriptionChange.createMany({
    skipDuplicates: true,
    data: {
      subscriptionId: change.subscriptionId,
      kind: change.kind,
      fromPlanVersionId: change.fromPlanVersionId ?? null,
      toPlanVersionId: change.toPlanVersionId ?? null,
      effectiveAt: change.effectiveAt,
      requestedById: context.actor.kind === "USER" ? context.actor.userId : null,
      idempotencyKey: change.idempotencyKey ?? null,
    },
  });
  if (count === 0) return false;
  await recordAudit(db, {
    ...context,
    action: change.action,
    entityType: "subscription",
    entityId: change.subscriptionId,
    customerId: change.customerId,
    before: change.before,
    after: change.after,
  });
  return true;
}

/** The next change's sequence number: part of Stripe idempotency keys, so each change has its own key. */
export async function nextChangeSequence(db: TDb, subscriptionId: string): Promise<number> {
  return (await db.subscriptionChange.count({ where: { subscriptionId } })) + 1;
}
