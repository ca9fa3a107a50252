// How Tally writes instants for people: always in UTC (billing periods are UTC), in English.
const DATE = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });
const DATE_TIME = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const DATE_TIME_SECONDS = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "medium", timeZone: "UTC" });

/** "Nov 21, 2026" */
export function formatDate(instant: Date): string {
  return DATE.format(instant);
}

/** "Nov 21, 2026, 5:30 PM" (UTC); with seconds when `seconds` is true. */
export function formatDateTime(instant: Date, options: { seconds?: boolean } = {}): string {
  return (options.seconds ? DATE_TIME_SECONDS : DATE_TIME).format(instant);
}

/** How long, for people, in its two largest units: "42 s", "12 min", "3 h 5 min", "2 days 4 h". */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  const dayText = `${days} ${days === 1 ? "day" : "days"}`;
  return hours % 24 === 0 ? dayText : `${dayText} ${hours % 24} h`;
}
