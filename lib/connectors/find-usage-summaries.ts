// Each customer's usage in its billing period and the invoice it is heading to (TUsageSummary):
// what the `usage.period_summary` webhooks and the CRM syncs push out. Built from the same pieces
// as the usage page (lib/billing/get-usage-dashboard.ts), so the two never disagree: usage from the
// rollups (findMeterUsage: whole hours from usage_rollups, only the period's two edge hours from
// raw events), the run-rate projection (computeQuotaUsage), the credits in force at the period end
// (findRateCredits) and the one pricing engine (rateUsage), pricing only the usage since a
// mid-period plan change.
//
// Current periods: every non-archived customer with a live (not ended) subscription, or only
// `customerIds`. A past period (`periodStart`, for `customerIds`): the one that starts then — the
// subscription's previous period, the last period of an ended subscription, or an invoiced one —
// priced as the usage page prices a past period: the plan in force at its end, the usage itself
// (nothing left to project), no credits (Stripe applies those on the invoice).
//
// Cost per customer: customers are read a page at a time (per page: one query for the
// subscriptions, one for plan versions not seen yet, one for which customers have credits); then
// per customer one usage query (≈ 0.2–0.7 ms from the rollups at any volume), a second one only
// after a mid-period plan change, one credits query only for customers with credits, and the
// engine in memory. Outside a transaction, a few customers are read at once.
import { computePricingStart } from "@/lib/billing/compute-pricing-start";
import { findPlanInForce } from "@/lib/billing/find-plan-in-force";
import { findRateCredits } from "@/lib/billing/find-rate-credits";
import { rateUsage } from "@/lib/billing/rate-usage";
import { PLAN_VERSION_INCLUDE, type TPlanVersionWithCharges } from "@/lib/catalog/get-plan";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import type { TUsageSummary } from "@/lib/connectors/types";
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";
import { computeQuotaUsage } from "@/lib/metering/compute-quota-usage";
import { findMeterUsage, usageOfRow, type TMeterUsageRow } from "@/lib/metering/customer-usage-query";
import { ExactDecimal } from "@/lib/money/currency";
import type { TPeriod } from "@/lib/time/period";

export type TFindUsageSummariesOptions =
  /** Current periods: every customer with a live subscription, or only these. */
  | { now: Date; customerIds?: string[]; periodStart?: undefined; db?: TDb }
  /** The period of each of these customers that starts at `periodStart` (customers without one are left out). */
  | { now: Date; customerIds: string[]; periodStart: Date; db?: TDb };

type TSummaryCustomer = { id: string; externalId: string; name: string; email: string | null };

/** Subscriptions per page; a page's ids also bound the `IN` lists of its queries. */
const PAGE_SIZE = 500;
/** Customers summarized at once outside a transaction (a transaction has one connection). */
const CONCURRENCY = 4;

const SUMMARY_CUSTOMER_SELECT = { id: true, externalId: true, name: true, email: true } as const;
const LIVE_SUBSCRIPTION_SELECT = {
  customerId: true,
  planVersionId: true,
  currentPeriodStart: true,
  currentPeriodEnd: true,
  items: { where: { removedAt: null }, select: { meterId: true, attachedAt: true } },
  customer: { select: SUMMARY_CUSTOMER_SELECT },
} as const satisfies Prisma.SubscriptionSelect;
type TLiveSubscriptionRow = Prisma.SubscriptionGetPayload<{ select: typeof LIVE_SUBSCRIPTION_SELECT }>;

export async function findUsageSummaries(options: TFindUsageSummariesOptions): Promise<TUsageSummary[]> {
  const db = options.db ?? defaultDb;
  if (options.periodStart) return findPeriodSummaries(db, options.customerIds, options.periodStart, options.now);
  return findCurrentSummaries(db, options.customerIds ?? null, options.now);
}

/**
 * The billing periods of a subscription that have ended: its previous period, and when the
 * subscription ended, its last one (cut short where it ended).
 */
