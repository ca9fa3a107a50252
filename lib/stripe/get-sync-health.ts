// The sync health page: for every kind of object Tally mirrors in Stripe, how many carry their
// Stripe id and which do not (newest first, up to `limit` per kind), plus the webhook events applied
// and the deliveries that failed. Drafts are not expected in Stripe (publishing creates their
// product and prices), so they count apart as "not required".
import { db as defaultDb, type TDb } from "@/lib/db";

export type TSyncKind = "meter" | "plan" | "plan_version" | "plan_charge" | "customer" | "subscription";
export type TSyncState = "synced" | "not_synced" | "not_required";

export type TSyncObject = { id: string; label: string; detail: string; stripeId: string | null; state: TSyncState; href: string | null };
export type TSyncKindHealth = { kind: TSyncKind; title: string; total: number; synced: number; notSynced: number; notRequired: number; objects: TSyncObject[] };
export type TSyncHealth = {
  kinds: TSyncKindHealth[];
  events: { total: number; last24h: number; recent: { id: string; type: string; stripeCreatedAt: Date; receivedAt: Date; processedAt: Date }[] };
  failures: { total: number; last24h: number; recent: { id: string; eventId: string; type: string; error: string; receivedAt: Date }[] };
};

function stateOf(stripeId: string | null, required: boolean): TSyncState {
  if (stripeId) return "synced";
  return required ? "not_synced" : "not_required";
}

function summarise(kind: TSyncKind, title: string, total: number, synced: number, notRequired: number, objects: TSyncObject[]): TSyncKindHealth {
  return { kind, title, total, synced, notSynced: total - synced - notRequired, notRequired, objects };
}

