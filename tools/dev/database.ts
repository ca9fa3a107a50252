// The database `npm start` and the db:* scripts use: DATABASE_URL when set, otherwise an embedded
// PostgreSQL server whose data lives in TALLY_DATA_DIR/pg.
import path from "node:path";
import { env } from "@/lib/env";
import { startEmbeddedPostgres } from "../db/embedded-postgres";

export const APP_DATABASE = "tally";

export type TDatabase = { url: string; embedded: boolean; stop(): Promise<void> };

export async function startDatabase(log: (line: string) => void): Promise<TDatabase> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres({
    dataDir: path.resolve(env.TALLY_DATA_DIR, "pg"),
    port: env.TALLY_DB_PORT,
    profile: "dev",
    log,
  });
  if (!(await server.databaseExists(APP_DATABASE))) await server.createDatabase(APP_DATABASE);
  return { url: server.url(APP_DATABASE), embedded: true, stop: () => server.stop() };
}
