"use client";

import { useState, useTransition } from "react";
import { archivePlanAction, createPlanVersionAction } from "@/app/admin/plans/actions";
import { FormAlert } from "@/components/admin/form-controls";
import { Button } from "@/components/ui/button";
import type { TActionError } from "@/lib/http/action-client";

/** "New version" (a draft copied from the latest published version) and "Archive plan" (confirmed first). */
export function PlanActions({ planId, planName, canCreateVersion, canArchive }: { planId: string; planName: string; canCreateVersion: boolean; canArchive: boolean }) {
  const [error, setError] = useState<TActionError | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [pending, startTransition] = useTransition();

  const run = (action: () => Promise<{ ok: true } | { ok: false; error: TActionError }>) =>
    startTransition(async () => {
      const result = await action();
      setError(result.ok ? null : result.error);
      setConfirming(false);
    });

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        {canCreateVersion ? (
          <Button type="button" disabled={pending} onClick={() => run(() => createPlanVersionAction({ planId }))}>
            New version
          </Button>
        ) : null}
        {canArchive && !confirming ? (
          <Button type="button" variant="secondary" disabled={pending} onClick={() => setConfirming(true)}>
            Archive plan…
          </Button>
        ) : null}
      </div>
      {confirming ? (
        <div role="group" aria-label="Confirm archiving" className="flex flex-wrap items-center gap-3 rounded-md bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200">
          <span>Archive {planName}? New subscriptions can no longer choose it; existing ones keep their version.</span>
          <Button type="button" disabled={pending} onClick={() => run(() => archivePlanAction({ planId }))}>
            Archive
          </Button>
          <Button type="button" variant="ghost" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      ) : null}
      <FormAlert error={error} />
    </div>
  );
}
