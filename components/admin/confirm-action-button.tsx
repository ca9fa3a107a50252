"use client";
// A row's one-click action that asks first: the trigger ("Void…"), then what will happen with
// Confirm and Keep; the action's error under it; on success the page refreshes (and, when `onDone`
// returns a text, it takes the control's place). Used by API key revoke, credit void and
// reconciliation repairs.
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import type { TActionResult } from "@/lib/http/action-client";
import { FormAlert, FormNotice } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

const SMALL = "px-2.5 py-1 text-xs";

export function ConfirmActionButton<I, R>({
  action,
  input,
  name,
  trigger,
  question,
  confirmLabel,
  pendingLabel,
  cancelLabel = "Keep",
  destructive = false,
  className = "",
  onDone,
}: {
  action: (input: I) => Promise<TActionResult<R>>;
  input: I;
  /** What the control is called for assistive technology, e.g. "Revoke CI key". */
  name: string;
  trigger: string;
  question: ReactNode;
  confirmLabel: string;
  pendingLabel: string;
  cancelLabel?: string;
  destructive?: boolean;
  className?: string;
  onDone?: (result: R) => string | void;
}) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(action);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  if (done) return <FormNotice>{done}</FormNotice>;
  if (!confirming) {
    return (
      <Button type="button" variant="secondary" className={`${SMALL} whitespace-nowrap`} onClick={() => setConfirming(true)} aria-label={name}>
        {trigger}
      </Button>
    );
  }
  return (
    <div role="group" aria-label={name} className={`space-y-2 text-left ${className}`}>
      <p className="text-xs text-slate-700">{question}</p>
      <div className="flex gap-2">
        <Button
          type="button"
          variant="secondary"
          className={destructive ? `${SMALL} text-red-700 ring-red-300` : SMALL}
          disabled={pending}
          onClick={() =>
            run(input, (result) => {
              setConfirming(false);
              setDone(onDone?.(result) ?? null);
              router.refresh();
            })
          }
        >
          {pending ? pendingLabel : confirmLabel}
        </Button>
        <Button type="button" variant="ghost" className={SMALL} disabled={pending} onClick={() => setConfirming(false)}>
          {cancelLabel}
        </Button>
      </div>
      <FormAlert error={error} />
    </div>
  );
}
