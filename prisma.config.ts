// Prisma CLI configuration. The CLI's native schema engine cannot be downloaded on every machine,
// so migrations run through tools/db/migrate.ts (Prisma's wasm schema engine); the CLI is used
// for `prisma generate` and `prisma format`, which need no database.
import path from "node:path";
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/tally" },
});
