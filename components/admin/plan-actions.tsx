"use client";

import { useState } from "react";
import { archivePlanAction, createPlanVersionAction } from "@/app/admin/plans/actions";
import { FormAlert } from "@/components/admin/form-controls";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";
import type { TActionResult } from "@/lib/http/action-client";

/** "New version" (a draft copied from the latest published version) and "Archive plan" (confirmed first). */
export function PlanActions({ planId, planName, canCreateVersion, canArchive }: { planId: string; planName: string; canCreateVersion: boolean; canArchive: boolean }) {
  // One hook for both buttons: one call at a time, and the alert shows the latest call's error.
  const { run, pending, error } = useStaffAction((step: "newVersion" | "archive"): Promise<TActionResult<unknown>> =>
    step === "newVersion" ? createPlanVersionAction({ planId }) : archivePlanAction({ planId }),
  );
  const [confirming, setConfirming] = useState(false);
  // Either outcome closes the confirmation: on success here, on failure when its error arrives.
  const [shownError, setShownError] = useState(error);
  if (error !== shownError) {
    setShownError(error);
    if (error) setConfirming(false);
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        {canCreateVersion ? (
          <Button type="button" disabled={pending} onClick={() => run("newVersion", () => setConfirming(false))}>
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
          <Button type="button" disabled={pending} onClick={() => run("archive", () => setConfirming(false))}>
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
