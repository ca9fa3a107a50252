"use client";
// A reconciliation row's repair, after a confirmation that says what it will do in Stripe.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { repairReconciliationLineAction } from "@/app/finance/reconciliation/actions";
import { FormAlert, FormNotice } from "@/components/admin/form-controls";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";
import { REPAIR_LABELS, type TRepairAction } from "@/lib/reconciliation/compute-reconciliation";

const EXPLAIN: Record<TRepairAction, string> = {
  resend: "Sends Stripe the missing usage as one meter event inside the period.",
  cancel_duplicate: "Cancels the duplicate meter events in Stripe (possible for 24 hours after Stripe received them).",
  adjust_next_invoice: "Adds an invoice item for the priced difference to the customer's next Stripe invoice.",
  release: "Sends the held or dead-lettered lines back to the reporter.",
  send_now: "Sends the customer's usage that is waiting, now.",
};

export function ReconciliationRepairButton({ lineId, action, label }: { lineId: string; action: TRepairAction; label: string }) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(repairReconciliationLineAction);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  if (done) return <FormNotice>{done}</FormNotice>;
  if (!confirming) {
    return (
      <Button type="button" variant="secondary" className="px-2.5 py-1 text-xs whitespace-nowrap" onClick={() => setConfirming(true)} aria-label={`${REPAIR_LABELS[action]}: ${label}`}>
        {REPAIR_LABELS[action]}…
      </Button>
    );
  }
  return (
    <div role="group" aria-label={`${REPAIR_LABELS[action]}: ${label}`} className="min-w-56 space-y-2 text-left">
      <p className="text-xs text-slate-700">{EXPLAIN[action]} The figures are checked again first.</p>
      <div className="flex gap-2">
        <Button
          type="button"
          variant="secondary"
          className="px-2.5 py-1 text-xs"
          disabled={pending}
          onClick={() =>
            run({ lineId }, (result) => {
              setConfirming(false);
              setDone(result.summary);
              router.refresh();
            })
          }
        >
          {pending ? "Repairing…" : "Confirm"}
        </Button>
        <Button type="button" variant="ghost" className="px-2.5 py-1 text-xs" disabled={pending} onClick={() => setConfirming(false)}>
          Cancel
        </Button>
      </div>
      <FormAlert error={error} />
    </div>
  );
}
