// The one PrismaClient, over node-postgres (@prisma/adapter-pg). Services that take part in a
// caller's transaction accept an optional `db: TDb` argument and default to `db`.
import { PrismaPg } from "@prisma/adapter-pg";
import { env } from "@/lib/env";
import { PrismaClient, type Prisma } from "./generated/prisma/client";

export type TDb = PrismaClient | Prisma.TransactionClient;

function createClient(): PrismaClient {
  if (!env.DATABASE_URL && env.NEXT_PHASE !== "phase-production-build") {
    throw new Error("DATABASE_URL is not set. Start Tally with `npm start` (embedded PostgreSQL) or set DATABASE_URL.");
  }
  const adapter = new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
  return new PrismaClient({ adapter });
}

// One client per process, also across Next.js dev-server module reloads.
const globalForDb = globalThis as unknown as { tallyDb?: PrismaClient };
export const db: PrismaClient = globalForDb.tallyDb ?? createClient();
if (env.NODE_ENV !== "production") globalForDb.tallyDb = db;

export { Prisma, PrismaClient } from "./generated/prisma/client";
export * from "./generated/prisma/enums";
