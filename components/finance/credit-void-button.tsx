"use client";
// Voids a credit after a confirmation saying what happens: nothing more is taken off future
// invoices (what finalized invoices already got stays).
import { useRouter } from "next/navigation";
import { useState } from "react";
import { voidCreditAction } from "@/app/finance/credits/actions";
import { FormAlert } from "@/components/admin/form-controls";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

export function CreditVoidButton({ creditId, label }: { creditId: string; label: string }) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(voidCreditAction);
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <Button type="button" variant="secondary" className="px-2.5 py-1 text-xs" onClick={() => setConfirming(true)} aria-label={`Void ${label}`}>
        Void…
      </Button>
    );
  }
  return (
    <div role="group" aria-label={`Void ${label}`} className="space-y-2 text-left">
      <p className="text-xs text-slate-700">Void {label}? Nothing more comes off future invoices; finalized invoices keep what they got. This cannot be undone.</p>
      <div className="flex gap-2">
        <Button
          type="button"
          variant="secondary"
          className="px-2.5 py-1 text-xs text-red-700 ring-red-300"
          disabled={pending}
          onClick={() =>
            run({ creditId }, () => {
              setConfirming(false);
              router.refresh();
            })
          }
        >
          {pending ? "Voiding…" : "Confirm void"}
        </Button>
        <Button type="button" variant="ghost" className="px-2.5 py-1 text-xs" disabled={pending} onClick={() => setConfirming(false)}>
          Keep
        </Button>
      </div>
      <FormAlert error={error} />
    </div>
  );
}
