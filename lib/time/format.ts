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
