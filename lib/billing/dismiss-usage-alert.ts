// Hides a quota alert's banner for everyone on the customer's account (the alert stays in the list).
import { db as defaultDb, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

export async function dismissUsageAlert(customerId: string, alertId: string, db: TDb = defaultDb): Promise<void> {
  const { count } = await db.usageAlert.updateMany({ where: { id: alertId, customerId, dismissedAt: null }, data: { dismissedAt: new Date() } });
  if (count === 0 && !(await db.usageAlert.findFirst({ where: { id: alertId, customerId }, select: { id: true } }))) {
    throw new AppError("not_found", "No such alert.");
  }
}
