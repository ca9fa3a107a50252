// The worker's connector schedule: each enabled connector whose next run is due is claimed by moving
// its next run forward (a conditional update, so one worker wins each slot), then run with the slot
// as its run key. Connectors run one after another; a slow one delays the others, not the reporter
// loop's correctness.
import { db as defaultDb } from "@/lib/db";
import { runConnector } from "./run-connector";

const MAX_PER_PASS = 10;

export async function runDueConnectors(now: Date, db: typeof defaultDb = defaultDb): Promise<{ ran: number; failed: number }> {
  const due = await db.connector.findMany({
    where: { enabled: true, nextRunAt: { lte: now } },
    select: { id: true, nextRunAt: true, intervalMinutes: true },
    orderBy: { nextRunAt: "asc" },
    take: MAX_PER_PASS,
  });
  let ran = 0;
  let failed = 0;
  for (const connector of due) {
    const claimed = await db.connector.updateMany({
      where: { id: connector.id, nextRunAt: connector.nextRunAt },
      data: { nextRunAt: new Date(now.getTime() + connector.intervalMinutes * 60_000) },
    });
    if (claimed.count === 0) continue;
    const outcome = await runConnector(connector.id, { trigger: "SCHEDULE", runKey: connector.nextRunAt.toISOString(), now, db });
    if (!outcome) continue;
    ran += 1;
    if (outcome.status === "FAILED") failed += 1;
  }
  return { ran, failed };
}
