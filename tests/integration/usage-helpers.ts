// Test data for the usage API tests: an INGEST key, a meter, and a live subscription whose period
// and included quantities the test chooses (inserted as rows: their Stripe side is not under test).
import { createApiKey } from "@/lib/auth/api-keys";
import { db, type MeterAggregation, type Prisma } from "@/lib/db";
import { unique } from "./factories";

export const ingestKey = async (): Promise<string> => (await createApiKey({ name: unique("ingest"), scopes: ["INGEST"] })).key;

export async function createUsageMeter(
  aggregation: MeterAggregation,
  options: { displayName?: string; unitLabel?: string; allowNegative?: boolean } = {},
): Promise<Prisma.MeterModel> {
  return db.meter.create({
    data: {
      eventName: unique(aggregation.toLowerCase()),
      displayName: options.displayName ?? aggregation,
      aggregation,
      unitLabel: options.unitLabel ?? "unit",
      allowNegative: options.allowNegative ?? false,
    },
  });
}

/** A live subscription with current period [start, end), on a published plan with these included quantities. */
export async function createLiveSubscription(
  customerId: string,
  period: { start: Date; end: Date },
  included: { meter: Prisma.MeterModel; quantity: string }[] = [],
) {
  const plan = await db.plan.create({
    data: {
      key: unique("plan"),
      name: unique("Team"),
      versions: {
        create: {
          version: 1,
          currency: "usd",
          status: "PUBLISHED",
          publishedAt: period.start,
          charges: {
            create: included.map(({ meter, quantity }, position) => ({ meterId: meter.id, position, includedQuantity: quantity, pricingModel: "PER_UNIT", unitPriceMinor: "1" })),
          },
        },
      },
    },
    include: { versions: true },
  });
  const subscription = await db.subscription.create({
    data: {
      customerId,
      planVersionId: plan.versions[0]?.id ?? "",
      status: "ACTIVE",
      billingCycleAnchorAt: period.start,
      startedAt: period.start,
      currentPeriodStart: period.start,
      currentPeriodEnd: period.end,
    },
  });
  return { plan, subscription };
}
