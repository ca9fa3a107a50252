// The customer's credits in force, in the order Stripe applies them: what each was, what is left,
// why, and until when. Amount credits come off usage charges (not the base fee); free units come
// off a meter's usage before its included quantity.
import { creditRemaining, creditValue } from "@/components/finance/credit-value";
import type { TCreditRow } from "@/lib/credits/find-credits";
import { formatDateTime } from "@/lib/time/format";

export function CreditsInForce({ credits }: { credits: TCreditRow[] }) {
  if (credits.length === 0) return null;
  return (
    <table className="w-full text-left text-sm" data-testid="credits-in-force">
      <caption className="sr-only">Your credits</caption>
      <thead className="text-slate-500">
        <tr>
          <th scope="col" className="py-2 pr-4 font-medium">Credit</th>
          <th scope="col" className="py-2 pr-4 font-medium">Left</th>
          <th scope="col" className="py-2 pr-4 font-medium">Reason</th>
          <th scope="col" className="py-2 font-medium">Expires (UTC)</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {credits.map((credit) => (
          <tr key={credit.id}>
            <td className="py-2 pr-4 tabular-nums">{creditValue(credit)}</td>
            <td className="py-2 pr-4 tabular-nums">{creditRemaining(credit)}</td>
            <td className="py-2 pr-4">{credit.reason}</td>
            <td className="py-2 whitespace-nowrap">{credit.expiresAt ? formatDateTime(credit.expiresAt) : "Never"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
