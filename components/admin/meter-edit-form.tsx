"use client";

import { useState, type FormEvent } from "react";
import { updateMeterAction } from "@/app/admin/meters/actions";
import { ROUNDING_OPTIONS } from "@/components/admin/meter-create-form";
import { FormAlert, FormNotice, SelectField, TextField } from "@/components/admin/form-controls";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";
import type { ZMeterUpdate } from "@/lib/catalog/schemas";
import type { z } from "zod";

export type TMeterEditValues = { displayName: string; unitLabel: string; valueScale: string; rounding: string };

/**
 * Edits what may change on a meter (ZMeterUpdate): display name, unit label, scale and rounding.
 * Only changed fields are sent; the event name and aggregation never change.
 */
export function MeterEditForm({ meterId, eventName, values }: { meterId: string; eventName: string; values: TMeterEditValues }) {
  const { run, pending, error, fieldError } = useStaffAction(updateMeterAction);
  const [saved, setSaved] = useState(false);
  const id = (name: string) => `meter-${meterId}-${name}`;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const changes: z.input<typeof ZMeterUpdate> = {};
    for (const name of ["displayName", "unitLabel", "valueScale", "rounding"] as const) {
      const value = String(form.get(name) ?? "");
      if (value !== values[name]) Object.assign(changes, { [name]: value });
    }
    setSaved(false);
    run({ meterId, changes }, () => setSaved(true));
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-3" aria-label={`Edit meter ${eventName}`}>
      <div className="grid gap-3 sm:grid-cols-2">
        <TextField id={id("display-name")} name="displayName" label="Display name" defaultValue={values.displayName} error={fieldError("/changes/displayName")} />
        <TextField id={id("unit-label")} name="unitLabel" label="Unit label" defaultValue={values.unitLabel} error={fieldError("/changes/unitLabel")} />
        <TextField id={id("value-scale")} name="valueScale" label="Value scale" inputMode="decimal" defaultValue={values.valueScale} error={fieldError("/changes/valueScale")} />
        <SelectField id={id("rounding")} name="rounding" label="Rounding" options={ROUNDING_OPTIONS} defaultValue={values.rounding} error={fieldError("/changes/rounding")} />
      </div>
      <FormAlert error={error} />
      {saved ? <FormNotice>Saved.</FormNotice> : null}
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? "Saving…" : "Save changes"}
      </Button>
    </form>
  );
}
