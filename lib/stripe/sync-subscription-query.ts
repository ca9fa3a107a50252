import type { TDb } from "@/lib/db";

/**
 * Locks one subscription row until the transaction ends, so concurrent syncs of it (the service
 * that just called Stripe, and a webhook about the same change) run one after the other.
 * Returns the instant of the newest Stripe read already applied.
 */
export async function lockSubscriptionForSync(db: TDb, subscriptionId: string): Promise<{ stripeSyncedAt: Date | null }> {
  const rows = await db.$queryRaw<{ stripe_synced_at: Date | null }[]>`
    SELECT stripe_synced_at FROM subscriptions WHERE id = ${subscriptionId}::uuid FOR UPDATE`;
  return { stripeSyncedAt: rows[0]?.stripe_synced_at ?? null };
}
