/** A billing period, half-open: it contains periodStart and not periodEnd. */
export type TPeriod = { periodStart: Date; periodEnd: Date };

export function containsInstant(period: TPeriod, instant: Date): boolean {
  return instant >= period.periodStart && instant < period.periodEnd;
}
