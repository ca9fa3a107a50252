"use client";
// The in-app alert: the highest quota threshold a meter reached this period, until dismissed.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { dismissUsageAlertAction } from "@/app/(customer)/dashboard/[customerId]/actions";
import { useStaffAction } from "@/components/admin/use-staff-action";

const STYLE = (threshold: number) =>
  threshold >= 100 ? "border-red-200 bg-red-50 text-red-900" : threshold >= 90 ? "border-orange-200 bg-orange-50 text-orange-900" : "border-amber-200 bg-amber-50 text-amber-900";

export function UsageAlertBanner({
  customerId,
  alertId,
  threshold,
  meterName,
  message,
  canDismiss,
}: {
  customerId: string;
  alertId: string;
  threshold: number;
  meterName: string;
  message: string;
  canDismiss: boolean;
}) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(dismissUsageAlertAction);
  return (
    <div role="status" className={`flex flex-col gap-3 rounded-lg border px-4 py-3 text-sm sm:flex-row sm:items-center ${STYLE(threshold)}`} data-testid="usage-alert-banner" data-threshold={threshold}>
      <p className="flex-1">
        <span className="font-semibold">
          {threshold >= 100 ? `${meterName}: included quantity used up.` : `${meterName}: ${threshold}% of the included quantity used.`}
        </span>{" "}
        {message}
      </p>
      <div className="flex shrink-0 items-center gap-2">
        <Link href={`/dashboard/${customerId}/plans`} className="rounded-md bg-white/70 px-3 py-1.5 font-medium ring-1 ring-current/20 hover:bg-white">
          Compare plans
        </Link>
        {canDismiss ? (
          <button
            type="button"
            disabled={pending}
            onClick={() => run({ customerId, alertId }, () => router.refresh())}
            className="rounded-md px-2 py-1.5 hover:bg-white/60"
            aria-label={`Dismiss the ${meterName} alert`}
          >
            Dismiss
          </button>
        ) : null}
      </div>
      {error ? <p className="w-full text-xs">{error.message}</p> : null}
    </div>
  );
}
