// How every benchmark runs: `main`, then `cleanup` (servers stopped, data removed) whether it
// succeeded, failed or was interrupted; Ctrl-C / SIGTERM clean up and exit 130; a failure prints
// its stack (and `onError`'s hint) and exits 1.
export function runBenchmark(options: { main: () => Promise<unknown>; cleanup: () => Promise<void>; log: (line: string) => void; onError?: () => void }): void {
  const { main, cleanup, log } = options;
  let stopping: Promise<void> | undefined;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`\n${signal}: stopping…`);
      void (stopping ??= cleanup()).finally(() => process.exit(130));
    });
  }
  main()
    .catch((error: unknown) => {
      if (stopping) return;
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      options.onError?.();
      process.exitCode = 1;
    })
    .finally(async () => {
      await (stopping ??= cleanup());
    });
}
