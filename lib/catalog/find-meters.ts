// The meters page and the plan editor's meter picker: meters, active first, then by event name.
// `billable` keeps the meters a plan can charge for: active, and aggregated in a way Stripe can bill
// (not MAX, see MAX_AGGREGATION_REFUSAL).
import { db as defaultDb, type MeterStatus, type Prisma, type TDb } from "@/lib/db";

export async function findMeters(options: { status?: MeterStatus; billable?: boolean } = {}, db: TDb = defaultDb): Promise<Prisma.MeterModel[]> {
  const where: Prisma.MeterWhereInput = options.billable ? { status: "ACTIVE", aggregation: { not: "MAX" } } : {};
  if (options.status) where.status = options.status;
  return db.meter.findMany({ where, orderBy: [{ status: "asc" }, { eventName: "asc" }] });
}
