import type { TDb } from "@/lib/db";

/**
 * Locks one subscription row until the transaction ends, so concurrent syncs of it (the service
 * that just called Stripe, and a webhook about the same change) run one after the other.
 * Returns the instant of the newest Stripe read already applied, and the period stored now.
 */
export async function lockSubscriptionForSync(
  db: TDb,
  subscriptionId: string,
): Promise<{ stripeSyncedAt: Date | null; currentPeriodStart: Date | null; currentPeriodEnd: Date | null }> {
  const rows = await db.$queryRaw<{ stripe_synced_at: Date | null; current_period_start: Date; current_period_end: Date }[]>`
    SELECT stripe_synced_at, current_period_start, current_period_end FROM subscriptions WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
  const row = rows[0];
  return { stripeSyncedAt: row?.stripe_synced_at ?? null, currentPeriodStart: row?.current_period_start ?? null, currentPeriodEnd: row?.current_period_end ?? null };
}
