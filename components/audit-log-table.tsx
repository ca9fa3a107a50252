// Audit log entries as a table (the finance audit browser, a customer's admin page): when (UTC), who,
// what, on which entity and customer; under each entry a <details> (keyboard and no-JS friendly)
// opens what changed, key by key, then the raw before and after JSON.
import Link from "next/link";
import type { ReactNode } from "react";
import { computeAuditDiff, type TAuditDiffKind, type TAuditDiffLine } from "@/lib/audit/compute-audit-diff";
import type { TAuditLogActor, TAuditLogEntry } from "@/lib/audit/find-audit-logs";
import { formatDateTime } from "@/lib/time/format";

/** Entities whose page is the customer's admin page. */
const CUSTOMER_ENTITIES = new Set(["customer", "subscription"]);

const KIND: Record<TAuditDiffKind, { label: string; row: string; mark: string }> = {
  added: { label: "added", row: "bg-emerald-50", mark: "text-emerald-800" },
  removed: { label: "removed", row: "bg-red-50", mark: "text-red-700" },
  changed: { label: "changed", row: "bg-amber-50", mark: "text-amber-800" },
  unchanged: { label: "same", row: "", mark: "text-slate-400" },
};

function Actor({ actor }: { actor: TAuditLogActor }) {
  if (actor.kind === "SYSTEM") return <span className="text-slate-700">Tally (system)</span>;
  if (actor.kind === "API_KEY") {
    if (!actor.name) return <span className="text-slate-500">a deleted API key</span>;
    return (
      <>
        <span className="text-slate-900">API key {actor.name}</span>
        <span className="block font-mono text-xs text-slate-500">{actor.prefix}…</span>
      </>
    );
  }
  if (!actor.name) return <span className="text-slate-500">a deleted user</span>;
  return (
    <>
      <span className="text-slate-900">{actor.name}</span>
      <span className="block text-xs break-all text-slate-500">{actor.email}</span>
    </>
  );
}

function Value({ value }: { value: unknown }) {
  if (value === undefined) return <span className="text-slate-400">—</span>;
  return <span className="font-mono text-xs break-all whitespace-pre-wrap">{typeof value === "string" ? value : JSON.stringify(value)}</span>;
}

function Json({ label, value }: { label: string; value: unknown }) {
  return (
    <div className="min-w-0">
      <p className="mb-1 text-xs font-medium text-slate-500">{label}</p>
      {value === null || value === undefined ? (
        <p className="text-xs text-slate-400">nothing recorded</p>
      ) : (
        <pre className="max-h-64 overflow-auto rounded bg-slate-50 p-2 font-mono text-[11px] leading-snug break-all whitespace-pre-wrap text-slate-700">
          {JSON.stringify(value, null, 2)}
        </pre>
      )}
    </div>
  );
}

