// A customer's quota alerts, newest first: the in-app notification list, and (undismissed ones of
// the current period) the banner.
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";

export type TUsageAlertItem = Prisma.UsageAlertGetPayload<{ include: { meter: { select: { displayName: true; unitLabel: true } } } }>;

export async function findUsageAlerts(customerId: string, options: { periodStart?: Date; take?: number } = {}, db: TDb = defaultDb): Promise<TUsageAlertItem[]> {
  return db.usageAlert.findMany({
    where: { customerId, ...(options.periodStart ? { periodStart: options.periodStart } : {}) },
    include: { meter: { select: { displayName: true, unitLabel: true } } },
    orderBy: [{ triggeredAt: "desc" }, { threshold: "desc" }],
    take: options.take ?? 20,
  });
}
