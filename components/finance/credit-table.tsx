// Every credit for finance: customer, kind, value, what is left, reason, expiry, who granted it,
// its Stripe grant, status, and a Void button while it can still give something.
import { CreditVoidButton } from "@/components/finance/credit-void-button";
import { CREDIT_STATUS_LABELS, creditRemaining, creditValue } from "@/components/finance/credit-value";
import { EmptyState } from "@/components/ui/empty-state";
import type { TCreditRow } from "@/lib/credits/find-credits";
import { formatDateTime } from "@/lib/time/format";

export function CreditTable({ credits }: { credits: TCreditRow[] }) {
  if (credits.length === 0) return <EmptyState title="No credits yet">Credits you grant appear here, with what is left of each.</EmptyState>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-left text-sm" data-testid="credits">
        <caption className="sr-only">Credits</caption>
        <thead className="text-slate-500">
          <tr>
            {["Customer", "Kind", "Value", "Remaining", "Reason", "Expires (UTC)", "Granted", "Stripe grant", "Status"].map((heading) => (
              <th key={heading} scope="col" className="py-2 pr-4 font-medium">
                {heading}
              </th>
            ))}
            <th scope="col" className="py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {credits.map((credit) => (
            <tr key={credit.id} className={credit.status === "ACTIVE" || credit.status === "SCHEDULED" ? "" : "text-slate-400"}>
              <td className="py-2 pr-4 font-medium">{credit.customer.name}</td>
              <td className="py-2 pr-4">{credit.kind === "AMOUNT" ? "Amount" : "Free units"}</td>
              <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{creditValue(credit)}</td>
              <td className="py-2 pr-4 whitespace-nowrap tabular-nums">{creditRemaining(credit)}</td>
              <td className="py-2 pr-4">{credit.reason}</td>
              <td className="py-2 pr-4 whitespace-nowrap">{credit.expiresAt ? formatDateTime(credit.expiresAt) : "Never"}</td>
              <td className="py-2 pr-4 whitespace-nowrap">
                {formatDateTime(credit.createdAt)}
                {credit.grantedBy ? <span className="block text-xs text-slate-500">by {credit.grantedBy}</span> : null}
              </td>
              <td className="py-2 pr-4 font-mono text-xs">{credit.stripeCreditGrantId ?? (credit.kind === "QUANTITY" ? "per invoice" : "—")}</td>
              <td className="py-2 pr-4 whitespace-nowrap">{CREDIT_STATUS_LABELS[credit.status]}</td>
              <td className="py-2 text-right">{credit.voidedAt ? null : <CreditVoidButton creditId={credit.id} label={`the ${creditValue(credit)} credit of ${credit.customer.name}`} />}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
