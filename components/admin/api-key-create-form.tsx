"use client";
// Creates an API key and shows its secret once, with a copy button and a warning: Tally keeps only
// its prefix and a hash, so the secret cannot be shown again.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { createApiKeyAction } from "@/app/admin/api-keys/actions";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { FieldError, FormAlert, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

const SCOPES = [
  { value: "INGEST", label: "INGEST", hint: "send usage events, read usage" },
  { value: "ADMIN", label: "ADMIN", hint: "catalog, customers and subscriptions over the API" },
] as const;

type TScope = (typeof SCOPES)[number]["value"];

export function ApiKeyCreateForm() {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(createApiKeyAction);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const scopes = form.getAll("scopes").map(String) as TScope[];
    run({ name: String(form.get("name") ?? ""), scopes }, (data) => {
      setCreated({ name: data.name, key: data.key });
      setCopied(null);
      formElement.reset();
      router.refresh();
    });
  }

  async function copy(key: string) {
    try {
      await navigator.clipboard.writeText(key);
      setCopied("yes");
    } catch {
      setCopied("failed");
    }
  }

  const scopesError = fieldError("/scopes");
  return (
    <div className="space-y-4">
      {created ? (
        <div role="status" className="space-y-3 rounded-lg bg-amber-50 p-4 ring-1 ring-amber-200" data-testid="new-api-key">
          <p className="text-sm font-semibold text-amber-900">Copy the key “{created.name}” now: it is shown only this once.</p>
          <p className="text-sm text-amber-900">Tally stores only its prefix and a hash. If you lose it, revoke it and create another.</p>
          <div className="flex flex-wrap items-end gap-2">
            <div className="min-w-0 flex-1">
              <Field id="new-api-key-secret" label="Secret key" readOnly value={created.key} className="block w-full rounded-md bg-white px-3 py-2 font-mono text-sm ring-1 ring-slate-300" onFocus={(event) => event.currentTarget.select()} />
            </div>
            <Button type="button" variant="secondary" onClick={() => void copy(created.key)}>
              Copy
            </Button>
            <Button type="button" variant="ghost" onClick={() => setCreated(null)}>
              Done
            </Button>
          </div>
          <p aria-live="polite" className="text-xs text-amber-900">
            {copied === "yes" ? "Copied to the clipboard." : copied === "failed" ? "The browser refused the clipboard: select the key and copy it." : ""}
          </p>
        </div>
      ) : null}
      <form onSubmit={onSubmit} noValidate aria-label="New API key" className="space-y-4">
        <TextField id="api-key-name" name="name" label="Name" placeholder="production ingest" autoComplete="off" className="max-w-md" error={fieldError("/name")} />
        <fieldset className="space-y-1.5" aria-describedby={scopesError ? "api-key-scopes-error" : undefined}>
          <legend className="text-sm font-medium text-slate-700">Scopes</legend>
          {SCOPES.map((scope) => (
            <label key={scope.value} className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" name="scopes" value={scope.value} defaultChecked={scope.value === "INGEST"} aria-invalid={scopesError ? true : undefined} />
              <span className="font-mono">{scope.label}</span>
              <span className="text-slate-500">— {scope.hint}</span>
            </label>
          ))}
          {scopesError ? <FieldError id="api-key-scopes-error">{scopesError}</FieldError> : null}
        </fieldset>
        {error && Object.keys(error.fieldErrors).length === 0 ? <FormAlert error={error} /> : null}
        <Button type="submit" disabled={pending}>
          {pending ? "Creating…" : "Create API key"}
        </Button>
      </form>
    </div>
  );
}