function Diff({ lines }: { lines: TAuditDiffLine[] }) {
  if (lines.length === 0) return <p className="text-xs text-slate-500">Nothing recorded before or after.</p>;
  return (
    <table className="w-full text-left text-xs">
      <caption className="sr-only">What changed, key by key</caption>
      <thead className="text-slate-500">
        <tr>
          <th scope="col" className="py-1 pr-3 font-medium">Key</th>
          <th scope="col" className="py-1 pr-3 font-medium">Change</th>
          <th scope="col" className="py-1 pr-3 font-medium">Before</th>
          <th scope="col" className="py-1 font-medium">After</th>
        </tr>
      </thead>
      <tbody className="align-top">
        {lines.map((line) => (
          <tr key={line.key} className={KIND[line.kind].row} data-diff={line.kind}>
            <th scope="row" className={`py-1 pr-3 pl-1 font-mono break-all ${line.kind === "unchanged" ? "font-normal text-slate-500" : "font-semibold text-slate-900"}`}>
              {line.key === "" ? "(value)" : line.key}
            </th>
            <td className={`py-1 pr-3 font-medium ${KIND[line.kind].mark}`}>{KIND[line.kind].label}</td>
            <td className={`py-1 pr-3 ${line.kind === "changed" || line.kind === "removed" ? "text-red-800" : "text-slate-600"}`}>
              <Value value={line.before} />
            </td>
            <td className={`py-1 pr-1 ${line.kind === "changed" || line.kind === "added" ? "text-emerald-900" : "text-slate-600"}`}>
              <Value value={line.after} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Entity({ entry, customerLinks }: { entry: TAuditLogEntry; customerLinks: boolean }) {
  const id: ReactNode =
    customerLinks && entry.customer && CUSTOMER_ENTITIES.has(entry.entityType) ? (
      <Link href={`/admin/customers/${entry.customer.id}`} className="text-brand-700 hover:underline">
        {entry.entityId}
        <span className="sr-only"> (the customer in the admin console)</span>
      </Link>
    ) : (
      entry.entityId
    );
  return (
    <>
      <span className="text-slate-900">{entry.entityType.replaceAll("_", " ")}</span>
      <span className="block font-mono text-xs break-all text-slate-500">{id}</span>
    </>
  );
}

/**
 * `customerLinks`: link customers and subscriptions to the admin customer page (for ADMIN viewers);
 * `showCustomer`: a Customer column (off on a customer's own page).
 */
export function AuditLogTable({
  entries,
  caption,
  customerLinks = false,
  showCustomer = true,
}: {
  entries: TAuditLogEntry[];
  caption: string;
  customerLinks?: boolean;
  showCustomer?: boolean;
}) {
  const columns = showCustomer ? 5 : 4;
  return (
    <div className="relative overflow-x-auto" role="region" aria-label={caption} tabIndex={0}>
      <table className="w-full text-left text-sm" data-testid="audit-log">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-slate-500">
          <tr>
            <th scope="col" className="py-2 pr-4 font-medium">Time (UTC)</th>
            <th scope="col" className="py-2 pr-4 font-medium">Who</th>
            <th scope="col" className="py-2 pr-4 font-medium">Action</th>
            <th scope="col" className="py-2 pr-4 font-medium">Entity</th>
            {showCustomer ? <th scope="col" className="py-2 font-medium">Customer</th> : null}
          </tr>
        </thead>
        {entries.map((entry) => {
          const lines = computeAuditDiff(entry.before, entry.after);
          const changes = lines.filter((line) => line.kind !== "unchanged").length;
          return (
            <tbody key={entry.id} className="border-t border-slate-100 align-top" data-audit-id={entry.id}>
              <tr>
                <td className="pt-2 pr-4 text-slate-600 sm:whitespace-nowrap">
                  <time dateTime={entry.createdAt.toISOString()}>{formatDateTime(entry.createdAt, { seconds: true })}</time>
                </td>
                <td className="pt-2 pr-4">
                  <Actor actor={entry.actor} />
                </td>
                <td className="pt-2 pr-4 font-mono text-xs break-all text-slate-900">{entry.action}</td>
                <td className="pt-2 pr-4">
                  <Entity entry={entry} customerLinks={customerLinks} />
                </td>
                {showCustomer ? (
                  <td className="pt-2 text-slate-700">{entry.customer ? (entry.customer.name ?? <span className="text-slate-500">a deleted customer</span>) : <span className="text-slate-400">—</span>}</td>
                ) : null}
              </tr>
              <tr>
                <td colSpan={columns} className="pt-1 pb-2">
                  {lines.length === 0 && !entry.requestId ? (
                    <p className="text-xs text-slate-400">No before or after recorded.</p>
                  ) : (
                    <details>
                      <summary className="cursor-pointer rounded text-xs text-brand-700 hover:underline focus-visible:ring-2 focus-visible:ring-brand-500 focus-visible:outline-none">
                        Before and after: {lines.length === 0 ? "nothing recorded" : changes === 1 ? "1 key changed" : `${changes} keys changed`}
                        <span className="sr-only">
                          {" "}
                          ({entry.action}, {formatDateTime(entry.createdAt, { seconds: true })})
                        </span>
                      </summary>
                      <div className="mt-2 space-y-3 rounded-lg p-3 ring-1 ring-slate-200">
                        <Diff lines={lines} />
                        <div className="grid gap-3 sm:grid-cols-2">
                          <Json label="Before (JSON)" value={entry.before} />
                          <Json label="After (JSON)" value={entry.after} />
                        </div>
                        {entry.requestId ? (
                          <p className="text-xs text-slate-500">
                            Request <span className="font-mono break-all">{entry.requestId}</span>
                          </p>
                        ) : null}
                      </div>
                    </details>
                  )}
                </td>
              </tr>
            </tbody>
          );
        })}
      </table>
    </div>
  );
}
