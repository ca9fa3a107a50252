// The query of finance's dispute downloads (GET /api/customers/{id}/dispute.csv and
// /dispute-summary.csv): a period by its bounds (half-open, as the events download takes them),
// optionally one meter; or one invoice line (Tally's id or Stripe's `il_…`), alone — its period and
// the meter its price bills are then the scope — or with a period and meter that override them.
import { z } from "zod";
import { checkPeriodBounds, zInstant } from "@/lib/metering/usage-events-csv-schemas";
import type { TPeriod } from "@/lib/time/period";

export { ZUsageEventsCsvParams as ZDisputeParams } from "@/lib/metering/usage-events-csv-schemas";

export const ZDisputeQuery = z
  .strictObject({
    periodStart: zInstant.optional(),
    periodEnd: zInstant.optional(),
    /** One meter's event name; every meter when absent (or the invoice line's meter). */
    meter: z.string().min(1).max(200).optional(),
    invoiceLineId: z.string().min(1).max(255).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.periodStart === undefined && query.periodEnd === undefined) {
      if (query.invoiceLineId === undefined) ctx.addIssue({ code: "custom", path: ["periodStart"], message: "Give periodStart and periodEnd, or invoiceLineId." });
      return;
    }
    if (query.periodStart === undefined) ctx.addIssue({ code: "custom", path: ["periodStart"], message: "Required with periodEnd." });
    if (query.periodEnd === undefined) ctx.addIssue({ code: "custom", path: ["periodEnd"], message: "Required with periodStart." });
    checkPeriodBounds(query, ctx);
  })
  .transform((query): TDisputeQuery => ({
    period: query.periodStart && query.periodEnd ? { periodStart: query.periodStart, periodEnd: query.periodEnd } : null,
    meter: query.meter ?? null,
    invoiceLineId: query.invoiceLineId ?? null,
  }));

/** `period` null: the invoice line's (then `invoiceLineId` is set). */
export type TDisputeQuery = { period: TPeriod | null; meter: string | null; invoiceLineId: string | null };
