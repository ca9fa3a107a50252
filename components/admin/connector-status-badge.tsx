import type { ConnectorRunStatus } from "@/lib/db";

const STATUS: Record<ConnectorRunStatus, { label: string; className: string }> = {
  RUNNING: { label: "running", className: "bg-sky-50 text-sky-800 ring-sky-200" },
  SUCCEEDED: { label: "succeeded", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  PARTIAL: { label: "partial", className: "bg-amber-50 text-amber-800 ring-amber-200" },
  FAILED: { label: "failed", className: "bg-red-50 text-red-700 ring-red-200" },
};

/**
 * A connector run's status as a pill, in words (the colour only repeats them). StatusBadge
 * (status-badge.tsx) is a plan's lifecycle and has no tones for a failure.
 */
export function ConnectorStatusBadge({ status }: { status: ConnectorRunStatus }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ${STATUS[status].className}`}>
      {STATUS[status].label}
    </span>
  );
}
