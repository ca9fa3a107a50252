// The e2e server's database (playwright.config.ts: the embedded PostgreSQL `npm start` runs on
// E2E_DB_PORT), for specs that need rows no page creates: report lines are the reporter worker's.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../lib/db/generated/prisma/client";
import { embeddedPostgresUrl } from "../../tools/db/embedded-postgres";
import { APP_DATABASE } from "../../tools/dev/database";
import { E2E_DB_PORT } from "./ports";

export async function withE2eDatabase<T>(work: (client: PrismaClient) => Promise<T>): Promise<T> {
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: embeddedPostgresUrl(E2E_DB_PORT, APP_DATABASE) }) });
  try {
    return await work(client);
  } finally {
    await client.$disconnect();
  }
}
