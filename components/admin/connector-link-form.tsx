"use client";
// One customer's HubSpot company id on a connector page: Save stores it (it wins over matching by
// email domain), Clear removes the link (the next sync matches by domain again). Audited.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { updateConnectorLinkAction } from "@/app/admin/connectors/actions";
import { Button } from "@/components/ui/button";
import { FormAlert, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

const SMALL = "px-2.5 py-1 text-xs";

export function ConnectorLinkForm({ connectorId, customer, externalId }: { connectorId: string; customer: { id: string; name: string }; externalId: string | null }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(updateConnectorLinkAction);
  const [outcome, setOutcome] = useState<string | null>(null);
  const [value, setValue] = useState(externalId ?? "");

  function save(next: string) {
    setOutcome(null);
    run({ connectorId, customerId: customer.id, externalId: next }, (link) => {
      setValue(link.externalId ?? "");
      setOutcome(link.externalId ? "Saved." : "Cleared: the next sync matches by email domain.");
      router.refresh();
    });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save(value);
  }

  const id = `connector-link-${customer.id}`;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={`HubSpot company of ${customer.name}`} className="space-y-1">
      <div className="flex items-start gap-2">
        <TextField
          id={id}
          name="externalId"
          label={`HubSpot company id for ${customer.name}`}
          hideLabel
          inputMode="numeric"
          placeholder="18234567012"
          autoComplete="off"
          value={value}
          onChange={(event) => setValue(event.target.value)}
          error={fieldError("/externalId")}
          className="w-40"
        />
        <Button type="submit" variant="secondary" className={SMALL} disabled={pending} aria-label={`Save the HubSpot company id of ${customer.name}`}>
          Save
        </Button>
        {externalId ? (
          <Button type="button" variant="ghost" className={SMALL} disabled={pending} aria-label={`Clear the HubSpot company of ${customer.name}`} onClick={() => save("")}>
            Clear
          </Button>
        ) : null}
      </div>
      <p role="status" className="text-xs text-emerald-700">
        {outcome}
      </p>
      {error && !fieldError("/externalId") ? <FormAlert error={error} /> : null}
    </form>
  );
}
