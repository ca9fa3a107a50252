"use client";
// Cancel at the period end (with a confirmation), or keep a subscription set to cancel.
import { useRouter } from "next/navigation";
import { useRef } from "react";
import { cancelOwnSubscriptionAction, keepOwnSubscriptionAction } from "@/app/(customer)/dashboard/[customerId]/actions";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

export function CancelSubscriptionPanel({ customerId, subscriptionId, cancelAtPeriodEnd, periodEnd }: { customerId: string; subscriptionId: string; cancelAtPeriodEnd: boolean; periodEnd: string }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const cancel = useStaffAction(cancelOwnSubscriptionAction);
  const keep = useStaffAction(keepOwnSubscriptionAction);
  if (cancelAtPeriodEnd) {
    return (
      <div className="flex flex-wrap items-center gap-3 text-sm text-slate-700">
        <p className="flex-1">Your subscription ends on {periodEnd}. Usage until then is billed on the final invoice.</p>
        <Button type="button" variant="secondary" disabled={keep.pending} onClick={() => keep.run({ customerId, subscriptionId }, () => router.refresh())}>
          {keep.pending ? "Keeping…" : "Keep my subscription"}
        </Button>
        {keep.error ? <p className="w-full text-red-700" role="alert">{keep.error.message}</p> : null}
      </div>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-3 text-sm text-slate-700">
      <p className="flex-1">Cancel at the end of the period: you keep your plan until {periodEnd}, and usage until then is billed on the final invoice.</p>
      <Button type="button" variant="secondary" onClick={() => dialog.current?.showModal()}>
        Cancel subscription
      </Button>
      <dialog ref={dialog} aria-labelledby="confirm-cancel" className="m-auto w-[min(30rem,calc(100vw-2rem))] rounded-xl p-0 shadow-xl backdrop:bg-slate-900/40">
        <div className="p-6">
          <h2 id="confirm-cancel" className="text-lg font-semibold text-slate-900">
            Cancel at the period end?
          </h2>
          <p className="mt-3 text-sm text-slate-700">Your subscription stays active until {periodEnd}, then ends. You can keep it any time before then.</p>
          {cancel.error ? (
            <p className="mt-3 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800" role="alert">
              {cancel.error.message}
            </p>
          ) : null}
          <div className="mt-6 flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
              Back
            </Button>
            <Button
              type="button"
              disabled={cancel.pending}
              onClick={() =>
                cancel.run({ customerId, subscriptionId }, () => {
                  dialog.current?.close();
                  router.refresh();
                })
              }
            >
              {cancel.pending ? "Canceling…" : "Cancel at period end"}
            </Button>
          </div>
        </div>
      </dialog>
    </div>
  );
}
