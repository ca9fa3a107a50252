// Creates a meter and its Stripe meter. The row and its audit entry commit first; the Stripe meter
// is ensured after, outside the transaction. If that fails (or the process dies), calling
// createMeter again with the same input finishes the job: the Stripe call is keyed by the meter id.
import { db, type Prisma } from "@/lib/db";
import { recordAudit, type TAuditContext } from "@/lib/audit/record-audit";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import type { TMeterInput } from "@/lib/catalog/schemas";
import { AppError } from "@/lib/errors";

type Meter = Prisma.MeterModel;

function sameMeter(meter: Meter, input: TMeterInput): boolean {
  return (
    meter.displayName === input.displayName &&
    meter.aggregation === input.aggregation &&
    meter.unitLabel === input.unitLabel &&
    meter.valueScale.equals(input.valueScale.toString()) &&
    meter.rounding === input.rounding &&
    meter.allowNegative === input.allowNegative
  );
}

export async function createMeter(input: TMeterInput, context: TAuditContext): Promise<Meter> {
  const existing = await db.meter.findUnique({ where: { eventName: input.eventName } });
  let meter: Meter;
  if (existing) {
    // A retry of the same creation (double click, crash before Stripe): finish it. Anything else is a conflict.
    if (!sameMeter(existing, input)) throw new AppError("conflict", `A meter with event name "${input.eventName}" already exists.`);
    meter = existing;
  } else {
    meter = await db.$transaction(async (tx) => {
      const created = await tx.meter.create({
        data: {
          eventName: input.eventName,
          displayName: input.displayName,
          aggregation: input.aggregation,
          unitLabel: input.unitLabel,
          valueScale: input.valueScale.toString(),
          rounding: input.rounding,
          allowNegative: input.allowNegative,
        },
      });
      await recordAudit(tx, { ...context, action: "meter.created", entityType: "meter", entityId: created.id, after: created });
      return created;
    });
  }
  const stripeMeterId = await ensureStripeMeter(meter.id);
  return { ...meter, stripeMeterId };
}
