// The processes the reporter benchmark runs beside its Postgres: the Stripe emulator as `npm run
// emulator` runs it, and reporter workers as `npm run worker` runs them. Their output goes to log
// files; the workers' JSON lines are also read, for their pass figures and errors.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import { waitForHttp } from "../../tools/dev/processes";
import { Samples } from "./stats";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const STOP_GRACE_MS = 60_000;

type TProcess = { child: ChildProcess; exited: Promise<number | null> };

function spawnLogged(args: string[], env: NodeJS.ProcessEnv, logPath: string, onLine?: (line: string) => void): TProcess {
  const log = createWriteStream(logPath, { flags: "a" });
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      onLine?.(line);
    });
  }
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      log.end();
      resolve(code);
    }),
  );
  return { child, exited };
}

/** SIGTERM, then SIGKILL after the grace period; resolves with the exit code. */
async function stop(process: TProcess, graceMs = STOP_GRACE_MS): Promise<number | null> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return process.exited;
  process.child.kill("SIGTERM");
  const timer = setTimeout(() => process.child.kill("SIGKILL"), graceMs);
  const code = await process.exited;
  clearTimeout(timer);
  return code;
}

export type TEmulatorProcess = { url: string; pid: number; stop(): Promise<void> };

export async function startEmulatorProcess(options: { port: number; dataFile: string; logPath: string }): Promise<TEmulatorProcess> {
  const emulator = spawnLogged(
    ["tools/stripe-emulator/main.ts"],
    { ...process.env, STRIPE_EMULATOR_PORT: String(options.port), STRIPE_EMULATOR_DATA: options.dataFile },
    options.logPath,
  );
  const url = `http://127.0.0.1:${options.port}`;
  try {
    await waitForHttp(`${url}/_emulator/health`, 60_000, emulator.exited);
  } catch (error) {
    await stop(emulator);
    throw error;
  }
  return { url, pid: emulator.child.pid as number, stop: async () => void (await stop(emulator, 10_000)) };
}

/** What the workers' `pass` log lines add up to (run-reporter-pass.ts's TPassResult, and `ms`). */
export type TWorkerStats = {
  passes: number;
  claimedEvents: number;
  linesClaimed: number;
  sent: number;
  duplicates: number;
  retried: number;
  dead: number;
  leased: number;
  passMs: Samples;
  /** Error lines (`"level":"error"`), the first few kept. */
  errors: number;
  firstErrors: string[];
};

export type TWorkers = {
  pids(): number[];
  stats: TWorkerStats;
  /** Resolves when every worker has logged "reporter started". */
  ready: Promise<void>;
  /** Rejects when a worker exits before `stop()`. */
  failed: Promise<never>;
  /** SIGTERM (each finishes its pass in flight), then waits for them. */
  stop(): Promise<void>;
  /** SIGKILL at once (interrupted runs). */
  kill(): void;
};

export function startWorkers(count: number, env: NodeJS.ProcessEnv, logPath: string): TWorkers {
  const stats: TWorkerStats = {
    passes: 0,
    claimedEvents: 0,
    linesClaimed: 0,
    sent: 0,
    duplicates: 0,
    retried: 0,
    dead: 0,
    leased: 0,
    passMs: new Samples(),
    errors: 0,
    firstErrors: [],
  };
  let started = 0;
  let stopping = false;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const onLine = (line: string) => {
    if (!line.startsWith("{")) {
      // Not one of the worker's JSON lines: Node warnings and the like stay in the log file only.
      return;
    }
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (entry.msg === "reporter started" && ++started === count) markReady();
    if (entry.msg === "pass") {
      stats.passes += 1;
      stats.claimedEvents += Number(entry.claimedEvents ?? 0);
      stats.linesClaimed += Number(entry.linesClaimed ?? 0);
      stats.sent += Number(entry.sent ?? 0);
      stats.duplicates += Number(entry.duplicates ?? 0);
      stats.retried += Number(entry.retried ?? 0);
      stats.dead += Number(entry.dead ?? 0);
      stats.leased += Number(entry.leased ?? 0);
      stats.passMs.add(Number(entry.ms ?? 0));
    }
    if (entry.level === "error") {
      stats.errors += 1;
      if (stats.firstErrors.length < 5) stats.firstErrors.push(line.slice(0, 500));
    }
  };
  const workers = Array.from({ length: count }, () => spawnLogged(["workers/reporter.ts"], env, logPath, onLine));
  const failed = new Promise<never>((_, reject) => {
    for (const worker of workers) {
      void worker.exited.then((code) => {
        if (!stopping) reject(new Error(`A reporter worker exited during the run (code ${code}); see ${logPath}.`));
      });
    }
  });
  failed.catch(() => undefined); // observed by whoever races it
  return {
    pids: () => workers.map((worker) => worker.child.pid as number),
    stats,
    ready,
    failed,
    async stop() {
      stopping = true;
      await Promise.all(workers.map((worker) => stop(worker)));
    },
    kill() {
      stopping = true;
      for (const worker of workers) worker.child.kill("SIGKILL");
    },
  };
}
