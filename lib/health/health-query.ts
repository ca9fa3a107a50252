import type { TDb } from "@/lib/db";

/** The cheapest round trip that proves the database answers. */
export async function pingDatabase(db: TDb): Promise<void> {
  await db.$queryRaw<{ ok: number }[]>`SELECT 1 AS ok`;
}
