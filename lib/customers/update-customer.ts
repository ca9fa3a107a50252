// Renames a customer or changes its billing email, in Tally and on the Stripe customer. The
// external id never changes: stored usage events name the customer by it.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import type { TCustomerUpdate } from "@/lib/catalog/schemas";
import { db, type Prisma } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getStripe } from "@/lib/stripe/client";

export async function updateCustomer(customerId: string, input: TCustomerUpdate, context: TAuditContext): Promise<Prisma.CustomerModel> {
  const customer = await db.$transaction(async (tx) => {
    const before = await tx.customer.findFirst({ where: { id: customerId, archivedAt: null } });
    if (!before) throw new AppError("not_found", "No such customer.");
    const after = await tx.customer.update({
      where: { id: customerId },
      data: { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.email !== undefined ? { email: input.email } : {}) },
    });
    await recordAudit(tx, { ...context, action: "customer.updated", entityType: "customer", entityId: customerId, customerId, before, after });
    return after;
  });
  if (customer.stripeCustomerId) {
    // Keyed by the row's version: a retry replays, a later edit is a new call.
    await getStripe().customers.update(
      customer.stripeCustomerId,
      { name: customer.name, email: customer.email ?? "" },
      { idempotencyKey: `customer:${customer.id}:update:${customer.updatedAt.getTime()}` },
    );
  }
  return customer;
}
