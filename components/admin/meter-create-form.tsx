"use client";

import { useState, type FormEvent } from "react";
import { createMeterAction } from "@/app/admin/meters/actions";
import { FormAlert, FormNotice, SelectField, TextField } from "@/components/admin/form-controls";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";
import type { ZMeterInput } from "@/lib/catalog/schemas";
import type { z } from "zod";

type TMeterFormInput = z.input<typeof ZMeterInput>;

export const AGGREGATION_OPTIONS = [
  { value: "SUM", label: "Sum of values" },
  { value: "COUNT", label: "Count of events" },
  { value: "LAST", label: "Last value (gauge)" },
];

export const ROUNDING_OPTIONS = [
  { value: "HALF_UP", label: "Half up" },
  { value: "UP", label: "Up" },
  { value: "DOWN", label: "Down" },
];

/** Creates a meter (and its Stripe meter). Validated by ZMeterInput in the action. */
export function MeterCreateForm() {
  const { run, pending, error, fieldError } = useStaffAction(createMeterAction);
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? "");
    setCreated(null);
    run(
      {
        eventName: text("eventName"),
        displayName: text("displayName"),
        aggregation: text("aggregation") as TMeterFormInput["aggregation"],
        unitLabel: text("unitLabel"),
        valueScale: text("valueScale"),
        rounding: text("rounding") as TMeterFormInput["rounding"],
        allowNegative: form.get("allowNegative") === "on",
      },
      (meter) => {
        setCreated(`Meter ${meter.eventName} created${meter.stripeMeterId ? ` (Stripe meter ${meter.stripeMeterId})` : ""}.`);
        formElement.reset();
      },
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Create a meter">
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField id="meter-event-name" name="eventName" label="Event name" placeholder="api_requests" error={fieldError("/eventName")} hint="The `meter` of usage events; cannot change later." required />
        <TextField id="meter-display-name" name="displayName" label="Display name" placeholder="API requests" error={fieldError("/displayName")} required />
        <SelectField id="meter-aggregation" name="aggregation" label="Aggregation" options={AGGREGATION_OPTIONS} error={fieldError("/aggregation")} defaultValue="SUM" hint="Cannot change later." />
        <TextField id="meter-unit-label" name="unitLabel" label="Unit label" placeholder="request" error={fieldError("/unitLabel")} hint="One unit, singular." required />
        <TextField id="meter-value-scale" name="valueScale" label="Value scale" inputMode="decimal" defaultValue="1" error={fieldError("/valueScale")} hint="Stripe value = quantity × scale." />
        <SelectField id="meter-rounding" name="rounding" label="Rounding" options={ROUNDING_OPTIONS} error={fieldError("/rounding")} defaultValue="HALF_UP" />
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-700">
        <input type="checkbox" name="allowNegative" className="h-4 w-4 rounded border-slate-300" />
        Allow negative values (corrections)
      </label>
      <FormAlert error={error} />
      {created ? <FormNotice>{created}</FormNotice> : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create meter"}
      </Button>
    </form>
  );
}
