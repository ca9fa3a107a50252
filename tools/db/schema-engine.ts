// Prisma migrations without Prisma's native schema-engine binary (which cannot be downloaded on
// every machine): Prisma's own engine compiled to wasm, over @prisma/adapter-pg. Migrations stay
// in Prisma's folder format, so `prisma migrate deploy` works wherever the binary is available.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlResultSet,
} from "@prisma/driver-adapter-utils";
import pg from "pg";
import { parse as parseConnectionString } from "pg-connection-string";
import type { MigrationList, SchemaEngine as TSchemaEngine, SchemaFilter, SchemasContainer } from "@prisma/schema-engine-wasm";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const SCHEMA_PATH = path.join(ROOT, "prisma", "schema.prisma");
export const MIGRATIONS_DIR = path.join(ROOT, "prisma", "migrations");

const NO_FILTER: SchemaFilter = { externalTables: [], externalEnums: [] };

const PG_CHAR_OID = 18;
const PG_CHAR_ARRAY_OID = 1002;

type TQueryable = { query: (...args: unknown[]) => unknown };

/**
 * The schema engine reads `pg_constraint.contype`, of Postgres' internal one-byte `"char"` type
 * (oid 18), and expects a Character column; @prisma/adapter-pg 7.10 refuses that type ("Column
 * type 'char' could not be deserialized"). node-postgres has already parsed such a value to a
 * one-character string when the result arrives, so on the engine's own connections only, the
 * column is labelled `"char"[]` (which the adapter accepts, as CharacterArray) and
 * `withCharColumns` turns that label into Character. No query the engine runs returns a real
 * `"char"[]` column.
 */
function labelCharColumns(queryable: TQueryable) {
  const original = queryable.query.bind(queryable);
  queryable.query = (...args: unknown[]) => {
    const out = original(...args);
    if (!(out instanceof Promise)) return out; // callback style: the pool relabels its own promise
    return out.then((result: pg.QueryResult | pg.QueryResult[]) => {
      for (const one of Array.isArray(result) ? result : [result]) {
        for (const field of one?.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_CHAR_ARRAY_OID;
      }
      return result;
    });
  };
}

/** A pool whose queries, and its clients' (used inside transactions), label `"char"` columns. */
function charLabellingPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, max: 2 });
  labelCharColumns(pool as unknown as TQueryable);
  pool.on("connect", (client) => labelCharColumns(client as unknown as TQueryable));
  return pool;
}

/** Reports `"char"` columns (labelled `"char"[]` by labelCharColumns) as Character to the engine. */
function withCharColumns<T extends object>(queryable: T): T {
  return new Proxy(queryable, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (property === "queryRaw") {
        return async (...args: unknown[]) => {
          const result = (await method.apply(target, args)) as SqlResultSet;
          const columnTypes = result.columnTypes.map((type) =>
            type === ColumnTypeEnum.CharacterArray ? ColumnTypeEnum.Character : type,
          );
          return { ...result, columnTypes };
        };
      }
      if (property === "startTransaction") {
        return async (...args: unknown[]) => withCharColumns((await method.apply(target, args)) as object);
      }
      return method.bind(target);
    },
  });
}

/**
 * The adapter factory the engine uses. It owns every pool it opens, so they can be closed (freeing
 * the engine does not close them, and the session-level advisory lock migrations take would be
 * held until the pools' idle timeout), and it makes shadow databases itself: adapter-pg's own
 * drops the shadow database before closing its pool, which Postgres refuses, and builds the shadow
 * connection from a config in which a connection string would win over the shadow's name.
 */
class MigrationAdapterFactory implements SqlMigrationAwareDriverAdapterFactory {
  readonly provider = "postgres";
  readonly adapterName = "@prisma/adapter-pg";
  private readonly pools = new Set<pg.Pool>();
  private readonly shadows = new Set<string>();

  constructor(private readonly config: pg.PoolConfig) {}

  async connect(): Promise<SqlDriverAdapter> {
    return withCharColumns(await new PrismaPg(this.openPool(this.config)).connect());
  }