export function endedPeriodsOf(subscription: {
  previousPeriodStart: Date | null;
  previousPeriodEnd: Date | null;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  endedAt: Date | null;
}): TPeriod[] {
  const periods: TPeriod[] = [];
  const { previousPeriodStart, previousPeriodEnd, endedAt } = subscription;
  if (previousPeriodStart && previousPeriodEnd && previousPeriodEnd > previousPeriodStart) {
    periods.push({ periodStart: previousPeriodStart, periodEnd: previousPeriodEnd });
  }
  if (endedAt) {
    const periodEnd = endedAt < subscription.currentPeriodEnd ? endedAt : subscription.currentPeriodEnd;
    if (periodEnd > subscription.currentPeriodStart) periods.push({ periodStart: subscription.currentPeriodStart, periodEnd });
  }
  return periods;
}

async function findCurrentSummaries(db: TDb, customerIds: string[] | null, now: Date): Promise<TUsageSummary[]> {
  const summaries: TUsageSummary[] = [];
  const versions = new Map<string, TPlanVersionWithCharges>();
  let after: string | null = null;
  for (;;) {
    const page: TLiveSubscriptionRow[] = await db.subscription.findMany({
      where: {
        endedAt: null,
        customer: { archivedAt: null },
        ...(customerIds || after ? { customerId: { ...(customerIds ? { in: customerIds } : {}), ...(after ? { gt: after } : {}) } } : {}),
      },
      orderBy: { customerId: "asc" },
      take: PAGE_SIZE,
      select: LIVE_SUBSCRIPTION_SELECT,
    });
    if (page.length === 0) break;
    after = page.at(-1)?.customerId ?? null;

    const unseen = [...new Set(page.map((subscription) => subscription.planVersionId))].filter((id) => !versions.has(id));
    if (unseen.length > 0) {
      for (const version of await db.planVersion.findMany({ where: { id: { in: unseen } }, include: PLAN_VERSION_INCLUDE })) versions.set(version.id, version);
    }
    const withCredits = await findCustomersWithCredits(db, page.map((subscription) => subscription.customerId));

    summaries.push(
      ...(await mapConcurrently(db, page, (subscription) => {
        const period = { periodStart: subscription.currentPeriodStart, periodEnd: subscription.currentPeriodEnd };
        return summarize(db, {
          customer: subscription.customer,
          period,
          planVersion: versions.get(subscription.planVersionId) ?? null,
          pricedSince: computePricingStart(subscription.items, period),
          measuredAt: now,
          withCredits: withCredits.has(subscription.customerId),
        });
      })),
    );
    if (page.length < PAGE_SIZE) break;
  }
  return summaries;
}

/** Per customer, its period that starts at `periodStart`: the current one, one that ended, or an invoiced one. */
async function findPeriodSummaries(db: TDb, customerIds: string[], periodStart: Date, now: Date): Promise<TUsageSummary[]> {
  const summaries: TUsageSummary[] = [];
  for (const customerId of [...new Set(customerIds)]) {
    const customer = await db.customer.findFirst({
      where: { id: customerId, archivedAt: null },
      select: {
        ...SUMMARY_CUSTOMER_SELECT,
        subscriptions: {
          where: { OR: [{ currentPeriodStart: periodStart }, { previousPeriodStart: periodStart }] },
          orderBy: { startedAt: "desc" },
          select: { currentPeriodStart: true, currentPeriodEnd: true, previousPeriodStart: true, previousPeriodEnd: true, endedAt: true },
        },
      },
    });
    if (!customer) continue;
    const { subscriptions, ...summaryCustomer } = customer;

    const live = subscriptions.find((subscription) => subscription.endedAt === null && subscription.currentPeriodStart.getTime() === periodStart.getTime());
    if (live) {
      const current = await findCurrentSummaries(db, [customerId], now);
      summaries.push(...current.filter((summary) => summary.periodStart.getTime() === periodStart.getTime()));
      continue;
    }
    const period =
      subscriptions.flatMap(endedPeriodsOf).find((candidate) => candidate.periodStart.getTime() === periodStart.getTime()) ??
      (await findInvoicedPeriod(db, customerId, periodStart));
    if (!period) continue;
    summaries.push(
      await summarize(db, {
        customer: summaryCustomer,
        period,
        planVersion: await findPlanInForce(db, customerId, period.periodEnd),
        pricedSince: period.periodStart,
        measuredAt: period.periodEnd,
        withCredits: false,
      }),
    );
  }
  return summaries;
}

