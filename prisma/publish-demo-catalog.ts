// Puts the seeded demo catalog into Stripe through the same services an admin uses: the meters,
// the customers, and version 1 of each plan, published; then subscribes the demo customers and
// records their usage so far through the same path as the events API. `npm start` runs it right after seeding an
// empty database, so a demo customer can be subscribed at once. Safe to run again: every step is
// idempotent (services skip what already has its Stripe id).
import type { TAuditContext } from "@/lib/audit/record-audit";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import { createCustomer } from "@/lib/customers/create-customer";
import { db } from "@/lib/db";
import { recordUsageEvents } from "@/lib/metering/record-usage-events";
import { createSubscription } from "@/lib/subscriptions/create-subscription";
import { DEMO_CUSTOMERS, DEMO_METERS, DEMO_PLAN_KEYS, DEMO_SUBSCRIPTIONS } from "./demo-catalog";

const SYSTEM: TAuditContext = { actor: { kind: "SYSTEM" } };

export async function publishDemoCatalog(): Promise<{ meters: number; customers: number; plans: number; subscriptions: number }> {
  const meters = await db.meter.findMany({ where: { eventName: { in: DEMO_METERS.map((meter) => meter.eventName) } } });
  for (const meter of meters) await ensureStripeMeter(meter.id);

  const customers = await db.customer.findMany({ where: { externalId: { in: DEMO_CUSTOMERS.map((customer) => customer.externalId) } } });
  for (const customer of customers) {
    // createCustomer finishes a customer whose Stripe customer was never created.
    if (!customer.stripeCustomerId) await createCustomer({ externalId: customer.externalId, name: customer.name, email: customer.email }, SYSTEM);
  }

  const drafts = await db.planVersion.findMany({ where: { status: "DRAFT", version: 1, plan: { key: { in: DEMO_PLAN_KEYS } } }, select: { id: true } });
  for (const draft of drafts) await publishPlanVersion(draft.id, SYSTEM);
  return { meters: meters.length, customers: customers.length, plans: drafts.length, subscriptions: await subscribeDemoCustomers() };
}

/** Subscribes each demo customer without a subscription and records its demo usage (keys are fixed: a rerun records nothing twice). */
async function subscribeDemoCustomers(): Promise<number> {
  let subscribed = 0;
  for (const demo of DEMO_SUBSCRIPTIONS) {
    const customer = await db.customer.findUniqueOrThrow({ where: { externalId: demo.customer }, include: { subscriptions: { where: { endedAt: null } } } });
    if (customer.subscriptions.length > 0) continue;
    const version = await db.planVersion.findFirstOrThrow({ where: { plan: { key: demo.plan }, status: "PUBLISHED" }, orderBy: { version: "desc" } });
    await createSubscription(customer.id, { planVersionId: version.id }, SYSTEM);
    subscribed += 1;
    const now = new Date();
    const events = demo.usage.flatMap((usage) =>
      usage.values.map((value, index) => ({
        customer: demo.customer,
        meter: usage.meter,
        value: String(value),
        timestamp: new Date(now.getTime() + index).toISOString(),
        idempotency_key: `demo-${demo.customer}-${usage.meter}-${index}`,
      })),
    );
    await recordUsageEvents(events, { pointer: (index) => `/events/${index}`, now });
  }
  return subscribed;
}
