// Where the machine's CPU goes during a measurement, from /proc (Linux; elsewhere only the load
// generator's own share, from process.cpuUsage). Every process is put in one group: the Next.js
// server, the benchmark's Postgres (postmaster + backends), the load generator (this process),
// the rest of the benchmark's server (start.ts, Stripe emulator), and everything else on the
// machine, which on a shared machine is noise the reader should know about.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";

export type TCpuGroup = "next" | "postgres" | "generator" | "server-other" | "other";
export const CPU_GROUPS: readonly TCpuGroup[] = ["next", "postgres", "generator", "server-other", "other"];

/** Cores used on average (1.0 = one core busy the whole time), by group. */
export type TCpuShare = Record<TCpuGroup, number>;

type TProcess = { pid: number; ppid: number; pgid: number; ticks: number; comm: string };
type TSnapshot = { at: number; ticks: Map<number, { group: TCpuGroup; ticks: number }>; generatorMicros: number };

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
    // fields[0] is field 3 (state): ppid = 4, pgrp = 5, utime = 14, stime = 15.
    return { pid, comm, ppid: Number(fields[1]), pgid: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
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

/** Samples CPU time by group; `measure()` returns the average use since the previous call. */
export class CpuMeter {
  readonly #serverPgid: number;
  readonly #dataDir: string;
  #postmaster: number | undefined;
  #last: TSnapshot;

  constructor(options: { serverPgid: number; dataDir: string }) {
    this.#serverPgid = options.serverPgid;
    this.#dataDir = options.dataDir;
    this.#last = this.#snapshot();
  }

  /** Resets the start of the next measurement to now. */
  reset(): void {
    this.#last = this.#snapshot();
  }

  measure(): TCpuShare {
    const previous = this.#last;
    const current = this.#snapshot();
    this.#last = current;
    const seconds = (current.at - previous.at) / 1000;
    const share: TCpuShare = { next: 0, postgres: 0, generator: 0, "server-other": 0, other: 0 };
    if (seconds <= 0) return share;
    for (const [pid, now] of current.ticks) {
      const before = previous.ticks.get(pid)?.ticks ?? 0;
      share[now.group] += (now.ticks - before) / CLOCK_TICKS / seconds;
    }
    // process.cpuUsage is finer than /proc's ticks, and works everywhere.
    share.generator = (current.generatorMicros - previous.generatorMicros) / 1e6 / seconds;
    return share;
  }

  #snapshot(): TSnapshot {
    const at = performance.now();
    const usage = process.cpuUsage();
    const ticks = new Map<number, { group: TCpuGroup; ticks: number }>();
    if (hasProc) {
      const processes = readdirSync(PROC)
        .filter((name) => /^\d+$/.test(name))
        .map((name) => readProcess(Number(name)))
        .filter((entry): entry is TProcess => entry !== undefined);
      this.#postmaster ??= processes.find((entry) => entry.comm === "postgres" && readCmdline(entry.pid).includes(this.#dataDir))?.pid;
      for (const entry of processes) ticks.set(entry.pid, { group: this.#classify(entry), ticks: entry.ticks });
    }
    return { at, ticks, generatorMicros: usage.user + usage.system };
  }

  #classify(entry: TProcess): TCpuGroup {
    if (entry.pid === process.pid) return "generator";
    if (this.#postmaster !== undefined && (entry.pid === this.#postmaster || entry.ppid === this.#postmaster)) return "postgres";
    if (entry.pgid === this.#serverPgid) {
      if (entry.comm === "postgres") return "postgres";
      const cmdline = readCmdline(entry.pid);
      return cmdline.includes("tools/dev/start.ts") || cmdline.includes("stripe-emulator") ? "server-other" : "next";
    }
    return "other";
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
