import { db, type TDb } from "@/lib/db";
import type { TPeriod } from "@/lib/time/period";

export type TUsageTotal = {
  meterId: string;
  eventName: string;
  displayName: string;
  unitLabel: string;
  quantity: string;
  eventCount: number;
};

/**
 * Per meter, the summed quantity and the event count of one customer's period, read from the
 * hourly rollups (never the raw events).
 */
export async function findUsageTotals(customerId: string, period: TPeriod, client: TDb = db): Promise<TUsageTotal[]> {
  const groups = await client.usageRollup.groupBy({
    by: ["meterId"],
    where: { customerId, hourStart: { gte: period.periodStart, lt: period.periodEnd } },
    _sum: { quantity: true, eventCount: true },
  });
  if (groups.length === 0) return [];
  const meters = await client.meter.findMany({
    where: { id: { in: groups.map((group) => group.meterId) } },
    select: { id: true, eventName: true, displayName: true, unitLabel: true },
  });
  const byId = new Map(meters.map((meter) => [meter.id, meter]));
  return groups
    .flatMap((group) => {
      const meter = byId.get(group.meterId);
      if (!meter) return [];
      return [
        {
          meterId: meter.id,
          eventName: meter.eventName,
          displayName: meter.displayName,
          unitLabel: meter.unitLabel,
          quantity: (group._sum.quantity ?? 0).toString(),
          eventCount: Number(group._sum.eventCount ?? 0),
        },
      ];
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
}
