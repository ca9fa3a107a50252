// Reporter inputs from the admin pages (server actions).
import { z } from "zod";

const MAX_BIGINT = "9223372036854775807";

/** A report line's id: a Postgres bigint, carried as a decimal string. */
const ZReportLineId = z
  .string()
  .regex(/^[1-9][0-9]{0,18}$/, "No such report line.")
  // Digits only by then (a failed regex does not stop the refinement): equal lengths compare as text.
  .refine((id) => id.length < MAX_BIGINT.length || (id.length === MAX_BIGINT.length && id <= MAX_BIGINT), "No such report line.");

/** Retry held or dead-lettered lines: the ones named, or every one with this code. */
export const ZReleaseReportLinesInput = z
  .strictObject({
    lineIds: z
      .array(ZReportLineId)
      .min(1, "Choose at least one line.")
      .max(1000, "At most 1,000 lines at a time.")
      .transform((ids) => [...new Set(ids)])
      .optional(),
    heldCode: z.string().trim().min(1, "Choose a reason.").max(100, "At most 100 characters.").optional(),
  })
  .refine((input) => (input.lineIds === undefined) !== (input.heldCode === undefined), "Name either the lines or a reason, not both.");
export type TReleaseReportLinesInput = z.output<typeof ZReleaseReportLinesInput>;
