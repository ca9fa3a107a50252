// A rolling-window pacer, like HubSpot's own limits: at most `limit` starts in any `intervalMs`;
// callers wait their turn in the order they asked.

export function createWindowLimiter(limit: number, intervalMs: number): () => Promise<void> {
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  return () => {
    const turn = queue.then(async () => {
      for (;;) {
        const now = Date.now();
        while (starts.length > 0 && (starts[0] ?? 0) <= now - intervalMs) starts.shift();
        if (starts.length < limit) {
          starts.push(now);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, (starts[0] ?? now) + intervalMs - now + 1));
      }
    });
    queue = turn;
    return turn;
  };
}
