import { db, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

export type TCustomer = {
  id: string;
  externalId: string;
  name: string;
  email: string | null;
  stripeCustomerId: string | null;
  createdAt: Date;
  subscription: { id: string; status: string; planName: string; currentPeriodStart: Date; currentPeriodEnd: Date; cancelAtPeriodEnd: boolean } | null;
};

/** One customer with its live subscription; throws not_found. */
export async function getCustomer(customerId: string, client: TDb = db): Promise<TCustomer> {
  const customer = await client.customer.findFirst({
    where: { id: customerId, archivedAt: null },
    select: {
      id: true,
      externalId: true,
      name: true,
      email: true,
      stripeCustomerId: true,
      createdAt: true,
      subscriptions: {
        where: { endedAt: null },
        take: 1,
        select: {
          id: true,
          status: true,
          currentPeriodStart: true,
          currentPeriodEnd: true,
          cancelAtPeriodEnd: true,
          planVersion: { select: { plan: { select: { name: true } } } },
        },
      },
    },
  });
  if (!customer) throw new AppError("not_found", "No such customer.");
  const { subscriptions, ...rest } = customer;
  const live = subscriptions[0];
  return {
    ...rest,
    subscription: live
      ? {
          id: live.id,
          status: live.status,
          planName: live.planVersion.plan.name,
          currentPeriodStart: live.currentPeriodStart,
          currentPeriodEnd: live.currentPeriodEnd,
          cancelAtPeriodEnd: live.cancelAtPeriodEnd,
        }
      : null,
  };
}
