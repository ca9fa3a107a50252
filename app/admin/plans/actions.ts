"use server";
// The plans pages' mutations: the one action client, one service each. Field errors of a version
// point into `/version/...` (e.g. `/version/charges/0/tiers/1/upTo`), for a new plan and a draft alike.
import { revalidatePath } from "next/cache";
import { z } from "zod";
import { archivePlan } from "@/lib/catalog/archive-plan";
import { createPlan } from "@/lib/catalog/create-plan";
import { createPlanVersion } from "@/lib/catalog/create-plan-version";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import { ZPlanInput, ZPlanVersionInput } from "@/lib/catalog/schemas";
import { updatePlanDraft } from "@/lib/catalog/update-plan-draft";
import { staffAction } from "@/lib/http/action-client";

const ZDraftUpdate = z.strictObject({ planVersionId: z.uuid(), version: ZPlanVersionInput });
const ZPlanVersionRef = z.strictObject({ planVersionId: z.uuid() });
const ZPlanRef = z.strictObject({ planId: z.uuid() });

function revalidatePlan(planId: string) {
  revalidatePath("/admin/plans");
  revalidatePath(`/admin/plans/${planId}`);
}

export const createPlanAction = staffAction("ADMIN", ZPlanInput, async (input, ctx) => {
  const plan = await createPlan(input, ctx.audit);
  revalidatePlan(plan.id);
  return { planId: plan.id };
});

export const updatePlanDraftAction = staffAction("ADMIN", ZDraftUpdate, async ({ planVersionId, version }, ctx) => {
  const draft = await updatePlanDraft(planVersionId, version, ctx.audit);
  revalidatePlan(draft.planId);
  return { planVersionId: draft.id };
});

export const publishPlanVersionAction = staffAction("ADMIN", ZPlanVersionRef, async ({ planVersionId }, ctx) => {
  const published = await publishPlanVersion(planVersionId, ctx.audit);
  revalidatePlan(published.planId);
  return { planVersionId: published.id, version: published.version };
});

export const createPlanVersionAction = staffAction("ADMIN", ZPlanRef, async ({ planId }, ctx) => {
  const draft = await createPlanVersion(planId, ctx.audit);
  revalidatePlan(planId);
  return { planVersionId: draft.id, version: draft.version };
});

export const archivePlanAction = staffAction("ADMIN", ZPlanRef, async ({ planId }, ctx) => {
  await archivePlan(planId, ctx.audit);
  revalidatePlan(planId);
  return { planId };
});
