// npm run db:migrate               apply pending migrations
// npm run db:migration -- <name>   write a migration from the schema changes since the last one
// npm run db:drift                 exit 1 when the migrations do not produce the Prisma schema
import { startDatabase } from "../dev/database";
import { applyMigrations, createMigration, diffMigrationsToSchema } from "./schema-engine";

const [command, name] = process.argv.slice(2);
const database = await startDatabase((line) => console.log(line));
let exitCode = 0;
try {
  if (command === "apply") {
    const applied = await applyMigrations(database.url);
    console.log(applied.length ? `Applied: ${applied.join(", ")}` : "The database is up to date.");
  } else if (command === "create") {
    if (!name) throw new Error("Name the migration: npm run db:migration -- <name>");
    const folder = await createMigration(database.url, name);
    console.log(folder ? `Wrote ${folder}/migration.sql — review it, then npm run db:migrate.` : "No schema changes.");
  } else if (command === "drift") {
    const script = await diffMigrationsToSchema(database.url);
    if (script) {
      console.error(`The migrations do not produce prisma/schema.prisma. Missing:\n${script}`);
      exitCode = 1;
    } else {
      console.log("The migrations produce exactly the Prisma schema.");
    }
  } else {
    throw new Error("Usage: migrate.ts apply | create <name> | drift");
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 1;
} finally {
  await database.stop();
}
process.exit(exitCode);
