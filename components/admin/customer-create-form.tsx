"use client";

import { useRouter } from "next/navigation";
import type { FormEvent } from "react";
import { createCustomerAction } from "@/app/admin/customers/actions";
import { Button } from "@/components/ui/button";
import { FormAlert, TextField } from "./form-controls";
import { useStaffAction } from "./use-staff-action";

/** Creates a customer (and its Stripe customer), then opens its page. */
export function CustomerCreateForm() {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(createCustomerAction);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "").trim();
    run(
      { externalId: String(form.get("externalId") ?? ""), name: String(form.get("name") ?? ""), email: email === "" ? null : email },
      ({ id }) => router.push(`/admin/customers/${id}`),
    );
  }

  return (
    <form onSubmit={onSubmit} noValidate aria-label="New customer" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-3">
        <TextField id="customer-name" name="name" label="Name" required autoComplete="off" error={fieldError("/name")} />
        <TextField
          id="customer-external-id"
          name="externalId"
          label="External id"
          required
          autoComplete="off"
          placeholder="acme-corp"
          hint="How usage events name this customer; it cannot change later."
          error={fieldError("/externalId")}
        />
        <TextField id="customer-email" name="email" type="email" label="Billing email" autoComplete="off" error={fieldError("/email")} />
      </div>
      {error && Object.keys(error.fieldErrors).length === 0 ? <FormAlert error={error} /> : null}
      <Button type="submit" disabled={pending} aria-disabled={pending}>
        {pending ? "Creating…" : "Create customer"}
      </Button>
    </form>
  );
}
