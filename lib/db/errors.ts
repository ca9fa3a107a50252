import { Prisma } from "./generated/prisma/client";

/** A unique constraint was violated (Prisma P2002); with `model`, only on that model's table. */
export function isUniqueViolation(error: unknown, model?: Prisma.ModelName): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return model === undefined || error.meta?.modelName === model;
}

/** The SQLSTATE of a failed query (raw or not), when the database gave one. */
export function postgresErrorCode(error: unknown): string | undefined {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const cause = (error.meta?.driverAdapterError as { cause?: { originalCode?: unknown } } | undefined)?.cause;
  return typeof cause?.originalCode === "string" ? cause.originalCode : undefined;
}

/** Postgres' deadlock detector rolled this transaction back (40P01): running it again is safe. */
export function isDeadlock(error: unknown): boolean {
  return postgresErrorCode(error) === "40P01" || (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2034");
}
