// The production server the benchmark loads: `npm start`'s own entry point (embedded Postgres in
// its dev profile, migrations, Stripe emulator, demo seed, `next build` when sources changed,
// `next start`) on ports and a data folder of its own, removed first so every run starts empty.
// It runs in a process group of its own, stopped at the end, on Ctrl-C and on errors.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import type { TBenchConfig } from "./config";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const READY_TIMEOUT_MS = 15 * 60_000;
const STOP_GRACE_MS = 30_000;

export type TServer = {
  baseUrl: string;
  databaseUrl: string;
  /** The process group id (= the pid of tools/dev/start.ts). */
  pgid: number;
  logPath: string;
  stop(): Promise<void>;
  /** Lines of the server's output about failed requests (`unhandled error` and what follows). */
  readErrorLines(): Promise<string[]>;
};

export async function startServer(config: TBenchConfig, log: (line: string) => void): Promise<TServer> {
  rmSync(config.dataDir, { recursive: true, force: true });
  const logFile = createWriteStream(config.serverLogPath);
  const baseUrl = `http://127.0.0.1:${config.port}`;
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tools", "dev", "start.ts")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(config.port),
      TALLY_DB_PORT: String(config.dbPort),
      STRIPE_EMULATOR_PORT: String(config.emulatorPort),
      TALLY_DATA_DIR: config.dataDir,
      TALLY_DEMO_API_KEY: config.apiKey,
      TALLY_INGEST_RATE_LIMIT: "100000000",
      TALLY_BENCH_ROUTES: "1",
      NEXTAUTH_URL: `http://localhost:${config.port}`,
      NEXTAUTH_SECRET: "bench-secret-0123456789abcdefghijklmnop",
      STRIPE_SECRET_KEY: "",
      DATABASE_URL: "",
    },
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      logFile.write(`${line}\n`);
      // start.ts's own progress lines (database, build, ready); the rest stays in the log file.
      if (line.startsWith("[tally]")) log(`  server: ${line.slice(8)}`);
    });
  }

  const pgid = child.pid as number;
  const server: TServer = {
    baseUrl,
    databaseUrl: `postgresql://postgres:tally@127.0.0.1:${config.dbPort}/tally`,
    pgid,
    logPath: config.serverLogPath,
    stop: () => stopServer(child, exited).finally(() => logFile.end()),
    async readErrorLines() {
      const lines = (await readFile(config.serverLogPath, "utf8").catch(() => "")).split("\n");
      const errors = new Set<string>();
      lines.forEach((line, index) => {
        // problem.ts logs unexpected errors as JSON (level "error") followed by the error and its stack.
        if (!/"level":"error"|⨯|prisma:error|unhandled|uncaught/i.test(line)) return;
        for (const next of lines.slice(index, index + 6)) if (next.trim()) errors.add(next);
      });
      return [...errors];
    },
  };

  try {
    await waitForHealth(`${baseUrl}/api/health`, exited);
  } catch (error) {
    await server.stop();
    const tail = (await readFile(config.serverLogPath, "utf8").catch(() => "")).split("\n").slice(-30).join("\n");
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nLast lines of ${config.serverLogPath}:\n${tail}`);
  }
  return server;
}

async function waitForHealth(url: string, exited: Promise<number | null>): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`The server exited (code ${exitCode}) before it was ready.`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${url} did not answer within ${READY_TIMEOUT_MS / 60_000} minutes.`);
}

/**
 * SIGTERM to start.ts, which stops Next, the emulator and Postgres in order; then SIGKILL to
 * whatever is left of the process group (after the grace period, or at once when it is done).
 */
async function stopServer(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
  }
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // the group is already gone
  }
}
