// Where the machine's CPU goes during a measurement, from /proc (Linux; elsewhere only the
// benchmark process's own share, from process.cpuUsage). `ProcessCpuMeter` puts every process in
// a group of the benchmark's choosing. `CpuMeter` is the ingestion benchmark's: the Next.js server,
// the benchmark's Postgres (postmaster + backends), the load generator (this process), the rest of
// the benchmark's server (start.ts, Stripe emulator), and everything else on the machine, which on
// a shared machine is noise the reader should know about.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";

export type TCpuGroup = "next" | "postgres" | "generator" | "server-other" | "other";
export const CPU_GROUPS: readonly TCpuGroup[] = ["next", "postgres", "generator", "server-other", "other"];

/** Cores used on average (1.0 = one core busy the whole time), by group. */
export type TCpuShare = Record<TCpuGroup, number>;

type TProcess = { pid: number; ppid: number; pgid: number; ticks: number; reapedTicks: number; comm: string };

const PROC = "/proc";
const hasProc = existsSync(`${PROC}/self/stat`);
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function readProcess(pid: number): TProcess | undefined {
  try {
    const stat = readFileSync(`${PROC}/${pid}/stat`, "utf8");
    // comm may hold spaces and parentheses: the fields after it start after the last ")".
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const fields = stat.slice(close + 2).split(" ");
    // fields[0] is field 3 (state): ppid = 4, pgrp = 5, utime = 14, stime = 15, and the time of
    // the children it has reaped, cutime = 16, cstime = 17.
    return {
      pid,
      comm,
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
      reapedTicks: Number(fields[13]) + Number(fields[14]),
    };
  } catch {
    return undefined; // exited meanwhile
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`${PROC}/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** A process as the classifier sees it; `cmdline()` reads /proc on demand. */
export type TProcessInfo = TProcess & { cmdline(): string };

type TClassify<G> = (entry: TProcessInfo, all: readonly TProcessInfo[]) => G;
type TSnapshotEntry<G> = { group: G; ticks: number; ppid: number; reaps: boolean };

/**
 * Samples CPU time by group, the groups being whatever `classify` puts each process in (it sees
 * every process of the snapshot, e.g. to find a postmaster); `measure()` returns the average use
 * since the previous call. This process is always `self`, measured by process.cpuUsage (finer than
 * /proc's ticks, and available everywhere).
 *
 * A process that ends between two snapshots takes its last CPU time with it, unless its parent
 * counts the time of the children it reaps (cutime): for the processes `reaps` names (a Postgres
 * server, whose backends come and go with connections) that time is counted, and what was already
 * counted for a child that ended is taken back.
 */
export class ProcessCpuMeter<G extends string> {
  readonly #groups: readonly G[];
  readonly #self: G;
  readonly #classify: TClassify<G>;
  readonly #reaps: TClassify<boolean>;
  #last: { at: number; ticks: Map<number, TSnapshotEntry<G>>; selfMicros: number };

  constructor(options: { groups: readonly G[]; self: G; classify: TClassify<G>; reaps?: TClassify<boolean> }) {
    this.#groups = options.groups;
    this.#self = options.self;
    this.#classify = options.classify;
    this.#reaps = options.reaps ?? (() => false);
    this.#last = this.#snapshot();
  }

  /** Resets the start of the next measurement to now. */
  reset(): void {
    this.#last = this.#snapshot();
  }

  measure(): Record<G, number> {
    const previous = this.#last;
    const current = this.#snapshot();
    this.#last = current;
    const seconds = (current.at - previous.at) / 1000;
    const share = Object.fromEntries(this.#groups.map((group) => [group, 0])) as Record<G, number>;
    if (seconds <= 0) return share;
    for (const [pid, now] of current.ticks) {
      const before = previous.ticks.get(pid)?.ticks ?? 0;
      share[now.group] += (now.ticks - before) / CLOCK_TICKS / seconds;
    }
    for (const [pid, before] of previous.ticks) {
      if (!current.ticks.has(pid) && current.ticks.get(before.ppid)?.reaps) share[before.group] -= before.ticks / CLOCK_TICKS / seconds;
    }
    share[this.#self] = (current.selfMicros - previous.selfMicros) / 1e6 / seconds;
    return share;
  }

  #snapshot() {
    const at = performance.now();
    const usage = process.cpuUsage();
    const ticks = new Map<number, TSnapshotEntry<G>>();
    if (hasProc) {
      const processes: TProcessInfo[] = readdirSync(PROC)
        .filter((name) => /^\d+$/.test(name))
        .map((name) => readProcess(Number(name)))
        .filter((entry): entry is TProcess => entry !== undefined)
        .map((entry) => ({ ...entry, cmdline: () => readCmdline(entry.pid) }));
      for (const entry of processes) {
        const group = entry.pid === process.pid ? this.#self : this.#classify(entry, processes);
        const reaps = entry.pid !== process.pid && this.#reaps(entry, processes);
        ticks.set(entry.pid, { group, ticks: entry.ticks + (reaps ? entry.reapedTicks : 0), ppid: entry.ppid, reaps });
      }
    }
    return { at, ticks, selfMicros: usage.user + usage.system };
  }
}

/** Classifiers' helpers for the Postgres server of `dataDir`: the server and its backends, and the server alone. */
export function postgresOf(dataDir: string): { includes: TClassify<boolean>; isServer: TClassify<boolean> } {
  let postmaster: number | undefined;
  const find = (all: readonly TProcessInfo[]) => (postmaster ??= all.find((other) => other.comm === "postgres" && other.cmdline().includes(dataDir))?.pid);
  return {
    includes: (entry, all) => {
      const server = find(all);
      return server !== undefined && (entry.pid === server || entry.ppid === server);
    },
    isServer: (entry, all) => entry.pid === find(all),
  };
}

/** The ingestion benchmark's groups (see the top of this file). */
export class CpuMeter {
  readonly #meter: ProcessCpuMeter<TCpuGroup>;

  constructor(options: { serverPgid: number; dataDir: string }) {
    const postgres = postgresOf(options.dataDir);
    this.#meter = new ProcessCpuMeter<TCpuGroup>({
      groups: CPU_GROUPS,
      self: "generator",
      reaps: postgres.isServer,
      classify: (entry, all) => {
        if (postgres.includes(entry, all)) return "postgres";
        if (entry.pgid === options.serverPgid) {
          if (entry.comm === "postgres") return "postgres";
          const cmdline = entry.cmdline();
          return cmdline.includes("tools/dev/start.ts") || cmdline.includes("stripe-emulator") ? "server-other" : "next";
        }
        return "other";
      },
    });
  }

  reset(): void {
    this.#meter.reset();
  }

  measure(): TCpuShare {
    return this.#meter.measure();
  }
}

export function describeMachine(): { cpus: number; model: string; memory: number; os: string; node: string } {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    model: cpus[0]?.model.trim() ?? "unknown",
    memory: os.totalmem(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
  };
}
