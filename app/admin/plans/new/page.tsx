import type { Metadata } from "next";
import { PageHeader } from "@/components/app-shell";
import { NewPlanForm } from "@/components/admin/new-plan-form";
import { toMeterOption } from "@/components/admin/plan-version-draft";
import { Card } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findMeters } from "@/lib/catalog/find-meters";

export const metadata: Metadata = { title: "New plan" };

export default async function NewPlanPage() {
  await requireStaffPage("ADMIN");
  const meters = await findMeters({ billable: true });
  return (
    <>
      <PageHeader title="New plan" description="The plan and its first version, saved as a draft. Publishing it creates the Stripe product and prices." />
      <Card>
        <NewPlanForm meters={meters.map(toMeterOption)} />
      </Card>
    </>
  );
}
