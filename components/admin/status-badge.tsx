const TONES: Record<string, string> = {
  DRAFT: "bg-amber-50 text-amber-800 ring-amber-200",
  PUBLISHED: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  ACTIVE: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  RETIRED: "bg-slate-100 text-slate-600 ring-slate-200",
  ARCHIVED: "bg-slate-100 text-slate-600 ring-slate-200",
};

/** A plan's or plan version's status as a small pill ("draft", "published"). */
export function StatusBadge({ status, prefix }: { status: string; prefix?: string }) {
  return (
    <span className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${TONES[status] ?? TONES.RETIRED}`}>
      {prefix ? `${prefix} ` : ""}
      {status.toLowerCase()}
    </span>
  );
}
