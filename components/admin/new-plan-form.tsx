"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createPlanAction } from "@/app/admin/plans/actions";
import { FormAlert, TextField } from "@/components/admin/form-controls";
import { emptyVersionDraft, toVersionInput, versionFieldErrors, type TMeterOption, type TVersionDraft } from "@/components/admin/plan-version-draft";
import { PlanVersionEditor } from "@/components/admin/plan-version-editor";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

/** A new plan with its first version, saved as a draft (nothing reaches Stripe until it is published). */
export function NewPlanForm({ meters }: { meters: TMeterOption[] }) {
  const router = useRouter();
  const [plan, setPlan] = useState({ key: "", name: "", description: "" });
  const [version, setVersion] = useState<TVersionDraft>(emptyVersionDraft);
  const { run, pending, error, fieldError } = useStaffAction(createPlanAction);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    run({ ...plan, version: toVersionInput(version) }, ({ planId }) => router.push(`/admin/plans/${planId}`));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-6" aria-label="Create a plan">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField id="plan-key" label="Key" placeholder="team" value={plan.key} onChange={(event) => setPlan({ ...plan, key: event.target.value })} error={fieldError("/key")} hint="A stable slug; cannot change later." />
        <TextField id="plan-name" label="Name" placeholder="Team" value={plan.name} onChange={(event) => setPlan({ ...plan, name: event.target.value })} error={fieldError("/name")} />
        <TextField
          id="plan-description"
          label="Description"
          className="sm:col-span-2"
          value={plan.description}
          onChange={(event) => setPlan({ ...plan, description: event.target.value })}
          error={fieldError("/description")}
        />
      </div>
      <PlanVersionEditor idPrefix="new-plan" value={version} onChange={setVersion} errors={versionFieldErrors(error?.fieldErrors ?? {})} meters={meters} disabled={pending} />
      <FormAlert error={error} />
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create plan as draft"}
      </Button>
    </form>
  );
}
