// Where a period's usage starts being priced by the plan in force: the latest attachment of a live
// metered price inside the period (a mid-period plan change billed the usage before it at the old
// price), else the period's start. The usage page, the invoice preview and the usage summaries use it.
import type { TPeriod } from "@/lib/time/period";

export function computePricingStart(items: readonly { meterId: string | null; attachedAt: Date }[], period: TPeriod): Date {
  let start = period.periodStart;
  for (const item of items) {
    if (item.meterId && item.attachedAt > start && item.attachedAt < period.periodEnd) start = item.attachedAt;
  }
  return start;
}
