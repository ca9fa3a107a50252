import type { Metadata } from "next";
import Link from "next/link";
import { SelectField, TextField } from "@/components/admin/form-controls";
import { AppShell, PageHeader } from "@/components/app-shell";
import { BackLink } from "@/components/ui/back-link";
import { AuditLogTable } from "@/components/audit-log-table";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { findApiKeys } from "@/lib/api-keys/find-api-keys";
import { findAuditActions } from "@/lib/audit/find-audit-actions";
import { findAuditLogs } from "@/lib/audit/find-audit-logs";
import { formatAuditCursor, ZAuditLogQuery, type TAuditLogCursor } from "@/lib/audit/schemas";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findCustomerOptions } from "@/lib/customers/find-customer-options";

export const metadata: Metadata = { title: "Audit log" };

const FIELDS = ["action", "entityType", "entityId", "customer", "actor", "email", "apiKey", "from", "to"] as const;
type TFilters = Record<(typeof FIELDS)[number], string>;
type TOption = { value: string; label: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function one(value: string | string[] | undefined): string {
  return ((Array.isArray(value) ? value[0] : value) ?? "").trim();
}

function pageHref(filters: TFilters, cursor?: TAuditLogCursor): string {
  const params = new URLSearchParams();
  for (const field of FIELDS) if (filters[field]) params.set(field, filters[field]);
  if (cursor) params.set("cursor", formatAuditCursor(cursor));
  const query = params.toString();
  return query ? `/finance/audit?${query}` : "/finance/audit";
}

/** The options, plus the current value when it is not among them (typed into the address). */
function withCurrent(options: TOption[], current: string): TOption[] {
  return current && !options.some((option) => option.value === current) ? [...options, { value: current, label: current }] : options;
}

export default async function AuditLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireStaffPage("FINANCE");
  const params = await searchParams;
  const filters = Object.fromEntries(FIELDS.map((field) => [field, one(params[field])])) as TFilters;
  const query = ZAuditLogQuery.safeParse(params);
  const [choices, customers, apiKeys, page] = await Promise.all([
    findAuditActions(),
    findCustomerOptions(),
    findApiKeys(),
    query.success ? findAuditLogs(query.data) : null,
  ]);

  const errors: Record<string, string> = {};
  for (const issue of query.error?.issues ?? []) errors[String(issue.path[0] ?? "")] ??= issue.message;
  const formErrors = Object.entries(errors).filter(([field]) => !(FIELDS as readonly string[]).includes(field));
  const filtered = FIELDS.some((field) => filters[field] !== "");
  const paged = one(params.cursor) !== "";

  const actionOptions = withCurrent(
    [
      { value: "", label: "Any action" },
      ...choices.actionPrefixes.flatMap((prefix) => [
        { value: prefix, label: `${prefix}* (every ${prefix.slice(0, -1).replaceAll("_", " ")} action)` },
        ...choices.actions.filter((action) => action.startsWith(prefix)).map((action) => ({ value: action, label: `\u00a0\u00a0${action}` })),
      ]),
      ...choices.actions.filter((action) => !action.includes(".")).map((action) => ({ value: action, label: action })),
    ],
    filters.action,
  );
  const entityOptions = withCurrent([{ value: "", label: "Any entity" }, ...choices.entityTypes.map((type) => ({ value: type, label: type.replaceAll("_", " ") }))], filters.entityType);
  const customerOptions = withCurrent(
    [{ value: "", label: "Any customer" }, ...customers.map((customer) => ({ value: customer.id, label: `${customer.name} (${customer.externalId})${customer.archived ? ", archived" : ""}` }))],
    filters.customer,
  );
  const apiKeyOptions = withCurrent(
    [{ value: "", label: "Any API key" }, ...apiKeys.map((key) => ({ value: key.id, label: `${key.name} (${key.prefix}…)${key.revokedAt ? ", revoked" : ""}` }))],
    filters.apiKey,
  );

  return (
    <AppShell user={user} current="/finance">
      <BackLink href="/finance">Finance</BackLink>
      <PageHeader title="Audit log" description="Who changed what, when, with the state before and after: plans, subscriptions, customers, API keys, downloads and repairs." />

      <Card title="Filters">
        <form method="get" action="/finance/audit" role="search" aria-label="Filter the audit log" className="space-y-4" noValidate>
          {formErrors.length > 0 ? (
            <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 ring-1 ring-red-200">
              {formErrors.map(([field, message]) => (
                <p key={field}>{message}</p>
              ))}
            </div>
          ) : null}
          <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
            <SelectField id="audit-action" name="action" label="Action" options={actionOptions} defaultValue={filters.action} error={errors.action} />
            <SelectField id="audit-entity-type" name="entityType" label="Entity" options={entityOptions} defaultValue={filters.entityType} error={errors.entityType} />
            <TextField id="audit-entity-id" name="entityId" label="Entity id" defaultValue={filters.entityId} error={errors.entityId} autoComplete="off" spellCheck={false} />
            <SelectField id="audit-customer" name="customer" label="Customer" options={customerOptions} defaultValue={filters.customer} error={errors.customer} />
            <SelectField
              id="audit-actor"
              name="actor"
              label="Who"
              options={withCurrent(
                [
                  { value: "", label: "Anyone" },
                  { value: "user", label: "A person" },
                  { value: "api_key", label: "An API key" },
                  { value: "system", label: "Tally (system)" },
                ],
                filters.actor,
              )}
              defaultValue={filters.actor}
              error={errors.actor}
            />
            <TextField id="audit-email" name="email" type="search" label="Person's email contains" defaultValue={filters.email} error={errors.email} autoComplete="off" spellCheck={false} />
            <SelectField id="audit-api-key" name="apiKey" label="API key" options={apiKeyOptions} defaultValue={filters.apiKey} error={errors.apiKey} />
            <TextField
              id="audit-from"
              name="from"
              type={filters.from === "" || DAY.test(filters.from) ? "date" : "text"}
              label="From (UTC, included)"
              defaultValue={filters.from}
              error={errors.from}
            />
            <TextField
              id="audit-to"
              name="to"
              type={filters.to === "" || DAY.test(filters.to) ? "date" : "text"}
              label="To (UTC, not included)"
              defaultValue={filters.to}
              error={errors.to}
              hint="A day means its midnight UTC."
            />
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit">Filter</Button>
            {filtered || paged ? (
              <Link href="/finance/audit" className="px-2 py-2 text-sm text-slate-600 hover:text-slate-900">
                Clear filters
              </Link>
            ) : null}
          </div>
        </form>
      </Card>

      <Card title="Entries (newest first)" className="mt-6">
        {!page ? (
          <EmptyState title="Fix the filters above to see entries">Each problem is shown next to its field.</EmptyState>
        ) : page.entries.length === 0 ? (
          <EmptyState title={filtered ? "No entries match these filters" : paged ? "No older entries" : "Nothing has been recorded yet"}>
            {filtered ? (
              <Link href="/finance/audit" className="text-brand-700 hover:underline">
                Clear filters
              </Link>
            ) : (
              "Changes made in the admin console, through the API and by Tally's jobs show up here."
            )}
          </EmptyState>
        ) : (
          <AuditLogTable entries={page.entries} caption="Audit log entries, newest first" customerLinks={user.staffRole === "ADMIN"} />
        )}
        {page && (paged || page.nextCursor) ? (
          <nav aria-label="Audit log pages" className="mt-4 flex flex-wrap gap-4 text-sm">
            {paged ? (
              <Link href={pageHref(filters)} className="text-brand-700 hover:underline">
                ← Newest entries
              </Link>
            ) : null}
            {page.nextCursor ? (
              <Link href={pageHref(filters, page.nextCursor)} className="text-brand-700 hover:underline">
                Older entries →
              </Link>
            ) : null}
          </nav>
        ) : null}
      </Card>
    </AppShell>
  );
}
