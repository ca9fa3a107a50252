// Inputs of finance's reconciliation actions.
import { z } from "zod";

export const ZReconciliationRunInput = z.strictObject({
  /** One customer; every customer when absent or empty. */
  customerId: z.union([z.uuid("Choose a customer from the list."), z.literal("")]).optional().transform((value) => value || null),
});

export const ZReconciliationRepairInput = z.strictObject({ lineId: z.uuid("Unknown reconciliation row.") });

export const ZReconciliationPageQuery = z.object({
  run: z.uuid().optional().catch(undefined),
  /** "all": every row; otherwise the rows that need someone. */
  rows: z.enum(["all", "attention"]).catch("attention"),
});
