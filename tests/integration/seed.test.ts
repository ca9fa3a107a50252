import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hashApiKey } from "@/lib/auth/api-keys";
import { verifyPassword } from "@/lib/auth/password";
import { getStripe } from "@/lib/stripe/client";
import { DEMO_LOGINS } from "@/prisma/demo-logins";
import { seedDemoData } from "@/prisma/seed";
import { stripeBillingProblems } from "@/lib/billing/stripe-billing-problems";
import { toChargePricing } from "@/lib/catalog/to-plan-pricing";
import { withOwnDatabase } from "./test-database";

describe("demo seed", () => {
  it("fills an empty database once: logins, customers, meters, plans and a pinned API key", async () => {
    await withOwnDatabase(async (client) => {
      const pinned = "tly_demo_key_for_tests_0123456789";
      const first = await seedDemoData(client, { apiKey: pinned });
      expect(first).toEqual({ seeded: true, apiKey: pinned, apiKeyPinned: true });

      for (const login of DEMO_LOGINS) {
        const user = await client.user.findUniqueOrThrow({ where: { email: login.email }, include: { memberships: { include: { customer: true } } } });
        expect(await verifyPassword(user.passwordHash, login.password), login.email).toBe(true);
        expect(user.staffRole).toBe(login.staffRole);
        expect(user.memberships.map((membership) => membership.customer.externalId)).toEqual(login.customer ? [login.customer] : []);
      }

      const plans = await client.plan.findMany({
        orderBy: { sortOrder: "asc" },
        include: { versions: { include: { charges: { include: { tiers: true, meter: true } } } } },
      });
      expect(plans.map((plan) => plan.name)).toEqual(["Starter", "Team", "Business"]);
      for (const plan of plans) {
        const version = plan.versions[0];
        expect(version?.status).toBe("DRAFT");
        expect(version?.charges.map((charge) => charge.meter.eventName).sort()).toEqual(["ai_tokens", "api_requests", "storage_gb"]);
        expect(version?.charges.every((charge) => charge.includedQuantity.greaterThan(0))).toBe(true);
        // Every seeded charge can be published: Stripe can bill it exactly as Tally prices it.
        for (const charge of version?.charges ?? []) expect(stripeBillingProblems(toChargePricing(charge)), `${plan.key}/${charge.meter.eventName}`).toEqual([]);
      }
      const teamRequests = plans[1]?.versions[0]?.charges.find((charge) => charge.meter.eventName === "api_requests");
      expect(teamRequests?.pricingModel).toBe("GRADUATED");
      expect(teamRequests?.tiers.map((tier) => [tier.upTo?.toString() ?? "inf", tier.unitPriceMinor.toString()])).toEqual([
        ["4000000", "0.08"],
        ["inf", "0.05"],
      ]);

      const key = await client.apiKey.findUniqueOrThrow({ where: { hash: hashApiKey(pinned) } });
      expect(key.scopes.sort()).toEqual(["ADMIN", "INGEST"]);

      const counts = async () => [await client.user.count(), await client.customer.count(), await client.plan.count(), await client.apiKey.count()];
      const before = await counts();
      expect(await seedDemoData(client)).toEqual({ seeded: false });
      expect(await counts()).toEqual(before);
    });
  });

  it("generates a different random API key when none is pinned", async () => {
    const keys = await Promise.all(
      [0, 1].map(() => withOwnDatabase(async (client) => {
        const result = await seedDemoData(client);
        if (!result.seeded) throw new Error("expected a seed");
        expect(result.apiKeyPinned).toBe(false);
        return result.apiKey;
      })),
    );
    expect(keys[0]).toMatch(/^tly_[A-Za-z0-9_-]{32}$/);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe("npm run db:seed with Stripe configured", () => {
  it("puts the demo meters and customers into Stripe, publishes the demo plans, subscribes two customers with usage, once", async () => {
    await withOwnDatabase(async (client, url) => {
      const seed = () =>
        spawnSync(process.execPath, ["--import", "tsx", "prisma/seed.ts"], {
          env: { ...process.env, DATABASE_URL: url },
          encoding: "utf8",
          timeout: 60_000,
        });
      const first = seed();
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain("Demo catalog in Stripe: 3 meters, 3 customers, 3 plans published, 2 customers subscribed with usage.");

      const stripe = getStripe();
      for (const meter of await client.meter.findMany()) {
        expect(meter.stripeMeterId, meter.eventName).toMatch(/^mtr_/);
        expect((await stripe.billing.meters.retrieve(meter.stripeMeterId ?? "")).event_name).toBe(meter.eventName);
      }
      for (const customer of await client.customer.findMany()) {
        const stripeCustomer = await stripe.customers.retrieve(customer.stripeCustomerId ?? "");
        expect(stripeCustomer).toMatchObject({ metadata: { tally_customer_id: customer.id } });
      }
      const versions = await client.planVersion.findMany({ include: { charges: true, plan: true } });
      expect(versions.map((version) => version.status)).toEqual(["PUBLISHED", "PUBLISHED", "PUBLISHED"]);
      for (const version of versions) {
        expect(version.stripeBasePriceId, version.plan.key).toMatch(/^price_/);
        expect(version.charges.every((charge) => charge.stripePriceId?.startsWith("price_"))).toBe(true);
      }

      const subscriptions = await client.subscription.findMany({ include: { customer: true, planVersion: { include: { plan: true } } }, orderBy: { createdAt: "asc" } });
      expect(subscriptions.map((subscription) => [subscription.customer.externalId, subscription.planVersion.plan.key, subscription.status])).toEqual([
        ["acme-corp", "starter", "ACTIVE"],
        ["globex", "team", "ACTIVE"],
      ]);
      for (const subscription of subscriptions) expect(subscription.stripeSubscriptionId).toMatch(/^sub_/);
      // Acme's API requests: 77,000 of Starter's 100,000 included, past the 75 % alert.
      const acmeRequests = await client.usageEvent.aggregate({ where: { customerId: subscriptions[0]?.customerId, idempotencyKey: { startsWith: "demo-acme-corp-api_requests" } }, _sum: { quantity: true } });
      expect(acmeRequests._sum.quantity?.toString()).toBe("77000");

      // A second run finds a seeded database and touches nothing.
      const second = seed();
      expect(second.status, second.stderr).toBe(0);
      expect(second.stdout).toContain("demo data not seeded");
    });
  });
});
