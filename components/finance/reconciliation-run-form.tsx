"use client";
// "Run now" on the reconciliation page: every customer, or one. The run checks each customer's
// current and previous period against Stripe and the page shows its figures when it ends.
import { useRouter } from "next/navigation";
import { useState } from "react";
import { runReconciliationAction } from "@/app/finance/reconciliation/actions";
import { FormAlert, FormNotice, SelectField } from "@/components/admin/form-controls";
import { useFocusedNotice } from "@/components/admin/use-focused-notice";
import { useStaffAction } from "@/components/admin/use-staff-action";
import { Button } from "@/components/ui/button";

export function ReconciliationRunForm({ customers }: { customers: { id: string; name: string; externalId: string }[] }) {
  const router = useRouter();
  const { run, pending, error } = useStaffAction(runReconciliationAction);
  const { notice, setNotice, noticeRef } = useFocusedNotice();
  const [customerId, setCustomerId] = useState("");

  return (
    <form
      className="flex flex-wrap items-end gap-3"
      onSubmit={(event) => {
        event.preventDefault();
        setNotice(null);
        run({ customerId }, (result) => {
          setNotice(result ? `Checked ${result.checked} ${result.checked === 1 ? "row" : "rows"}: ${result.drift} need attention${result.failed ? `, ${result.failed} without Stripe's figures` : ""}.` : "Another run is under way.");
          router.push("/finance/reconciliation");
          router.refresh();
        });
      }}
    >
      <SelectField
        id="reconcile-customer"
        label="Customers"
        value={customerId}
        onChange={(event) => setCustomerId(event.target.value)}
        options={[{ value: "", label: "Every customer" }, ...customers.map((customer) => ({ value: customer.id, label: `${customer.name} (${customer.externalId})` }))]}
      />
      <Button type="submit" disabled={pending}>
        {pending ? "Reconciling…" : "Run reconciliation now"}
      </Button>
      <div ref={noticeRef} tabIndex={-1} className="w-full space-y-2 focus:outline-none empty:hidden" data-testid="reconciliation-run-outcome">
        {notice ? <FormNotice>{notice}</FormNotice> : null}
        <FormAlert error={error} />
      </div>
    </form>
  );
}
