// What the reconciliation page shows: a run (the latest unless asked) with its rows, the rows that
// need someone first, and the recent runs.
import { db as defaultDb, type TDb } from "@/lib/db";
import { BENIGN_CAUSES, type TCauseCode } from "./compute-reconciliation";

export type TReconciliationRunView = NonNullable<Awaited<ReturnType<typeof findReconciliationRun>>>;
export type TReconciliationLineView = TReconciliationRunView["lines"][number];

/** Whether a row needs someone: Stripe gave no figures, or a cause other than usage in flight or a rounding carry. */
export const needsAttention = (line: { cause: string | null; error: string | null }) => line.error !== null || (line.cause !== null && !BENIGN_CAUSES.has(line.cause as TCauseCode));

export async function findReconciliationRun(input: { runId?: string; onlyAttention: boolean }, db: TDb = defaultDb) {
  const run = input.runId
    ? await db.reconciliationRun.findUnique({ where: { id: input.runId } })
    : await db.reconciliationRun.findFirst({ orderBy: { startedAt: "desc" } });
  if (!run) return null;
  const [lines, triggeredBy, customer] = await Promise.all([
    db.reconciliationLine.findMany({
      where: { runId: run.id, ...(input.onlyAttention ? { OR: [{ error: { not: null } }, { cause: { notIn: [...BENIGN_CAUSES] } }] } : {}) },
      include: { customer: { select: { id: true, name: true, externalId: true } }, meter: { select: { eventName: true, unitLabel: true } } },
      orderBy: [{ customer: { name: "asc" } }, { meter: { eventName: "asc" } }, { periodStart: "asc" }],
      take: 500,
    }),
    run.triggeredById ? db.user.findUnique({ where: { id: run.triggeredById }, select: { email: true } }) : null,
    run.customerId ? db.customer.findUnique({ where: { id: run.customerId }, select: { name: true } }) : null,
  ]);
  const sorted = [...lines.filter(needsAttention), ...lines.filter((line) => !needsAttention(line))];
  return { ...run, triggeredByEmail: triggeredBy?.email ?? null, customerName: customer?.name ?? null, lines: sorted };
}

export async function findRecentReconciliationRuns(limit = 10, db: TDb = defaultDb) {
  return db.reconciliationRun.findMany({ orderBy: { startedAt: "desc" }, take: limit });
}
