// A HubSpot connector's customers: which company each one is (stored by an admin, matched by its
// email domain, or not matched), when it was last written, its error in the last run, and a form to
// store or clear the company id. Customers with an error in the last run come first.
import Link from "next/link";
import { EmptyState } from "@/components/ui/empty-state";
import type { TConnectorCompany } from "@/lib/connectors/get-connector";
import { formatDateTime } from "@/lib/time/format";
import { ConnectorLinkForm } from "./connector-link-form";

const MATCH = {
  ADMIN: { label: "stored by admin", className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  DOMAIN: { label: "matched by domain", className: "bg-sky-50 text-sky-800 ring-sky-200" },
  NONE: { label: "not matched", className: "bg-amber-50 text-amber-800 ring-amber-200" },
} as const;

export function ConnectorCompanies({ connectorId, companies }: { connectorId: string; companies: TConnectorCompany[] }) {
  if (companies.length === 0) {
    return <EmptyState title="No customers to sync">Customers with a live subscription show here: each sync writes their usage onto their company.</EmptyState>;
  }
  return (
    <div className="relative overflow-x-auto" role="region" aria-label="Companies" tabIndex={0}>
      <table className="w-full text-left text-sm" data-testid="connector-companies">
        <caption className="sr-only">Each customer&apos;s HubSpot company, its last sync and its error in the last run</caption>
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Customer</th>
            <th scope="col" className="py-2 pr-4 font-medium">Match</th>
            <th scope="col" className="py-2 pr-4 font-medium">Last synced (UTC)</th>
            <th scope="col" className="py-2 pr-4 font-medium">Last run</th>
            <th scope="col" className="py-2 font-medium">Company id</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {companies.map((company) => {
            const match = MATCH[company.link?.source ?? "NONE"];
            return (
              <tr key={company.customerId} data-customer-id={company.customerId}>
                <th scope="row" className="py-2 pr-4 font-normal">
                  <Link href={`/admin/customers/${company.customerId}`} className="font-medium text-brand-700 hover:underline">
                    {company.name}
                  </Link>
                  <span className="block font-mono text-xs text-slate-500">{company.externalId}</span>
                  {company.email ? <span className="block text-xs text-slate-500">{company.email}</span> : null}
                </th>
                <td className="py-2 pr-4">
                  <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ${match.className}`}>{match.label}</span>
                  {company.link ? <span className="block font-mono text-xs text-slate-600">company {company.link.externalId}</span> : null}
                </td>
                <td className="py-2 pr-4 whitespace-nowrap text-slate-600">{company.link?.lastSyncedAt ? formatDateTime(company.link.lastSyncedAt) : "never"}</td>
                <td className="max-w-80 py-2 pr-4">
                  {company.lastRunError ? (
                    <span className="text-sm break-words text-red-700">
                      <span className="font-medium">Error: </span>
                      {company.lastRunError.detail}
                    </span>
                  ) : (
                    <span className="text-slate-400">—</span>
                  )}
                </td>
                <td className="py-2">
                  <ConnectorLinkForm connectorId={connectorId} customer={{ id: company.customerId, name: company.name }} externalId={company.link?.externalId ?? null} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
