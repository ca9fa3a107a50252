"use server";
// Finance's reconciliation actions (FINANCE or ADMIN): run now, repair a row. One service each.
import { revalidatePath } from "next/cache";
import { staffAction } from "@/lib/http/action-client";
import { repairReconciliationLine } from "@/lib/reconciliation/repair-reconciliation-line";
import { runReconciliation } from "@/lib/reconciliation/run-reconciliation";
import { ZReconciliationRepairInput, ZReconciliationRunInput } from "@/lib/reconciliation/schemas";

const PAGE = "/finance/reconciliation";

export const runReconciliationAction = staffAction("FINANCE", ZReconciliationRunInput, async ({ customerId }, ctx) => {
  const result = await runReconciliation({ trigger: "MANUAL", customerId, audit: ctx.audit });
  revalidatePath(PAGE);
  revalidatePath("/finance");
  return result;
});

export const repairReconciliationLineAction = staffAction("FINANCE", ZReconciliationRepairInput, async ({ lineId }, ctx) => {
  const result = await repairReconciliationLine(lineId, ctx.audit);
  revalidatePath(PAGE);
  return result;
});
