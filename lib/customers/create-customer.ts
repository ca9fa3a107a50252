// Creates a customer and its Stripe customer (idempotency key `customer:<id>:create`, metadata
// `tally_customer_id`). The row and its audit entry commit first; calling createCustomer again
// with the same input finishes a creation whose Stripe call failed or was cut short.
import type Stripe from "stripe";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import type { TCustomerInput } from "@/lib/catalog/schemas";
import { db, type Prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";

export type TCreateCustomerOptions = {
  /**
   * A Stripe test clock to attach the Stripe customer to (test mode only): lets tests and demos
   * move the customer's billing periods forward. Never set in live mode.
   */
  stripeTestClockId?: string;
};

export async function createCustomer(input: TCustomerInput, context: TAuditContext, options: TCreateCustomerOptions = {}): Promise<Prisma.CustomerModel> {
  const existing = await db.customer.findUnique({ where: { externalId: input.externalId } });
  let customer: Prisma.CustomerModel;
  if (existing) {
    const same = existing.name === input.name && existing.email === input.email && existing.archivedAt === null;
    if (!same || existing.stripeCustomerId) {
      throw new AppError("conflict", `A customer with external id "${input.externalId}" already exists.`, {
        errors: [{ pointer: "/externalId", detail: "Already taken." }],
      });
    }
    customer = existing; // an earlier attempt stopped before Stripe: finish it
  } else {
    customer = await db.$transaction(async (tx) => {
      const created = await tx.customer.create({ data: { externalId: input.externalId, name: input.name, email: input.email } });
      await recordAudit(tx, { ...context, action: "customer.created", entityType: "customer", entityId: created.id, customerId: created.id, after: created });
      return created;
    });
  }

  const params: Stripe.CustomerCreateParams = {
    name: customer.name,
    ...(customer.email ? { email: customer.email } : {}),
    metadata: { tally_customer_id: customer.id, tally_external_id: customer.externalId },
    ...(options.stripeTestClockId ? { test_clock: options.stripeTestClockId } : {}),
  };
  const stripeCustomer = await getStripe().customers.create(params, { idempotencyKey: `customer:${customer.id}:create` });
  await db.customer.updateMany({ where: { id: customer.id, stripeCustomerId: null }, data: { stripeCustomerId: stripeCustomer.id } });
  return db.customer.findUniqueOrThrow({ where: { id: customer.id } });
}
