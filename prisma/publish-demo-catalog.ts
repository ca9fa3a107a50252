// Puts the seeded demo catalog into Stripe through the same services an admin uses: the meters,
// the customers, and version 1 of each plan, published. `npm start` runs it right after seeding an
// empty database, so a demo customer can be subscribed at once. Safe to run again: every step is
// idempotent (services skip what already has its Stripe id).
import type { TAuditContext } from "@/lib/audit/record-audit";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import { createCustomer } from "@/lib/customers/create-customer";
import { db } from "@/lib/db";
import { DEMO_CUSTOMERS, DEMO_METERS, DEMO_PLAN_KEYS } from "./demo-catalog";

const SYSTEM: TAuditContext = { actor: { kind: "SYSTEM" } };

export async function publishDemoCatalog(): Promise<{ meters: number; customers: number; plans: number }> {
  const meters = await db.meter.findMany({ where: { eventName: { in: DEMO_METERS.map((meter) => meter.eventName) } } });
  for (const meter of meters) await ensureStripeMeter(meter.id);

  const customers = await db.customer.findMany({ where: { externalId: { in: DEMO_CUSTOMERS.map((customer) => customer.externalId) } } });
  for (const customer of customers) {
    // createCustomer finishes a customer whose Stripe customer was never created.
    if (!customer.stripeCustomerId) await createCustomer({ externalId: customer.externalId, name: customer.name, email: customer.email }, SYSTEM);
  }

  const drafts = await db.planVersion.findMany({ where: { status: "DRAFT", version: 1, plan: { key: { in: DEMO_PLAN_KEYS } } }, select: { id: true } });
  for (const draft of drafts) await publishPlanVersion(draft.id, SYSTEM);
  return { meters: meters.length, customers: customers.length, plans: drafts.length };
}