async function findInvoicedPeriod(db: TDb, customerId: string, periodStart: Date): Promise<TPeriod | null> {
  return db.invoice.findFirst({
    where: { customerId, periodStart, periodEnd: { gt: periodStart } },
    orderBy: { periodEnd: "desc" },
    select: { periodStart: true, periodEnd: true },
  });
}

async function findCustomersWithCredits(db: TDb, customerIds: string[]): Promise<Set<string>> {
  const rows = await db.credit.findMany({ where: { customerId: { in: customerIds }, voidedAt: null }, distinct: ["customerId"], select: { customerId: true } });
  return new Set(rows.map((row) => row.customerId));
}

/** One customer's summary, as the usage page computes its meters and its coming invoice. */
async function summarize(
  db: TDb,
  input: {
    customer: TSummaryCustomer;
    period: TPeriod;
    planVersion: TPlanVersionWithCharges | null;
    /** The usage since then is priced: the period start, or a mid-period plan change. */
    pricedSince: Date;
    /** The projection's clock: now for the current period, its end for a past one. */
    measuredAt: Date;
    withCredits: boolean;
  },
): Promise<TUsageSummary> {
  const { customer, period, planVersion, pricedSince } = input;
  const usageRows = await findMeterUsage(db, { customerId: customer.id, ...period });
  const usageByMeter = new Map(usageRows.map((row) => [row.meter_id, row]));

  // The plan's charges in their order, then any other meter with usage.
  const charges = planVersion?.charges ?? [];
  const charged = new Set(charges.map((charge) => charge.meterId));
  const meters: TUsageSummary["meters"] = [
    ...charges.map((charge) => ({
      eventName: charge.meter.eventName,
      displayName: charge.meter.displayName,
      unitLabel: charge.meter.unitLabel,
      quantity: quantityOf(usageByMeter.get(charge.meterId)),
    })),
    ...usageRows
      .filter((row) => !charged.has(row.meter_id))
      .map((row) => ({ eventName: row.event_name, displayName: row.display_name, unitLabel: row.unit_label, quantity: quantityOf(row) })),
  ];

  let projectedInvoiceMinor: bigint | null = null;
  if (planVersion) {
    const priced = pricedSince.getTime() === period.periodStart.getTime() ? usageRows : await findMeterUsage(db, { customerId: customer.id, periodStart: pricedSince, periodEnd: period.periodEnd });
    const projectedUsage = new Map(
      priced.map((row) => {
        const projection = computeQuotaUsage({
          aggregation: row.aggregation,
          usage: new ExactDecimal(usageOfRow(row)),
          included: null,
          period: { periodStart: pricedSince, periodEnd: period.periodEnd },
          now: input.measuredAt,
        });
        return [row.meter_id, new ExactDecimal(projection.projectedUsage)];
      }),
    );
    const credits = input.withCredits ? await findRateCredits(db, customer.id, planVersion.currency, period.periodEnd) : [];
    projectedInvoiceMinor = rateUsage(toPlanPricing(planVersion), projectedUsage, { credits }).totalMinor;
  }

  return {
    customerId: customer.id,
    externalId: customer.externalId,
    name: customer.name,
    email: customer.email,
    periodStart: period.periodStart,
    periodEnd: period.periodEnd,
    meters,
    projectedInvoiceMinor,
    currency: planVersion?.currency ?? null,
  };
}

function quantityOf(row: TMeterUsageRow | undefined): string {
  return new ExactDecimal(row ? usageOfRow(row) : "0").toFixed();
}

/** `work` over `items` in order, a few at once on the pool, one at a time in a transaction. */
async function mapConcurrently<T, R>(db: TDb, items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  // Several at once on the client's pool; one at a time on a caller's transaction (one connection).
  const parallel = db === defaultDb ? CONCURRENCY : 1;
  const runners = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  });
  await Promise.all(runners);
  return results;
}
