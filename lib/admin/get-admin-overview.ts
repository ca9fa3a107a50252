import { db } from "@/lib/db";

export type TAdminOverview = {
  customers: number;
  meters: number;
  plans: number;
  activeApiKeys: number;
  recentCustomers: { id: string; externalId: string; name: string; stripeCustomerId: string | null; createdAt: Date }[];
};

export async function getAdminOverview(): Promise<TAdminOverview> {
  const [customers, meters, plans, activeApiKeys, recentCustomers] = await Promise.all([
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
  ]);
  return { customers, meters, plans, activeApiKeys, recentCustomers };
}
