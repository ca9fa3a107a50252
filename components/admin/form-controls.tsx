// Labelled inputs for the admin forms, with the field's error (from an action's `fieldErrors`) shown
// under it and tied to it (aria-invalid + aria-describedby), so screen readers announce it too.
import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from "react";
import type { TActionError } from "@/lib/http/action-client";

const CONTROL =
  "block w-full rounded-md border-0 bg-white px-3 py-2 text-sm text-slate-900 ring-1 ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-brand-500 focus:outline-none aria-[invalid=true]:ring-red-400";

type TControlProps = { id: string; label: string; error?: string; hint?: ReactNode; hideLabel?: boolean };

function describedBy(id: string, error?: string, hint?: ReactNode): string | undefined {
  const ids = [error ? `${id}-error` : null, hint ? `${id}-hint` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

function Label({ id, label, hideLabel }: Pick<TControlProps, "id" | "label" | "hideLabel">) {
  return (
    <label htmlFor={id} className={hideLabel ? "sr-only" : "block text-sm font-medium text-slate-700"}>
      {label}
    </label>
  );
}

function Messages({ id, error, hint }: Pick<TControlProps, "id" | "error" | "hint">) {
  return (
    <>
      {hint ? (
        <p id={`${id}-hint`} className="text-xs text-slate-500">
          {hint}
        </p>
      ) : null}
      {error ? <FieldError id={`${id}-error`}>{error}</FieldError> : null}
    </>
  );
}

export function FieldError({ id, children }: { id?: string; children: ReactNode }) {
  return (
    <p id={id} className="text-xs font-medium text-red-700">
      {children}
    </p>
  );
}

export function TextField({ id, label, error, hint, hideLabel, className = "", ...props }: TControlProps & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <div className={`space-y-1 ${className}`}>
      <Label id={id} label={label} hideLabel={hideLabel} />
      <input id={id} className={CONTROL} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} {...props} />
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

export function SelectField({
  id,
  label,
  error,
  hint,
  hideLabel,
  className = "",
  options,
  ...props
}: TControlProps & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  return (
    <div className={`space-y-1 ${className}`}>
      <Label id={id} label={label} hideLabel={hideLabel} />
      <select id={id} className={CONTROL} aria-invalid={error ? true : undefined} aria-describedby={describedBy(id, error, hint)} {...props}>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Messages id={id} error={error} hint={hint} />
    </div>
  );
}

/** The form-level outcome of an action: its message when it failed. */
export function FormAlert({ error }: { error: TActionError | null }) {
  if (!error) return null;
  return (
    <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 ring-1 ring-red-200">
      {error.message}
    </p>
  );
}

export function FormNotice({ children }: { children: ReactNode }) {
  return (
    <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-200">
      {children}
    </p>
  );
}
