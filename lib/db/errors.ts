import { Prisma } from "./generated/prisma/client";

/** A unique constraint was violated (Prisma P2002); with `model`, only on that model's table. */
export function isUniqueViolation(error: unknown, model?: Prisma.ModelName): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return model === undefined || error.meta?.modelName === model;
}
