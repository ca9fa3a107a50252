"use client";

import { useState, type FormEvent } from "react";
import { publishPlanVersionAction, updatePlanDraftAction } from "@/app/admin/plans/actions";
import { FormAlert, FormNotice } from "@/components/admin/form-controls";
import { toVersionInput, versionFieldErrors, type TMeterOption, type TVersionDraft } from "@/components/admin/plan-version-draft";
import { PlanVersionEditor } from "@/components/admin/plan-version-editor";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

/**
 * A draft version's editor: "Save draft", or "Save and publish" (saves, then publishes what was
 * saved; a save refused by validation publishes nothing).
 */
export function PlanDraftForm({ planVersionId, version, initial, meters }: { planVersionId: string; version: number; initial: TVersionDraft; meters: TMeterOption[] }) {
  const [draft, setDraft] = useState<TVersionDraft>(initial);
  const { run, pending, error } = useStaffAction(updatePlanDraftAction);
  const [notice, setNotice] = useState<string | null>(null);

  function submit(publish: boolean) {
    setNotice(null);
    run({ planVersionId, version: toVersionInput(draft) }, async () => {
      if (!publish) {
        setNotice(`Version ${version} saved as a draft.`);
        return;
      }
      const published = await publishPlanVersionAction({ planVersionId });
      if (published.ok) setNotice(`Version ${version} published.`);
      return published;
    });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    submit(false);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6" aria-label={`Edit draft version ${version}`}>
      <PlanVersionEditor idPrefix={`draft-${version}`} value={draft} onChange={setDraft} errors={versionFieldErrors(error?.fieldErrors ?? {})} meters={meters} disabled={pending} />
      <FormAlert error={error} />
      {notice ? <FormNotice>{notice}</FormNotice> : null}
      <div className="flex flex-wrap gap-3">
        <Button type="submit" variant="secondary" disabled={pending}>
          Save draft
        </Button>
        <Button type="button" disabled={pending} onClick={() => submit(true)}>
          {pending ? "Working…" : `Save and publish version ${version}`}
        </Button>
      </div>
    </form>
  );
}
