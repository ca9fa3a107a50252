import { db, type ReportLineStatus } from "@/lib/db";

export type TFinanceOverview = {
  customers: number;
  reportLines: Record<ReportLineStatus, number>;
  lastReconciliation: { startedAt: Date; status: string; driftCount: number } | null;
};

export async function getFinanceOverview(): Promise<TFinanceOverview> {
  const [customers, lineGroups, lastRun] = await Promise.all([
    db.customer.count({ where: { archivedAt: null } }),
    db.reportLine.groupBy({ by: ["status"], _count: { _all: true } }),
    db.reconciliationRun.findFirst({ orderBy: { startedAt: "desc" }, select: { startedAt: true, status: true, driftCount: true } }),
  ]);
  const reportLines: Record<ReportLineStatus, number> = { PENDING: 0, SENT: 0, HELD: 0, DEAD: 0, RELEASED: 0 };
  for (const group of lineGroups) reportLines[group.status] = group._count._all;
  return { customers, reportLines, lastReconciliation: lastRun };
}
