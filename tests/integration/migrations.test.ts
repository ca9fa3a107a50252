// The migrations are the only way the schema reaches a database: they must produce exactly
// prisma/schema.prisma, so a schema edit without a migration (or the reverse) fails here.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { applyMigrations, diffMigrationsToSchema, MIGRATIONS_DIR } from "../../tools/db/schema-engine";

const url = () => process.env.DATABASE_URL ?? "";

describe("migrations", () => {
  it("produce exactly the Prisma schema (empty diff)", async () => {
    expect(await diffMigrationsToSchema(url())).toBe("");
  });

  it("report the difference when the migrations and the schema disagree", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "tally-migrations-"));
    try {
      await cp(MIGRATIONS_DIR, folder, { recursive: true });
      // A migration the schema does not know about: the schema still has customers.email.
      await mkdir(path.join(folder, "29991231000000_drift"));
      await writeFile(path.join(folder, "29991231000000_drift", "migration.sql"), 'ALTER TABLE "customers" DROP COLUMN "email";\n');
      const script = await diffMigrationsToSchema(url(), folder);
      expect(script).toMatch(/ALTER TABLE "customers" ADD COLUMN\s+"email" TEXT/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("report every table when there are no migrations at all", async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), "tally-migrations-"));
    try {
      await cp(path.join(MIGRATIONS_DIR, "migration_lock.toml"), path.join(folder, "migration_lock.toml"));
      const script = await diffMigrationsToSchema(url(), folder);
      expect(script).toContain('CREATE TABLE "usage_events"');
      expect(script).toContain('CREATE INDEX "usage_events_unclaimed_idx"');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it("are already applied, so applying again does nothing", async () => {
    expect(await applyMigrations(url())).toEqual([]);
  });
});
