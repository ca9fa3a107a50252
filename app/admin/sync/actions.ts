"use server";
// The sync page's mutations: the one action client, one service each.
import { revalidatePath } from "next/cache";
import { staffAction } from "@/lib/http/action-client";
import { releaseReportLines } from "@/lib/stripe/reporter/release-report-lines";
import { ZReleaseReportLinesInput } from "@/lib/stripe/reporter/schemas";

/** Retry held or dead-lettered report lines (by id, or every line of one code). */
export const releaseReportLinesAction = staffAction("ADMIN", ZReleaseReportLinesInput, async (input, ctx) => {
  const released = await releaseReportLines(input, ctx.audit);
  revalidatePath("/admin/sync");
  return released;
});
