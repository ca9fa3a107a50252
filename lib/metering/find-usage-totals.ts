import { db, type TDb } from "@/lib/db";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";
import { findMeterUsage, usageOfRow } from "./customer-usage-query";

export type TUsageTotal = {
  meterId: string;
  eventName: string;
  displayName: string;
  unitLabel: string;
  quantity: string;
  eventCount: number;
};

/**
 * Per meter with usage, one customer's period usage under the meter's aggregation, and its event
 * count: hourly rollups for whole hours, raw events for the period's partial edge hours.
 */
export async function findUsageTotals(customerId: string, period: TPeriod, client: TDb = db): Promise<TUsageTotal[]> {
  const rows = await findMeterUsage(client, { customerId, ...period });
  return rows.map((row) => ({
    meterId: row.meter_id,
    eventName: row.event_name,
    displayName: row.display_name,
    unitLabel: row.unit_label,
    quantity: new ExactDecimal(usageOfRow(row)).toFixed(),
    eventCount: Number(row.event_count ?? 0),
  }));
}
