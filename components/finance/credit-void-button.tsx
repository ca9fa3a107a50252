"use client";
// Voids a credit after a confirmation saying what happens: nothing more is taken off future
// invoices (what finalized invoices already got stays).
import { voidCreditAction } from "@/app/finance/credits/actions";
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";

export function CreditVoidButton({ creditId, label }: { creditId: string; label: string }) {
  return (
    <ConfirmActionButton
      action={voidCreditAction}
      input={{ creditId }}
      name={`Void ${label}`}
      trigger="Void…"
      question={`Void ${label}? Nothing more comes off future invoices; finalized invoices keep what they got. This cannot be undone.`}
      confirmLabel="Confirm void"
      pendingLabel="Voiding…"
      destructive
    />
  );
}
