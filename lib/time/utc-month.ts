import type { TPeriod } from "./period";

/** The UTC calendar month containing `now`, half-open [periodStart, periodEnd). */
export function getUtcMonth(now: Date): TPeriod {
  const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const periodEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { periodStart, periodEnd };
}
