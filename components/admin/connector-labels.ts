// How the admin console names a connector's kind and schedule, and what its run counts mean: the
// list, the connector page and the overview say it the same way.
import type { ConnectorKind, SqlSourceMode } from "@/lib/db";

export type TConnectorLabels = {
  /** "SQL source · raw events", "SQL source · per-period totals", "HubSpot". */
  kind: string;
  /** "every 15 min", "paused". */
  schedule: string;
  /** What a run's rows read / recorded / unchanged counts are, for table headers. */
  counts: { read: string; recorded: string; unchanged: string };
};

export function connectorLabels(connector: { kind: ConnectorKind; mode: SqlSourceMode | null; enabled: boolean; intervalMinutes: number }): TConnectorLabels {
  const schedule = connector.enabled ? `every ${connector.intervalMinutes.toLocaleString("en-US")} min` : "paused";
  if (connector.kind === "HUBSPOT") {
    return { kind: "HubSpot", schedule, counts: { read: "Customers", recorded: "Companies updated", unchanged: "Unchanged" } };
  }
  return {
    kind: connector.mode === "AGGREGATE" ? "SQL source · per-period totals" : "SQL source · raw events",
    schedule,
    counts: { read: "Rows read", recorded: "Events recorded", unchanged: connector.mode === "AGGREGATE" ? "Unchanged" : "Already recorded" },
  };
}
