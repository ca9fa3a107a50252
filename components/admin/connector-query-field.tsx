// A SQL source's query: a monospace textarea with its label, hint and field error tied to it, as
// form-controls' TextField does for inputs.
import type { TextareaHTMLAttributes } from "react";
import { FieldError } from "./form-controls";

const CONTROL =
  "block w-full rounded-md border-0 bg-white px-3 py-2 font-mono text-xs text-slate-900 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500 focus:outline-none aria-[invalid=true]:ring-red-400";

export const QUERY_PLACEHOLDERS = {
  RAW: `SELECT id AS event_id, account_id AS customer, 'api_call' AS meter,
       units AS quantity, created_at AS occurred_at
FROM api_calls
WHERE created_at >= $1 AND created_at < $2`,
  AGGREGATE: `SELECT account_id AS customer, 'storage_gb' AS meter,
       sum(gb) AS quantity, date_trunc('day', created_at, 'UTC') AS occurred_at
FROM storage_samples
WHERE created_at >= $1
GROUP BY 1, 2, 4`,
} as const;

export const QUERY_HINT = "$1 is now − 35 days, $2 is now, and for raw events $3 is the last run's start less an hour (timestamptz). It runs in a read-only transaction.";

export function ConnectorQueryField({
  id,
  label,
  error,
  hint,
  ...props
}: { id: string; label: string; error?: string; hint?: string } & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const describedBy = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea id={id} rows={7} spellCheck={false} autoComplete="off" className={CONTROL} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...props} />
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {error ? <FieldError id={`${id}-error`}>{error}</FieldError> : null}
    </div>
  );
}
