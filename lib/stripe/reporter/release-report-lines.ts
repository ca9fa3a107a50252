// Retries held and dead-lettered report lines (an admin fixed the cause: the customer subscribed,
// the meter reached Stripe, …): their events go back to the reporter's queue, to be claimed into new
// lines with new identifiers, and each line becomes RELEASED with an audit entry. Lines in any other
// status are left alone, so releasing twice, or from two tabs at once, releases once.
import { recordAudits, type TAuditContext } from "@/lib/audit/record-audit";
import { db as defaultDb, type TDb } from "@/lib/db";
import { inTransaction } from "@/lib/db/transaction";
import { lockReleasableLines, unclaimLineEvents } from "./release-report-lines-query";

export type TReleasedReportLines = { released: number; events: number };

/** "Retry all" of a common code may release many thousands of lines and their events. */
const RELEASE_TIMEOUT_MS = 120_000;

export async function releaseReportLines(
  input: { lineIds?: string[]; heldCode?: string },
  context: TAuditContext,
  db: TDb = defaultDb,
): Promise<TReleasedReportLines> {
  const selector = input.lineIds ? { lineIds: input.lineIds.map((id) => BigInt(id)) } : { heldCode: input.heldCode ?? "" };
  return inTransaction(
    db,
    async (tx) => {
      const lines = await lockReleasableLines(tx, selector);
      if (lines.length === 0) return { released: 0, events: 0 };
      const lineIds = lines.map((line) => line.id);
      const unclaimed = await unclaimLineEvents(tx, lineIds);
      const releasedAt = new Date();
      await tx.reportLine.updateMany({ where: { id: { in: lineIds } }, data: { status: "RELEASED", releasedAt } });

      const eventsOf = new Map(unclaimed.map((row) => [row.report_line_id, Number(row.events)]));
      await recordAudits(
        tx,
        lines.map((line) => ({
          ...context,
          action: "report_line.released",
          entityType: "report_line",
          entityId: line.id.toString(),
          customerId: line.customer_id,
          before: { status: line.status, heldCode: line.held_code, heldReason: line.held_reason },
          after: { status: "RELEASED", events: eventsOf.get(line.id) ?? 0 },
        })),
      );
      return { released: lines.length, events: [...eventsOf.values()].reduce((sum, count) => sum + count, 0) };
    },
    { timeout: RELEASE_TIMEOUT_MS, maxWait: 10_000 },
  );
}
