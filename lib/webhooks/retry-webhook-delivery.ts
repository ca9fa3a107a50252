// The admin's Retry: a FAILED (or still pending) delivery becomes PENDING and due now, for one more
// attempt at the next pass; if that fails too, it is FAILED again (its attempts are not reset).
// A delivered one, or one to a disabled endpoint, is refused with the reason.
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { AppError } from "@/lib/errors";

export type TRetriedWebhookDelivery = { id: string; status: "PENDING"; nextAttemptAt: Date };

export async function retryWebhookDelivery(deliveryId: string, context: TAuditContext, now = new Date()): Promise<TRetriedWebhookDelivery> {
  return db.$transaction(async (tx) => {
    const before = await tx.webhookDelivery.findUnique({
      where: { id: deliveryId },
      select: { id: true, status: true, attempts: true, nextAttemptAt: true, lastStatusCode: true, lastError: true, customerId: true, endpoint: { select: { disabledAt: true } } },
    });
    if (!before) throw new AppError("not_found", "No such webhook delivery.");
    if (before.status === "SENT") throw new AppError("conflict", "This delivery was already delivered.");
    if (before.endpoint.disabledAt) throw new AppError("conflict", "Its endpoint is disabled: enable the endpoint first.");

    // Conditional: a delivery that was sent meanwhile stays sent.
    const { count } = await tx.webhookDelivery.updateMany({ where: { id: deliveryId, status: { in: ["PENDING", "FAILED"] } }, data: { status: "PENDING", nextAttemptAt: now } });
    if (count === 0) throw new AppError("conflict", "This delivery was already delivered.");
    const { endpoint: _endpoint, customerId, ...audited } = before;
    await recordAudit(tx, {
      ...context,
      action: "webhook_delivery.retried",
      entityType: "webhook_delivery",
      entityId: deliveryId,
      customerId,
      before: audited,
      after: { status: "PENDING", nextAttemptAt: now },
    });
    return { id: deliveryId, status: "PENDING", nextAttemptAt: now };
  });
}
