import type { Metadata } from "next";
import { ApiKeyCreateForm } from "@/components/admin/api-key-create-form";
import { ApiKeyRevokeButton } from "@/components/admin/api-key-revoke-button";
import { PageHeader } from "@/components/app-shell";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { findApiKeys } from "@/lib/api-keys/find-api-keys";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { formatDateTime } from "@/lib/time/format";

export const metadata: Metadata = { title: "API keys" };


export default async function ApiKeysPage() {
  await requireStaffPage("ADMIN");
  const keys = await findApiKeys();
  return (
    <>
      <PageHeader title="API keys" description="Keys for your product's servers: INGEST sends usage events, ADMIN manages the catalog and customers over the API." />
      <Card title="New API key">
        <ApiKeyCreateForm />
      </Card>
      <Card title="Keys" className="mt-6">
        {keys.length === 0 ? (
          <EmptyState title="No API keys yet" />
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm" data-testid="api-keys">
              <caption className="sr-only">API keys</caption>
              <thead className="text-slate-500">
                <tr>
                  <th scope="col" className="py-2 pr-4 font-medium">Name</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Key</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Scopes</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Created (UTC)</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Last used (UTC)</th>
                  <th scope="col" className="py-2 pr-4 font-medium">Status</th>
                  <th scope="col" className="py-2 font-medium">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100 align-top">
                {keys.map((key) => (
                  <tr key={key.id} className={key.revokedAt ? "text-slate-400" : ""}>
                    <td className="py-2 pr-4 font-medium">{key.name}</td>
                    <td className="py-2 pr-4 font-mono text-xs">{key.prefix}…</td>
                    <td className="py-2 pr-4 font-mono text-xs">{key.scopes.join(", ")}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">
                      {formatDateTime(key.createdAt)}
                      {key.createdByName ? <span className="block text-xs text-slate-500">by {key.createdByName}</span> : null}
                    </td>
                    <td className="py-2 pr-4 whitespace-nowrap">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "Never"}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">
                      {key.revokedAt ? `Revoked ${formatDateTime(key.revokedAt)}` : key.expiresAt && key.expiresAt <= new Date() ? "Expired" : "Active"}
                    </td>
                    <td className="py-2 text-right">{key.revokedAt ? null : <ApiKeyRevokeButton apiKeyId={key.id} name={key.name} prefix={key.prefix} />}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
