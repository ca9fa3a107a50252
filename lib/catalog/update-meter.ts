// Changes a meter's display name, unit label, scale or rounding. The event name and the aggregation
// never change: Stripe meters cannot change them after creation, and the usage already reported was
// aggregated under them (create a new meter instead). A new display name is pushed to Stripe.
import { db, type Prisma } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import type { TMeterUpdate } from "@/lib/catalog/schemas";
import { AppError } from "@/lib/errors";

type Meter = Prisma.MeterModel;

export async function updateMeter(meterId: string, input: TMeterUpdate, context: TAuditContext): Promise<Meter> {
  const meter = await db.$transaction(async (tx) => {
    const before = await tx.meter.findUnique({ where: { id: meterId } });
    if (!before) throw new AppError("not_found", "No such meter.");
    const data = {
      ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
      ...(input.unitLabel !== undefined ? { unitLabel: input.unitLabel } : {}),
      ...(input.valueScale !== undefined ? { valueScale: input.valueScale.toString() } : {}),
      ...(input.rounding !== undefined ? { rounding: input.rounding } : {}),
    };
    const after = await tx.meter.update({ where: { id: meterId }, data });
    await recordAudit(tx, { ...context, action: "meter.updated", entityType: "meter", entityId: meterId, before, after });
    return after;
  });
  // Creates the Stripe meter if an earlier creation never reached Stripe, and pushes the display name.
  const stripeMeterId = await ensureStripeMeter(meter.id);
  return { ...meter, stripeMeterId };
}
