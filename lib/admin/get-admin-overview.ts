import { db, type ConnectorKind, type ConnectorRunStatus, type SqlSourceMode } from "@/lib/db";

export type TAdminOverview = {
  customers: number;
  meters: number;
  plans: number;
  activeApiKeys: number;
  recentCustomers: { id: string; externalId: string; name: string; stripeCustomerId: string | null; createdAt: Date }[];
  /** Connectors whose last run failed or had row errors, most recent first. */
  failingConnectors: {
    id: string;
    name: string;
    kind: ConnectorKind;
    mode: SqlSourceMode | null;
    enabled: boolean;
    intervalMinutes: number;
    lastStatus: ConnectorRunStatus | null;
    lastRunAt: Date | null;
    lastError: string | null;
  }[];
};

export async function getAdminOverview(): Promise<TAdminOverview> {
  const [customers, meters, plans, activeApiKeys, recentCustomers, failingConnectors] = await Promise.all([
    db.customer.count({ where: { archivedAt: null } }),
    db.meter.count({ where: { status: "ACTIVE" } }),
    db.plan.count({ where: { status: "ACTIVE" } }),
    db.apiKey.count({ where: { revokedAt: null } }),
    db.customer.findMany({
      where: { archivedAt: null },
      orderBy: { createdAt: "desc" },
      take: 10,
      select: { id: true, externalId: true, name: true, stripeCustomerId: true, createdAt: true },
    }),
    db.connector.findMany({
      where: { lastStatus: { in: ["FAILED", "PARTIAL"] } },
      orderBy: [{ lastRunAt: "desc" }, { name: "asc" }],
      select: { id: true, name: true, kind: true, mode: true, enabled: true, intervalMinutes: true, lastStatus: true, lastRunAt: true, lastError: true },
    }),
  ]);
  return { customers, meters, plans, activeApiKeys, recentCustomers, failingConnectors };
}
