// One plan with every version, its charges (with their meters) and tiers; throws not_found.
import { db as defaultDb, type Prisma, type TDb } from "@/lib/db";
import { AppError } from "@/lib/errors";

export const PLAN_VERSION_INCLUDE = {
  charges: {
    orderBy: { position: "asc" },
    include: { meter: true, tiers: { orderBy: { position: "asc" } } },
  },
} as const satisfies Prisma.PlanVersionInclude;

export type TPlanVersionWithCharges = Prisma.PlanVersionGetPayload<{ include: typeof PLAN_VERSION_INCLUDE }>;
export type TPlanWithVersions = Prisma.PlanGetPayload<{ include: { versions: { include: typeof PLAN_VERSION_INCLUDE } } }>;

export async function getPlan(planId: string, db: TDb = defaultDb): Promise<TPlanWithVersions> {
  const plan = await db.plan.findUnique({
    where: { id: planId },
    include: { versions: { orderBy: { version: "asc" }, include: PLAN_VERSION_INCLUDE } },
  });
  if (!plan) throw new AppError("not_found", "No such plan.");
  return plan;
}

/** One plan version with its charges; throws not_found. */
export async function getPlanVersion(planVersionId: string, db: TDb = defaultDb): Promise<TPlanVersionWithCharges & { plan: Prisma.PlanModel }> {
  const version = await db.planVersion.findUnique({ where: { id: planVersionId }, include: { ...PLAN_VERSION_INCLUDE, plan: true } });
  if (!version) throw new AppError("not_found", "No such plan version.");
  return version;
}
