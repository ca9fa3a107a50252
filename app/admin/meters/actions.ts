"use server";
// The meters page's mutations: the one action client, one service each.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { createMeter } from "@/lib/catalog/create-meter";
import { ZMeterInput, ZMeterUpdate } from "@/lib/catalog/schemas";
import { updateMeter } from "@/lib/catalog/update-meter";
import { staffAction } from "@/lib/http/action-client";

/** The meter's id with its changes (field errors point at `/changes/<field>`). */
const ZMeterUpdateAction = z.strictObject({ meterId: z.uuid(), changes: ZMeterUpdate });

export const createMeterAction = staffAction("ADMIN", ZMeterInput, async (input, ctx) => {
  const meter = await createMeter(input, ctx.audit);
  revalidatePath("/admin/meters");
  return { id: meter.id, eventName: meter.eventName, stripeMeterId: meter.stripeMeterId };
});

export const updateMeterAction = staffAction("ADMIN", ZMeterUpdateAction, async ({ meterId, changes }, ctx) => {
  const meter = await updateMeter(meterId, changes, ctx.audit);
  revalidatePath("/admin/meters");
  return { id: meter.id, stripeMeterId: meter.stripeMeterId };
});
