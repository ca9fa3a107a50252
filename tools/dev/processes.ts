import { spawn, type ChildProcess } from "node:child_process";

export type TChild = { name: string; process: ChildProcess; exited: Promise<number | null> };

/** Starts a long-running child sharing our terminal; its exit code is awaited through `exited`. */
export function startChild(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): TChild {
  const child = spawn(command, args, { env, stdio: "inherit" });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, process: child, exited };
}

/** Runs a command to completion; rejects with its name when it fails. */
export async function run(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const code = await startChild(name, command, args, env).exited;
  if (code !== 0) throw new Error(`${name} failed (exit code ${code}).`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. */
export async function stopChild(child: TChild, graceMs = 10_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill("SIGTERM");
  const timer = setTimeout(() => child.process.kill("SIGKILL"), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Polls a URL until it answers 2xx; rejects after `timeoutMs` or when `abort` settles first. */
export async function waitForHttp(url: string, timeoutMs: number, abort: Promise<unknown>): Promise<void> {
  let aborted = false;
  void abort.then(() => (aborted = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !aborted) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(aborted ? `The process serving ${url} exited.` : `${url} did not answer within ${timeoutMs / 1000} s.`);
}
