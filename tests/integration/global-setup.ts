// One embedded PostgreSQL server per run, in a temporary folder, with a database of its own that
// gets every migration; both are removed at the end. Test files reach it through DATABASE_URL
// (and TALLY_TEST_ADMIN_URL for tests that need a database of their own).
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { startEmbeddedPostgres } from "../../tools/db/embedded-postgres";
import { applyMigrations } from "../../tools/db/schema-engine";

export const TEST_AUTH_SECRET = "integration-tests-secret-0123456789abcdef";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export default async function setup() {
  const root = await mkdtemp(path.join(os.tmpdir(), "tally-it-"));
  await chmod(root, 0o755); // the postgres OS user (when we run as root) must reach the data folder
  const server = await startEmbeddedPostgres({ dataDir: path.join(root, "pg"), port: await freePort(), profile: "test" });
  const database = `tally_it_${process.pid}`;
  await server.createDatabase(database);
  const url = server.url(database);
  await applyMigrations(url);

  process.env.DATABASE_URL = url;
  process.env.TALLY_TEST_ADMIN_URL = server.url("postgres");
  process.env.NEXTAUTH_SECRET = TEST_AUTH_SECRET;

  return async () => {
    await server.dropDatabase(database);
    await server.stop();
    await rm(root, { recursive: true, force: true });
  };
}
