"use client";
// "New HubSpot connector": a private app's access token (sent once, sealed at rest), an optional API
// address (a proxy, or the test fake) and how often it syncs. Saved, the browser goes to its page;
// its first sync is due at once.
import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { createHubSpotConnectorAction } from "@/app/admin/connectors/actions";
import { Button } from "@/components/ui/button";
import { FormAlert, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

const FIELDS = ["/name", "/accessToken", "/apiBaseUrl", "/intervalMinutes"];

export function ConnectorHubSpotCreateForm({ defaultIntervalMinutes }: { defaultIntervalMinutes: number }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(createHubSpotConnectorAction);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "");
    run(
      { name: text("name"), accessToken: text("accessToken"), apiBaseUrl: text("apiBaseUrl"), intervalMinutes: text("intervalMinutes") },
      ({ connectorId }) => router.push(`/admin/connectors/${connectorId}`),
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="New HubSpot connector" className="space-y-4">
      <div className="grid gap-4 md:grid-cols-2">
        <TextField id="hubspot-name" name="name" label="Name" placeholder="HubSpot" autoComplete="off" maxLength={80} required error={fieldError("/name")} />
        <TextField
          id="hubspot-access-token"
          name="accessToken"
          type="password"
          label="Private app access token"
          placeholder="pat-na1-…"
          autoComplete="off"
          spellCheck={false}
          required
          error={fieldError("/accessToken")}
          hint="Scopes: crm.objects.companies.read/write, crm.schemas.companies.read/write. Stored encrypted; only its last 4 characters are shown again."
        />
        <TextField
          id="hubspot-api-base-url"
          name="apiBaseUrl"
          type="url"
          inputMode="url"
          label="API base URL (optional)"
          placeholder="https://api.hubapi.com"
          autoComplete="off"
          error={fieldError("/apiBaseUrl")}
          hint="empty: https://api.hubapi.com"
        />
        <TextField
          id="hubspot-interval"
          name="intervalMinutes"
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          label="Sync every (minutes)"
          defaultValue={defaultIntervalMinutes}
          required
          error={fieldError("/intervalMinutes")}
        />
      </div>
      {error && !FIELDS.some((field) => error.fieldErrors[field]) ? <FormAlert error={error} /> : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Creating…" : "Create HubSpot connector"}
      </Button>
    </form>
  );
}
