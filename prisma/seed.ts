// Demo data for a fresh database: staff and customer logins, customers, meters, and Starter / Team
// / Business plans like a real API product. Runs only on an empty database (no users, no customers).
// `seedDemoData` writes the rows (plans as drafts); the command line then, when Stripe is configured,
// puts the meters and customers into Stripe and publishes the plans (publish-demo-catalog.ts).
// Usage: `npm run db:seed` (DATABASE_URL must point at a migrated database; `npm start` runs it).
import { pathToFileURL } from "node:url";
import { createApiKey } from "@/lib/auth/api-keys";
import { hashPassword } from "@/lib/auth/password";
import { db, type PrismaClient } from "@/lib/db";
import { env } from "@/lib/env";
import { DEMO_CUSTOMERS, DEMO_METERS, DEMO_PLANS } from "./demo-catalog";
import { DEMO_LOGINS } from "./demo-logins";

export type TSeedResult = { seeded: false } | { seeded: true; apiKey: string; apiKeyPinned: boolean };

export async function seedDemoData(client: PrismaClient = db, options: { apiKey?: string } = {}): Promise<TSeedResult> {
  const [users, customers] = await Promise.all([client.user.count(), client.customer.count()]);
  if (users > 0 || customers > 0) return { seeded: false };

  const passwordHashes = new Map(
    await Promise.all(DEMO_LOGINS.map(async (login) => [login.email, await hashPassword(login.password)] as const)),
  );

  const apiKey = await client.$transaction(async (tx) => {
    const customerIds = new Map<string, string>();
    for (const customer of DEMO_CUSTOMERS) {
      const row = await tx.customer.create({ data: customer, select: { id: true } });
      customerIds.set(customer.externalId, row.id);
    }
    for (const login of DEMO_LOGINS) {
      const customerId = login.customer ? customerIds.get(login.customer) : undefined;
      await tx.user.create({
        data: {
          email: login.email,
          name: login.name,
          passwordHash: passwordHashes.get(login.email) ?? "",
          staffRole: login.staffRole,
          ...(customerId ? { memberships: { create: { customerId, role: "OWNER" } } } : {}),
        },
      });
    }
    const meterIds = new Map<string, string>();
    for (const meter of DEMO_METERS) {
      const row = await tx.meter.create({ data: meter, select: { id: true } });
      meterIds.set(meter.eventName, row.id);
    }
    for (const [index, plan] of DEMO_PLANS.entries()) {
      await tx.plan.create({
        data: {
          key: plan.key,
          name: plan.name,
          description: plan.description,
          sortOrder: index,
          versions: {
            create: {
              version: 1,
              // Drafts: publishing creates the Stripe product and prices (lib/catalog/publish-plan-version.ts).
              status: "DRAFT",
              currency: "usd",
              interval: "MONTH",
              baseFeeMinor: plan.baseFeeMinor,
              charges: {
                create: plan.charges.map((charge, position) => ({
                  meterId: meterIds.get(charge.meter) ?? "",
                  position,
                  includedQuantity: charge.included,
                  pricingModel: charge.model,
                  unitPriceMinor: charge.unitPriceMinor ?? null,
                  tiers: {
                    create: (charge.tiers ?? []).map((tier, tierPosition) => ({
                      position: tierPosition,
                      upTo: tier.upTo,
                      unitPriceMinor: tier.unitPriceMinor,
                      flatPriceMinor: tier.flatPriceMinor ?? "0",
                    })),
                  },
                })),
              },
            },
          },
        },
      });
    }
    const admin = await tx.user.findUniqueOrThrow({ where: { email: DEMO_LOGINS[0]?.email ?? "" }, select: { id: true } });
    return createApiKey({ name: "Demo key", scopes: ["INGEST", "ADMIN"], createdById: admin.id, key: options.apiKey }, tx);
  });

  return { seeded: true, apiKey: apiKey.key, apiKeyPinned: Boolean(options.apiKey) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await seedDemoData(db, { apiKey: env.TALLY_DEMO_API_KEY });
  if (!result.seeded) {
    console.log("The database already has users or customers: demo data not seeded.");
  } else {
    console.log(`Demo data seeded. Demo API key (shown once, unless pinned with TALLY_DEMO_API_KEY): ${result.apiKey}`);
    if (env.STRIPE_SECRET_KEY) {
      const { publishDemoCatalog } = await import("./publish-demo-catalog");
      const published = await publishDemoCatalog();
      console.log(
        `Demo catalog in Stripe: ${published.meters} meters, ${published.customers} customers, ${published.plans} plans published, ${published.subscriptions} customers subscribed with usage.`,
      );
    }
  }
  await db.$disconnect();
}
