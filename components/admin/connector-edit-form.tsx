"use client";
// Edits what may change on a connector (ZConnectorUpdate): its name and schedule; a SQL source's
// query and connection URL (checked against the database before saving); a HubSpot connector's
// token and API address. Only changed fields are sent; an empty secret keeps the stored one. The
// kind of rows and the key prefix never change.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { z } from "zod";
import { updateConnectorAction } from "@/app/admin/connectors/actions";
import { Button } from "@/components/ui/button";
import type { ZConnectorUpdate } from "@/lib/connectors/schemas";
import type { ConnectorKind } from "@/lib/db";
import { ConnectorQueryField, QUERY_HINT } from "./connector-query-field";
import { FormAlert, FormNotice, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

export type TConnectorEditValues = { id: string; kind: ConnectorKind; name: string; intervalMinutes: number; query: string | null; apiBaseUrl: string | null; secretHint: string };

const FIELDS = ["name", "intervalMinutes", "query", "connectionUrl", "accessToken", "apiBaseUrl"] as const;

export function ConnectorEditForm({ connector }: { connector: TConnectorEditValues }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(updateConnectorAction);
  const [saved, setSaved] = useState(false);
  const sql = connector.kind === "POSTGRES";
  // A new query or connection URL is checked before saving; that check's errors point at the field itself.
  const errorOf = (field: (typeof FIELDS)[number]) => fieldError(`/changes/${field}`);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? "");
    const changes: z.input<typeof ZConnectorUpdate> = {};
    if (text("name") !== connector.name) changes.name = text("name");
    if (text("intervalMinutes") !== String(connector.intervalMinutes)) changes.intervalMinutes = text("intervalMinutes");
    if (sql) {
      if (text("query") !== (connector.query ?? "")) changes.query = text("query");
      if (text("connectionUrl")) changes.connectionUrl = text("connectionUrl");
    } else {
      if (text("accessToken")) changes.accessToken = text("accessToken");
      if (text("apiBaseUrl") !== (connector.apiBaseUrl ?? "")) changes.apiBaseUrl = text("apiBaseUrl");
    }
    setSaved(false);
    run({ connectorId: connector.id, changes }, () => {
      // The secret went in once; its field empties (empty keeps the stored one).
      for (const name of ["connectionUrl", "accessToken"]) {
        const input = formElement.elements.namedItem(name);
        if (input instanceof HTMLInputElement) input.value = "";
      }
      setSaved(true);
      router.refresh();
    });
  }

  const id = (name: string) => `connector-edit-${name}`;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={`Edit ${connector.name}`} className="space-y-4">
      <div className="grid gap-4 md:grid-cols-2">
        <TextField id={id("name")} name="name" label="Name" defaultValue={connector.name} autoComplete="off" maxLength={80} error={errorOf("name")} />
        <TextField
          id={id("interval")}
          name="intervalMinutes"
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          label={sql ? "Run every (minutes)" : "Sync every (minutes)"}
          defaultValue={connector.intervalMinutes}
          error={errorOf("intervalMinutes")}
        />
        {sql ? (
          <TextField
            id={id("connection-url")}
            name="connectionUrl"
            type="password"
            label="New connection URL"
            placeholder="postgres://tally_reader:…@db.internal:5432/product"
            autoComplete="off"
            spellCheck={false}
            className="md:col-span-2"
            error={errorOf("connectionUrl")}
            hint={`Empty keeps the stored one (${connector.secretHint}).`}
          />
        ) : (
          <>
            <TextField
              id={id("access-token")}
              name="accessToken"
              type="password"
              label="New access token"
              placeholder="pat-na1-…"
              autoComplete="off"
              spellCheck={false}
              error={errorOf("accessToken")}
              hint={`Empty keeps the stored one (${connector.secretHint}).`}
            />
            <TextField
              id={id("api-base-url")}
              name="apiBaseUrl"
              type="url"
              inputMode="url"
              label="API base URL (optional)"
              placeholder="https://api.hubapi.com"
              defaultValue={connector.apiBaseUrl ?? ""}
              autoComplete="off"
              error={errorOf("apiBaseUrl")}
              hint="empty: https://api.hubapi.com"
            />
          </>
        )}
      </div>
      {sql ? <ConnectorQueryField id={id("query")} name="query" label="Query" defaultValue={connector.query ?? ""} error={errorOf("query")} hint={QUERY_HINT} /> : null}
      {error && !FIELDS.some((field) => errorOf(field)) ? <FormAlert error={error} /> : null}
      {saved ? <FormNotice>Saved.</FormNotice> : null}
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? (sql ? "Checking and saving…" : "Saving…") : "Save changes"}
      </Button>
    </form>
  );
}
