// Demo data for a fresh database: staff and customer logins, customers, meters, and Starter / Team
// / Business plans like a real API product, as drafts (nothing is created in Stripe until an admin
// publishes them). Runs only on an empty database (no users, no customers).
// Usage: `npm run db:seed` (DATABASE_URL must point at a migrated database).
import { pathToFileURL } from "node:url";
import { createApiKey } from "@/lib/auth/api-keys";
import { hashPassword } from "@/lib/auth/password";
import { db, type PrismaClient } from "@/lib/db";
import { env } from "@/lib/env";
import { DEMO_LOGINS } from "./demo-logins";

const CUSTOMERS = [
  { externalId: "acme-corp", name: "Acme Corp", email: "billing@acme.test" },
  { externalId: "globex", name: "Globex", email: "ap@globex.test" },
  { externalId: "initech", name: "Initech", email: "finance@initech.test" },
];

const METERS = [
  { eventName: "api_requests", displayName: "API requests", aggregation: "SUM", unitLabel: "request" },
  { eventName: "ai_tokens", displayName: "AI tokens", aggregation: "SUM", unitLabel: "token" },
  // Storage is reported as the current size; the period bills the last value (Stripe's `last`).
  { eventName: "storage_gb", displayName: "Storage", aggregation: "LAST", unitLabel: "GB" },
] as const;

type TTier = { upTo: number | null; unitPriceMinor: string; flatPriceMinor?: string };
type TCharge = {
  meter: (typeof METERS)[number]["eventName"];
  included: number;
  model: "PER_UNIT" | "GRADUATED" | "VOLUME";
  unitPriceMinor?: string;
  tiers?: TTier[];
};

// Prices in minor units (cents), as decimal strings: 0.1 = $0.001.
const PLANS: { key: string; name: string; description: string; baseFeeMinor: bigint; charges: TCharge[] }[] = [
  {
    key: "starter",
    name: "Starter",
    description: "For side projects and prototypes.",
    baseFeeMinor: 4_900n,
    charges: [
      { meter: "api_requests", included: 100_000, model: "PER_UNIT", unitPriceMinor: "0.1" },
      { meter: "ai_tokens", included: 1_000_000, model: "PER_UNIT", unitPriceMinor: "0.0004" },
      { meter: "storage_gb", included: 10, model: "PER_UNIT", unitPriceMinor: "25" },
    ],
  },
  {
    key: "team",
    name: "Team",
    description: "For growing products with steady traffic.",
    baseFeeMinor: 19_900n,
    charges: [
      {
        meter: "api_requests",
        included: 1_000_000,
        model: "GRADUATED",
        tiers: [
          { upTo: 4_000_000, unitPriceMinor: "0.08" },
          { upTo: null, unitPriceMinor: "0.05" },
        ],
      },
      { meter: "ai_tokens", included: 10_000_000, model: "PER_UNIT", unitPriceMinor: "0.0003" },
      { meter: "storage_gb", included: 100, model: "PER_UNIT", unitPriceMinor: "20" },
    ],
  },
  {
    key: "business",
    name: "Business",
    description: "For high volume, with lower prices as usage grows.",
    baseFeeMinor: 99_900n,
    charges: [
      {
        meter: "api_requests",
        included: 10_000_000,
        model: "GRADUATED",
        tiers: [
          { upTo: 40_000_000, unitPriceMinor: "0.03" },
          { upTo: null, unitPriceMinor: "0.02" },
        ],
      },
      { meter: "ai_tokens", included: 100_000_000, model: "PER_UNIT", unitPriceMinor: "0.0002" },
      { meter: "storage_gb", included: 1_000, model: "PER_UNIT", unitPriceMinor: "15" },
    ],
  },
];

export type TSeedResult = { seeded: false } | { seeded: true; apiKey: string; apiKeyPinned: boolean };

export async function seedDemoData(client: PrismaClient = db, options: { apiKey?: string } = {}): Promise<TSeedResult> {
  const [users, customers] = await Promise.all([client.user.count(), client.customer.count()]);
  if (users > 0 || customers > 0) return { seeded: false };

  const passwordHashes = new Map(
    await Promise.all(DEMO_LOGINS.map(async (login) => [login.email, await hashPassword(login.password)] as const)),
  );

  const apiKey = await client.$transaction(async (tx) => {
    const customerIds = new Map<string, string>();
    for (const customer of CUSTOMERS) {
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
    for (const meter of METERS) {
      const row = await tx.meter.create({ data: meter, select: { id: true } });
      meterIds.set(meter.eventName, row.id);
    }
    for (const [index, plan] of PLANS.entries()) {
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
  }
  await db.$disconnect();
}
