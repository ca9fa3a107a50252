"use client";
// "New SQL source": a read-only connection URL (sent once, sealed at rest), the kind of rows the
// query returns, the query, how often it runs and the key prefix (fixed once created). Tally checks
// the connection and the query's columns before saving: their errors show on their fields. Saved,
// the browser goes to the new source's page.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createSqlSourceAction } from "@/app/admin/connectors/actions";
import { Button } from "@/components/ui/button";
import { ConnectorQueryField, QUERY_HINT, QUERY_PLACEHOLDERS } from "./connector-query-field";
import { FieldError, FormAlert, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

type TMode = "RAW" | "AGGREGATE";

const MODES: { value: TMode; label: string; description: string }[] = [
  { value: "RAW", label: "Raw events", description: "one row per event: event_id, customer, meter, quantity, occurred_at; each event_id is recorded once." },
  { value: "AGGREGATE", label: "Per-period totals", description: "one total per customer, meter and period: customer, meter, quantity, occurred_at; each run records the change since the last." },
];

const FIELDS = ["/name", "/connectionUrl", "/mode", "/query", "/intervalMinutes", "/keyPrefix"];

export function ConnectorSqlSourceCreateForm({ defaultIntervalMinutes }: { defaultIntervalMinutes: number }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(createSqlSourceAction);
  const [mode, setMode] = useState<TMode>("RAW");

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "");
    run(
      { name: text("name"), connectionUrl: text("connectionUrl"), mode, query: text("query"), intervalMinutes: text("intervalMinutes"), keyPrefix: text("keyPrefix") },
      ({ connectorId }) => router.push(`/admin/connectors/${connectorId}`),
    );
  }

  const modeError = fieldError("/mode");
  return (
    <form onSubmit={onSubmit} noValidate aria-label="New SQL source" className="space-y-4">
      <div className="grid gap-4 md:grid-cols-2">
        <TextField id="sql-source-name" name="name" label="Name" placeholder="Product DB" autoComplete="off" maxLength={80} required error={fieldError("/name")} />
        <TextField
          id="sql-source-connection-url"
          name="connectionUrl"
          type="password"
          label="Connection URL"
          placeholder="postgres://tally_reader:…@db.internal:5432/product"
          autoComplete="off"
          spellCheck={false}
          required
          error={fieldError("/connectionUrl")}
          hint="A read-only role's URL. Stored encrypted; only the URL without its password is shown again."
        />
      </div>
      <fieldset className="space-y-1.5" aria-describedby={modeError ? "sql-source-mode-error" : undefined}>
        <legend className="text-sm font-medium text-slate-700">Rows the query returns</legend>
        {MODES.map((option) => (
          <label key={option.value} className="flex items-start gap-2 text-sm text-slate-700">
            <input type="radio" name="mode" value={option.value} checked={mode === option.value} onChange={() => setMode(option.value)} className="mt-1" />
            <span>
              <span className="font-medium">{option.label}</span>
              <span className="text-slate-500"> — {option.description}</span>
            </span>
          </label>
        ))}
        {modeError ? <FieldError id="sql-source-mode-error">{modeError}</FieldError> : null}
      </fieldset>
      <ConnectorQueryField id="sql-source-query" name="query" label="Query" placeholder={QUERY_PLACEHOLDERS[mode]} required error={fieldError("/query")} hint={QUERY_HINT} />
      <div className="grid gap-4 md:grid-cols-2">
        <TextField
          id="sql-source-interval"
          name="intervalMinutes"
          type="number"
          inputMode="numeric"
          min={1}
          max={1440}
          label="Run every (minutes)"
          defaultValue={defaultIntervalMinutes}
          required
          error={fieldError("/intervalMinutes")}
        />
        <TextField
          id="sql-source-key-prefix"
          name="keyPrefix"
          label="Idempotency key prefix (optional)"
          placeholder="sql-product-db"
          autoComplete="off"
          spellCheck={false}
          maxLength={30}
          error={fieldError("/keyPrefix")}
          hint="Every event's idempotency key starts with it. Fixed once created; empty: from the name."
        />
      </div>
      {error && !FIELDS.some((field) => error.fieldErrors[field]) ? <FormAlert error={error} /> : null}
      <Button type="submit" disabled={pending}>
        {pending ? "Checking the connection…" : "Create SQL source"}
      </Button>
    </form>
  );
}
