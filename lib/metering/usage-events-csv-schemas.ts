// The query of a customer's events download (GET /api/customers/{id}/events.csv): a period given by
// its bounds (half-open, at most MAX_EVENTS_CSV_DAYS long), or `period=current`; optionally one meter.
import { z } from "zod";
import type { TPeriod } from "@/lib/time/period";

export const MAX_EVENTS_CSV_DAYS = 366;
const DAY_MS = 24 * 60 * 60 * 1000;

export const zInstant = z.iso
  .datetime({ offset: true, error: "An ISO 8601 date-time with a zone, e.g. 2026-11-01T00:00:00Z." })
  .transform((value) => new Date(value));

/** periodEnd after periodStart, at most MAX_EVENTS_CSV_DAYS later (when both parsed). */
export function checkPeriodBounds(query: { periodStart?: unknown; periodEnd?: unknown }, ctx: z.RefinementCtx): void {
  // zod runs refinements even when a bound failed its own check (then it holds the raw string).
  if (!(query.periodStart instanceof Date) || !(query.periodEnd instanceof Date)) return;
  const length = query.periodEnd.getTime() - query.periodStart.getTime();
  if (length <= 0) ctx.addIssue({ code: "custom", path: ["periodEnd"], message: "Must be after periodStart." });
  if (length > MAX_EVENTS_CSV_DAYS * DAY_MS) ctx.addIssue({ code: "custom", path: ["periodEnd"], message: `At most ${MAX_EVENTS_CSV_DAYS} days after periodStart.` });
}

export const ZUsageEventsCsvParams = z.strictObject({ customerId: z.uuid() });

export const ZUsageEventsCsvQuery = z
  .strictObject({
    /** The live subscription's current period; the UTC calendar month without one. */
    period: z.literal("current", { error: 'Only "current"; or give periodStart and periodEnd.' }).optional(),
    periodStart: zInstant.optional(),
    periodEnd: zInstant.optional(),
    /** One meter's event name; every meter when absent. */
    meter: z.string().min(1).max(200).optional(),
  })
  .superRefine((query, ctx) => {
    if (query.period !== undefined) {
      if (query.periodStart || query.periodEnd) ctx.addIssue({ code: "custom", path: ["period"], message: "Give period=current, or periodStart and periodEnd; not both." });
      return;
    }
    if (!query.periodStart) ctx.addIssue({ code: "custom", path: ["periodStart"], message: "Required, with periodEnd (or period=current)." });
    if (!query.periodEnd) ctx.addIssue({ code: "custom", path: ["periodEnd"], message: "Required, with periodStart (or period=current)." });
    checkPeriodBounds(query, ctx);
  })
  .transform((query): { period: TPeriod | "current"; meter: string | null } => ({
    period: query.periodStart && query.periodEnd ? { periodStart: query.periodStart, periodEnd: query.periodEnd } : "current",
    meter: query.meter ?? null,
  }));

export type TUsageEventsCsvQuery = z.output<typeof ZUsageEventsCsvQuery>;