export async function getSyncHealth(options: { limit?: number; now?: Date } = {}, db: TDb = defaultDb): Promise<TSyncHealth> {
  const take = Math.min(500, Math.max(1, options.limit ?? 100));
  const since = new Date((options.now ?? new Date()).getTime() - 86_400_000);
  const newest = [{ createdAt: "desc" as const }, { id: "desc" as const }];
  const draftVersion = { status: "DRAFT" as const };
  // Published or retired versions (and their charges) must have their prices; drafts need none.
  const [meters, meterCounts, plans, planCounts, versions, versionCounts, charges, chargeCounts, customers, customerCounts, subscriptions, subscriptionCounts] =
    await Promise.all([
      db.meter.findMany({ orderBy: newest, take, select: { id: true, eventName: true, displayName: true, status: true, stripeMeterId: true } }),
      Promise.all([db.meter.count(), db.meter.count({ where: { stripeMeterId: { not: null } } })]),
      db.plan.findMany({
        orderBy: newest,
        take,
        select: { id: true, key: true, name: true, stripeProductId: true, versions: { where: { status: { not: "DRAFT" } }, select: { id: true }, take: 1 } },
      }),
      Promise.all([
        db.plan.count(),
        db.plan.count({ where: { stripeProductId: { not: null } } }),
        db.plan.count({ where: { stripeProductId: null, versions: { every: draftVersion } } }),
      ]),
      db.planVersion.findMany({
        orderBy: newest,
        take,
        select: { id: true, planId: true, version: true, status: true, stripeBasePriceId: true, plan: { select: { name: true } } },
      }),
      Promise.all([
        db.planVersion.count(),
        db.planVersion.count({ where: { stripeBasePriceId: { not: null } } }),
        db.planVersion.count({ where: { stripeBasePriceId: null, ...draftVersion } }),
      ]),
      db.planCharge.findMany({
        orderBy: newest,
        take,
        select: {
          id: true,
          pricingModel: true,
          stripePriceId: true,
          meter: { select: { eventName: true } },
          planVersion: { select: { planId: true, version: true, status: true, plan: { select: { name: true } } } },
        },
      }),
      Promise.all([
        db.planCharge.count(),
        db.planCharge.count({ where: { stripePriceId: { not: null } } }),
        db.planCharge.count({ where: { stripePriceId: null, planVersion: draftVersion } }),
      ]),
      db.customer.findMany({ where: { archivedAt: null }, orderBy: newest, take, select: { id: true, externalId: true, name: true, stripeCustomerId: true } }),
      Promise.all([db.customer.count({ where: { archivedAt: null } }), db.customer.count({ where: { archivedAt: null, stripeCustomerId: { not: null } } })]),
      db.subscription.findMany({
        orderBy: newest,
        take,
        select: {
          id: true,
          customerId: true,
          status: true,
          endedAt: true,
          stripeSubscriptionId: true,
          customer: { select: { name: true } },
          planVersion: { select: { version: true, plan: { select: { name: true } } } },
        },
      }),
      Promise.all([db.subscription.count(), db.subscription.count({ where: { stripeSubscriptionId: { not: null } } })]),
    ]);

  const [eventsTotal, eventsLast24h, recentEvents, failuresTotal, failuresLast24h, recentFailures] = await Promise.all([
    db.stripeEvent.count(),
    db.stripeEvent.count({ where: { receivedAt: { gte: since } } }),
    db.stripeEvent.findMany({ orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take: 50 }),
    db.stripeEventFailure.count(),
    db.stripeEventFailure.count({ where: { receivedAt: { gte: since } } }),
    db.stripeEventFailure.findMany({ orderBy: [{ receivedAt: "desc" }, { id: "desc" }], take: 50 }),
  ]);

  const kinds: TSyncKindHealth[] = [
    summarise(
      "meter",
      "Meters",
      meterCounts[0],
      meterCounts[1],
      0,
      meters.map((meter) => ({
        id: meter.id,
        label: meter.displayName,
        detail: `${meter.eventName} · ${meter.status.toLowerCase()}`,
        stripeId: meter.stripeMeterId,
        state: stateOf(meter.stripeMeterId, true),
        href: "/admin/meters",
      })),
    ),
    summarise(
      "plan",
      "Plans (Stripe products)",
      planCounts[0],
      planCounts[1],
      planCounts[2],
      plans.map((plan) => ({
        id: plan.id,
        label: plan.name,
        detail: plan.key,
        stripeId: plan.stripeProductId,
        state: stateOf(plan.stripeProductId, plan.versions.length > 0),
        href: `/admin/plans/${plan.id}`,
      })),
    ),
    summarise(
      "plan_version",
      "Plan versions (base fee prices)",
      versionCounts[0],
      versionCounts[1],
      versionCounts[2],
      versions.map((version) => ({
        id: version.id,
        label: `${version.plan.name} v${version.version}`,
        detail: version.status.toLowerCase(),
        stripeId: version.stripeBasePriceId,
        state: stateOf(version.stripeBasePriceId, version.status !== "DRAFT"),
        href: `/admin/plans/${version.planId}`,
      })),
    ),
    summarise(
      "plan_charge",
      "Plan charges (metered prices)",
      chargeCounts[0],
      chargeCounts[1],
      chargeCounts[2],
      charges.map((charge) => ({
        id: charge.id,
        label: `${charge.planVersion.plan.name} v${charge.planVersion.version} · ${charge.meter.eventName}`,
        detail: `${charge.pricingModel.toLowerCase().replace("_", " ")} · ${charge.planVersion.status.toLowerCase()}`,
        stripeId: charge.stripePriceId,
        state: stateOf(charge.stripePriceId, charge.planVersion.status !== "DRAFT"),
        href: `/admin/plans/${charge.planVersion.planId}`,
      })),
    ),
    summarise(
      "customer",
      "Customers",
      customerCounts[0],
      customerCounts[1],
      0,
      customers.map((customer) => ({
        id: customer.id,
        label: customer.name,
        detail: customer.externalId,
        stripeId: customer.stripeCustomerId,
        state: stateOf(customer.stripeCustomerId, true),
        href: `/admin/customers/${customer.id}`,
      })),
    ),
    summarise(
      "subscription",
      "Subscriptions",
      subscriptionCounts[0],
      subscriptionCounts[1],
      0,
      subscriptions.map((subscription) => ({
        id: subscription.id,
        label: `${subscription.customer.name} · ${subscription.planVersion.plan.name} v${subscription.planVersion.version}`,
        detail: subscription.endedAt ? "ended" : subscription.status.toLowerCase().replace("_", " "),
        stripeId: subscription.stripeSubscriptionId,
        state: stateOf(subscription.stripeSubscriptionId, true),
        href: `/admin/customers/${subscription.customerId}`,
      })),
    ),
  ];

  return {
    kinds,
    events: { total: eventsTotal, last24h: eventsLast24h, recent: recentEvents },
    failures: {
      total: failuresTotal,
      last24h: failuresLast24h,
      recent: recentFailures.map((failure) => ({ ...failure, id: failure.id.toString() })),
    },
  };
}
