// The file name of a CSV download: `<customer>-<kind>-<periodStart>-<periodEnd>.csv`, safe in a
// Content-Disposition header on every platform.
import type { TPeriod } from "@/lib/time/period";

/** e.g. `acme-corp-events-2026-11-01-2026-12-01.csv`, `acme-dispute-2024-01-01T102317Z-2024-02-01T102317Z.csv`. */
export function toCsvFilename(customerExternalId: string, kind: string, period: TPeriod): string {
  return `${toFilenamePart(customerExternalId)}-${kind}-${toFilenameInstant(period.periodStart)}-${toFilenameInstant(period.periodEnd)}.csv`;
}

function toFilenamePart(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** 2026-11-01 at midnight UTC, else 2026-11-01T101500Z (milliseconds, when any, kept). */
function toFilenameInstant(instant: Date): string {
  const iso = instant.toISOString();
  if (iso.endsWith("T00:00:00.000Z")) return iso.slice(0, 10);
  return iso.replace(/:/g, "").replace(/\.000Z$/, "Z");
}
