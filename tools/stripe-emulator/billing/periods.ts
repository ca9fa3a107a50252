// Billing periods: a subscription's boundaries are its billing cycle anchor plus whole intervals,
// in UTC. Month and year steps keep the anchor's day of month and clamp it to the month's last day
// (an anchor on 31 January gives 28/29 February, then 31 March), always counted from the anchor so
// a short month never shifts later periods.
import type Stripe from "stripe";

export type TInterval = Pick<Stripe.Price.Recurring, "interval" | "interval_count">;

/** The anchor moved by `count` whole intervals (negative goes back). */
export function addIntervals(anchor: number, recurring: TInterval, count: number): number {
  const steps = count * recurring.interval_count;
  switch (recurring.interval) {
    case "day":
      return anchor + steps * 86_400;
    case "week":
      return anchor + steps * 7 * 86_400;
    case "year":
      return addMonths(anchor, steps * 12);
    default:
      return addMonths(anchor, steps);
  }
}

function addMonths(anchor: number, months: number): number {
  const date = new Date(anchor * 1000);
  const totalMonths = date.getUTCFullYear() * 12 + date.getUTCMonth() + months;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(date.getUTCDate(), lastDay);
  return Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000;
}

/** The first period boundary (the anchor, or the anchor plus whole intervals) after `after`. */
export function nextBoundary(anchor: number, recurring: TInterval, after: number): number {
  if (anchor > after) return anchor;
  const approxSeconds = Math.max(1, addIntervals(anchor, recurring, 1) - anchor);
  let k = Math.max(1, Math.floor((after - anchor) / approxSeconds) - 1);
  while (addIntervals(anchor, recurring, k) <= after) k += 1;
  while (k > 1 && addIntervals(anchor, recurring, k - 1) > after) k -= 1;
  return addIntervals(anchor, recurring, k);
}

/** "15 Jan 2026", as Stripe writes dates in line descriptions. */
export function formatDate(timestamp: number): string {
  const date = new Date(timestamp * 1000);
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  return `${date.getUTCDate()} ${months[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}
