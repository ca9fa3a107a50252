"use client";
// Chooses the billing period the page shows (a plain GET form: it works without JavaScript too).
import { useRouter } from "next/navigation";

export function PeriodSelect({ customerId, periods, selected }: { customerId: string; periods: { value: string; label: string }[]; selected: string }) {
  const router = useRouter();
  return (
    <form method="get" action={`/dashboard/${customerId}`} className="flex max-w-full min-w-0 flex-wrap items-center gap-2 text-sm">
      <label htmlFor="period" className="text-slate-600">
        Billing period
      </label>
      <select
        id="period"
        name="period"
        defaultValue={selected}
        onChange={(event) => router.push(`/dashboard/${customerId}?period=${encodeURIComponent(event.target.value)}`)}
        className="w-full max-w-full min-w-0 rounded-md border-slate-300 bg-white py-1.5 pr-8 pl-2 text-sm ring-1 ring-slate-300 sm:w-auto"
      >
        {periods.map((period) => (
          <option key={period.value} value={period.value}>
            {period.label}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit" className="rounded-md px-2 py-1 ring-1 ring-slate-300">
          Show
        </button>
      </noscript>
    </form>
  );
}
