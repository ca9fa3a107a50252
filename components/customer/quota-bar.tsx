// Usage against the included quantity: the bar's colour changes at 75 %, 90 % and 100 %.

export type TQuotaLevel = "ok" | "notice" | "warning" | "over";

export function quotaLevel(percent: number | null): TQuotaLevel {
  if (percent === null || percent < 75) return "ok";
  if (percent < 90) return "notice";
  if (percent < 100) return "warning";
  return "over";
}

const BAR: Record<TQuotaLevel, string> = { ok: "bg-brand-600", notice: "bg-amber-400", warning: "bg-orange-500", over: "bg-red-600" };
export const LEVEL_TEXT: Record<TQuotaLevel, string> = { ok: "text-slate-600", notice: "text-amber-700", warning: "text-orange-700", over: "text-red-700" };

export function QuotaBar({ percent, label }: { percent: number | null; label: string }) {
  const level = quotaLevel(percent);
  const width = percent === null ? 0 : Math.min(100, Math.max(percent, percent > 0 ? 1 : 0));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent === null ? undefined : Math.min(100, Math.round(percent))}
      aria-valuetext={percent === null ? "No included quantity" : `${percent}% of the included quantity`}
      data-level={level}
      className="relative h-2.5 w-full overflow-hidden rounded-full bg-slate-100"
    >
      <div className={`h-full rounded-full ${BAR[level]}`} style={{ width: `${width}%` }} />
      {/* The alert thresholds, as ticks. */}
      <span aria-hidden className="absolute inset-y-0 left-3/4 w-px bg-white/80" />
      <span aria-hidden className="absolute inset-y-0 left-[90%] w-px bg-white/80" />
    </div>
  );
}
