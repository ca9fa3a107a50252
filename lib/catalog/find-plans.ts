// The plans page: every plan (cheapest first) with its versions' status, without the charges.
import { db as defaultDb, type PlanStatus, type Prisma, type TDb } from "@/lib/db";

export type TPlanSummary = Prisma.PlanGetPayload<{
  include: { versions: { select: { id: true; version: true; status: true; currency: true; interval: true; intervalCount: true; baseFeeMinor: true; publishedAt: true } } };
}>;

export async function findPlans(options: { status?: PlanStatus } = {}, db: TDb = defaultDb): Promise<TPlanSummary[]> {
  return db.plan.findMany({
    where: options.status ? { status: options.status } : {},
    orderBy: [{ sortOrder: "asc" }, { name: "asc" }],
    include: {
      versions: {
        orderBy: { version: "asc" },
        select: { id: true, version: true, status: true, currency: true, interval: true, intervalCount: true, baseFeeMinor: true, publishedAt: true },
      },
    },
  });
}
