"use client";
// Finance's credit grant form: the customer, an amount (with its currency) or free units of a
// meter, the reason the customer sees, and an optional expiry (UTC). Field errors from the action
// show under their fields; the outcome line takes the focus.
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { grantCreditAction } from "@/app/finance/credits/actions";
import { FormAlert, SelectField, TextField } from "@/components/admin/form-controls";
import { useFocusedNotice } from "@/components/admin/use-focused-notice";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

type TOption = { value: string; label: string };

export function CreditGrantForm({ customers, meters }: { customers: TOption[]; meters: TOption[] }) {
  const router = useRouter();
  const { run, pending, error, fieldError } = useStaffAction(grantCreditAction);
  const { notice, setNotice, noticeRef } = useFocusedNotice();
  const [kind, setKind] = useState<"AMOUNT" | "QUANTITY">("AMOUNT");

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const text = (name: string) => String(form.get(name) ?? "");
    const expiry = text("expiresAt");
    setNotice(null);
    run(
      {
        customerId: text("customerId"),
        kind,
        amount: kind === "AMOUNT" ? text("amount") : undefined,
        currency: kind === "AMOUNT" ? text("currency") : undefined,
        meterId: kind === "QUANTITY" ? text("meterId") : undefined,
        quantity: kind === "QUANTITY" ? text("quantity") : undefined,
        reason: text("reason"),
        expiresAt: expiry ? `${expiry}:00Z` : undefined,
      },
      () => {
        setNotice("Credit granted.");
        formElement.reset();
        router.refresh();
      },
    );
  }

  const hasFieldErrors = error !== null && Object.keys(error.fieldErrors).length > 0;
  return (
    <form onSubmit={onSubmit} noValidate aria-label="Grant a credit" className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField id="credit-customer" name="customerId" label="Customer" options={[{ value: "", label: "Choose a customer" }, ...customers]} error={fieldError("/customerId")} />
        <fieldset className="space-y-1.5">
          <legend className="text-sm font-medium text-slate-700">Kind</legend>
          <label className="mr-4 inline-flex items-center gap-2 text-sm text-slate-700">
            <input type="radio" name="kind" value="AMOUNT" checked={kind === "AMOUNT"} onChange={() => setKind("AMOUNT")} /> An amount of money
          </label>
          <label className="inline-flex items-center gap-2 text-sm text-slate-700">
            <input type="radio" name="kind" value="QUANTITY" checked={kind === "QUANTITY"} onChange={() => setKind("QUANTITY")} /> Free units of a meter
          </label>
        </fieldset>
      </div>
      {kind === "AMOUNT" ? (
        <div className="grid gap-4 sm:grid-cols-2">
          <TextField id="credit-amount" name="amount" label="Amount" inputMode="decimal" placeholder="25.00" autoComplete="off" error={fieldError("/amount")} hint="In major units, e.g. 25.00 for $25. Applies to usage charges only, not the base fee." />
          <TextField id="credit-currency" name="currency" label="Currency" placeholder="USD" maxLength={3} autoComplete="off" error={fieldError("/currency")} hint="The customer's plan currency." />
        </div>
      ) : (
        <div className="grid gap-4 sm:grid-cols-2">
          <SelectField id="credit-meter" name="meterId" label="Meter" options={[{ value: "", label: "Choose a meter" }, ...meters]} error={fieldError("/meterId")} />
          <TextField id="credit-quantity" name="quantity" label="Free units" inputMode="decimal" placeholder="10000" autoComplete="off" error={fieldError("/quantity")} hint="Used up across invoices until none are left." />
        </div>
      )}
      <div className="grid gap-4 sm:grid-cols-2">
        <TextField id="credit-reason" name="reason" label="Reason" placeholder="Outage on 3 March" maxLength={200} autoComplete="off" error={fieldError("/reason")} hint="The customer sees it on their dashboard." />
        <TextField id="credit-expires" name="expiresAt" type="datetime-local" label="Expires (UTC, optional)" error={fieldError("/expiresAt")} />
      </div>
      {error && !hasFieldErrors ? <FormAlert error={error} /> : null}
      <div className="flex items-center gap-3">
        <Button type="submit" disabled={pending}>
          {pending ? "Granting…" : "Grant credit"}
        </Button>
        <div ref={noticeRef} tabIndex={-1} role="status" className="text-sm text-emerald-700">
          {notice}
        </div>
      </div>
    </form>
  );
}
