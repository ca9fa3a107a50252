import type { PrismaClient, Prisma } from "./generated/prisma/client";
import type { TDb } from "./index";

/**
 * Runs `work` in a transaction: a new one when `db` is the client, the caller's when `db` is
 * already a transaction client (services that join a caller's transaction take `db?: TDb`).
 * (Prisma's client is not an `instanceof PrismaClient`, so this asks for `$transaction` instead.)
 */
export function inTransaction<T>(
  db: TDb,
  work: (tx: Prisma.TransactionClient) => Promise<T>,
  /** For a new transaction: how long to wait for a connection, and to run (Prisma's defaults: 2 s, 5 s). */
  options?: { maxWait?: number; timeout?: number },
): Promise<T> {
  const client = db as Partial<Pick<PrismaClient, "$transaction">>;
  // A copy: Prisma writes a nested transaction's outer id into the options object it is given, and a
  // shared options constant would then carry a finished transaction's id into the next call.
  return typeof client.$transaction === "function" ? (db as PrismaClient).$transaction(work, options && { ...options }) : work(db as Prisma.TransactionClient);
}