  async connectToShadowDb(): Promise<SqlDriverAdapter> {
    const database = `prisma_shadow_${randomUUID().replaceAll("-", "")}`;
    await this.admin(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    this.shadows.add(database);
    const pool = this.openPool({ ...this.config, database });
    const adapter = await new PrismaPg(pool).connect();
    const dispose = async () => {
      await this.closePool(pool);
      await this.dropShadow(database);
    };
    return withCharColumns(Object.assign(Object.create(adapter) as SqlDriverAdapter, { dispose }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools].map((pool) => this.closePool(pool)));
    await Promise.all([...this.shadows].map((database) => this.dropShadow(database)));
  }

  private openPool(config: pg.PoolConfig): pg.Pool {
    const pool = charLabellingPool(config);
    this.pools.add(pool);
    return pool;
  }

  private async closePool(pool: pg.Pool) {
    if (!this.pools.delete(pool)) return;
    await pool.end();
  }

  private async dropShadow(database: string) {
    if (!this.shadows.delete(database)) return;
    await this.admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  }

  private async admin(sql: string) {
    const client = new pg.Client(this.config);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

type TWasmModule = typeof import("@prisma/schema-engine-wasm");
let wasmModule: Promise<TWasmModule> | undefined;

/** Node 20 cannot import a `.wasm` ES module, so instantiate the engine's wasm by hand. */
function loadWasmModule(): Promise<TWasmModule> {
  wasmModule ??= (async () => {
    const require = createRequire(import.meta.url);
    const dir = path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg"));
    const bindings = (await import(pathToFileURL(path.join(dir, "schema_engine_bg.js")).href)) as TWasmModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const { instance } = await WebAssembly.instantiate(await readFile(path.join(dir, "schema_engine_bg.wasm")), {
      "./schema_engine_bg.js": bindings as unknown as WebAssembly.ModuleImports,
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return wasmModule;
}

async function readSchema(): Promise<SchemasContainer> {
  return { files: [{ path: SCHEMA_PATH, content: await readFile(SCHEMA_PATH, "utf8") }] };
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const lockPath = path.join(dir, "migration_lock.toml");
  const entries = existsSync(dir) ? await readdir(dir, { withFileTypes: true }) : [];
  const directories = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockPath) ? await readFile(lockPath, "utf8") : null },
    shadowDbInitScript: "",
    migrationDirectories: await Promise.all(
      directories.map(async (name) => {
        const file = path.join(dir, name, "migration.sql");
        const content = existsSync(file)
          ? ({ tag: "ok", value: await readFile(file, "utf8") } as const)
          : ({ tag: "error", value: `${file} is missing` } as const);
        return { path: name, migrationFile: { path: "migration.sql", content } };
      }),
    ),
  };
}

/** Runs `work` with a schema engine connected to `databaseUrl`, and always closes its connections. */
async function withEngine<T>(databaseUrl: string, work: (engine: TSchemaEngine) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadWasmModule();
  const factory = new MigrationAdapterFactory(parseConnectionString(databaseUrl) as pg.PoolConfig);
  const schema = await readSchema();
  const engine = await SchemaEngine.new(
    { datamodels: schema.files.map((file) => [file.path, file.content]) },
    () => undefined,
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await work(engine);
  } finally {
    engine.free();
    await factory.close();
  }
}

/** Applies every migration not yet applied; returns their names. */
export async function applyMigrations(databaseUrl: string): Promise<string[]> {
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.applyMigrations({ migrationsList: await readMigrations(), filters: NO_FILTER });
    return result.appliedMigrationNames;
  });
}

/**
 * Writes a new migration folder (`<UTC timestamp>_<name>/migration.sql`, Prisma's format) with the
 * SQL that takes the migrations so far to the schema. Returns its path, or null when nothing changed.
 */
export async function createMigration(databaseUrl: string, name: string, now = new Date()): Promise<string | null> {
  const script = await diffMigrationsToSchema(databaseUrl);
  if (script === "") return null;
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "migration";
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  const folder = path.join(MIGRATIONS_DIR, `${stamp}_${slug}`);
  await mkdir(folder, { recursive: true });
  await writeFile(path.join(folder, "migration.sql"), `${script}\n`);
  return folder;
}

/**
 * The SQL that would take a database built from the migrations to the Prisma schema.
 * Empty when they agree. Replays the migrations in a shadow database on the same server.
 */
export async function diffMigrationsToSchema(databaseUrl: string, migrationsDir = MIGRATIONS_DIR): Promise<string> {
  return withEngine(databaseUrl, async (engine) => {
    const result = await engine.diff({
      from: { tag: "migrations", ...(await readMigrations(migrationsDir)) },
      to: { tag: "schemaDatamodel", ...(await readSchema()) },
      script: true,
      exitCode: null,
      filters: NO_FILTER,
    });
    return (result.stdout ?? "").replace(/^-- This is an empty migration\.\s*$/m, "").trim();
  });
}
