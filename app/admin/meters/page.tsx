import type { Metadata } from "next";
import { PageHeader } from "@/components/app-shell";
import { MeterCreateForm } from "@/components/admin/meter-create-form";
import { MeterEditForm } from "@/components/admin/meter-edit-form";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findMeters } from "@/lib/catalog/find-meters";

export const metadata: Metadata = { title: "Meters" };

const ROUNDING_WORDS = { DOWN: "round down", UP: "round up", HALF_UP: "round half up" } as const;

export default async function MetersPage() {
  await requireStaffPage("ADMIN");
  const meters = await findMeters();
  return (
    <>
      <PageHeader title="Meters" description="What usage events measure, and the Stripe meters Tally reports them to." />
      <Card title="Meters">
        {meters.length === 0 ? (
          <EmptyState title="No meters yet">Create one below.</EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-slate-500">
                <tr>
                  <th className="py-2 pr-4 font-medium">Event name</th>
                  <th className="py-2 pr-4 font-medium">Display name</th>
                  <th className="py-2 pr-4 font-medium">Aggregation</th>
                  <th className="py-2 pr-4 font-medium">Unit</th>
                  <th className="py-2 pr-4 font-medium">Scale / rounding</th>
                  <th className="py-2 pr-4 font-medium">Stripe meter</th>
                  <th className="py-2 font-medium">
                    <span className="sr-only">Edit</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {meters.map((meter) => (
                  <tr key={meter.id} className="align-top" data-testid={`meter-${meter.eventName}`}>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-900">
                      {meter.eventName}
                      {meter.status === "ARCHIVED" ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 font-sans text-slate-500">archived</span> : null}
                    </td>
                    <td className="py-2 pr-4 font-medium text-slate-900">{meter.displayName}</td>
                    <td className="py-2 pr-4 text-slate-600">{meter.aggregation}</td>
                    <td className="py-2 pr-4 text-slate-600">{meter.unitLabel}</td>
                    <td className="py-2 pr-4 text-slate-600">
                      × {meter.valueScale.toFixed()}, {ROUNDING_WORDS[meter.rounding]}
                    </td>
                    <td className="py-2 pr-4 font-mono text-xs text-slate-600">{meter.stripeMeterId ?? "not synced"}</td>
                    <td className="py-2">
                      <details>
                        <summary className="cursor-pointer rounded px-2 py-1 text-brand-700 hover:bg-brand-50">
                          Edit<span className="sr-only"> {meter.eventName}</span>
                        </summary>
                        <div className="mt-2 w-80">
                          <MeterEditForm
                            meterId={meter.id}
                            eventName={meter.eventName}
                            values={{ displayName: meter.displayName, unitLabel: meter.unitLabel, valueScale: meter.valueScale.toFixed(), rounding: meter.rounding }}
                          />
                        </div>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="New meter" className="mt-6">
        <MeterCreateForm />
      </Card>
    </>
  );
}
