// A database of a test's own on the run's server, migrated, for tests that need an empty one.
import { randomUUID } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/db";
import { applyMigrations } from "../../tools/db/schema-engine";

export async function withOwnDatabase<T>(work: (client: PrismaClient, url: string) => Promise<T>): Promise<T> {
  const adminUrl = process.env.TALLY_TEST_ADMIN_URL ?? "";
  const name = `tally_own_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  const url = adminUrl.replace(/\/postgres$/, `/${name}`);
  const client = new PrismaClient({ adapter: new PrismaPg({ connectionString: url }) });
  try {
    await applyMigrations(url);
    return await work(client, url);
  } finally {
    await client.$disconnect();
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    await admin.end();
  }
}
