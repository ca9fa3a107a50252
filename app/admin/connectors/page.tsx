import type { Metadata } from "next";
import { PageHeader } from "@/components/app-shell";
import { ConnectorHubSpotCreateForm } from "@/components/admin/connector-hubspot-create-form";
import { ConnectorList } from "@/components/admin/connector-list";
import { ConnectorSqlSourceCreateForm } from "@/components/admin/connector-sql-source-create-form";
import { Card } from "@/components/ui/card";
import { requireStaffPage } from "@/lib/auth/page-guards";
import { findConnectors } from "@/lib/connectors/find-connectors";
import { env } from "@/lib/env";

export const metadata: Metadata = { title: "Connectors" };

export default async function ConnectorsPage() {
  await requireStaffPage("ADMIN");
  const connectors = await findConnectors();
  return (
    <>
      <PageHeader
        title="Connectors"
        description="SQL sources read usage from your product database on a schedule and record it like the usage API does (each row once, by its idempotency key). HubSpot connectors push each customer's usage this period and its projected invoice onto its HubSpot company. Every run, and every row that did not go through, is kept below each connector."
      />
      <Card title="Connectors">
        <ConnectorList connectors={connectors} />
      </Card>
      <Card title="New SQL source" className="mt-6">
        <ConnectorSqlSourceCreateForm defaultIntervalMinutes={env.TALLY_CONNECTOR_INTERVAL_MINUTES} />
      </Card>
      <Card title="New HubSpot connector" className="mt-6">
        <ConnectorHubSpotCreateForm defaultIntervalMinutes={env.TALLY_CONNECTOR_INTERVAL_MINUTES} />
      </Card>
    </>
  );
}
