"use client";
// A reconciliation row's repair, after a confirmation that says what it will do in Stripe.
import { repairReconciliationLineAction } from "@/app/finance/reconciliation/actions";
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import { REPAIR_LABELS, type TRepairAction } from "@/lib/reconciliation/compute-reconciliation";

const EXPLAIN: Record<TRepairAction, string> = {
  resend: "Sends Stripe the missing usage as one meter event inside the period.",
  cancel_duplicate: "Cancels the duplicate meter events in Stripe (possible for 24 hours after Stripe received them).",
  adjust_next_invoice: "Adds an invoice item for the priced difference to the customer's next Stripe invoice.",
  release: "Sends the held or dead-lettered lines back to the reporter.",
  send_now: "Sends the customer's usage that is waiting, now.",
};

export function ReconciliationRepairButton({ lineId, action, label }: { lineId: string; action: TRepairAction; label: string }) {
  return (
    <ConfirmActionButton
      action={repairReconciliationLineAction}
      input={{ lineId }}
      name={`${REPAIR_LABELS[action]}: ${label}`}
      trigger={`${REPAIR_LABELS[action]}…`}
      question={`${EXPLAIN[action]} The figures are checked again first.`}
      confirmLabel="Confirm"
      pendingLabel="Repairing…"
      cancelLabel="Cancel"
      className="min-w-56"
      onDone={(result) => result.summary}
    />
  );
}
