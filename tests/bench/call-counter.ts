// A counting HTTP proxy in front of the Stripe emulator: every caller of the reporter benchmark
// (the workers, the naive baseline) talks to Stripe through it, so the calls each run made are
// counted as they happened — by path and status, 429s included — rather than derived from lines.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Samples } from "./stats";

/** Calls by "METHOD path status", e.g. "POST /v2/billing/meter_event_stream 200". */
export type TCallCounts = Map<string, number>;

/** What `take()` returns: the counts, and the latencies (ms, through the proxy) by "METHOD path". */
export type TCalls = { counts: TCallCounts; latencies: Map<string, Samples> };

export type TCallCounter = {
  url: string;
  /** The calls since the last `take()` (and resets them). */
  take(): TCalls;
  close(): Promise<void>;
};

export async function startCallCounter(options: { port: number; target: string }): Promise<TCallCounter> {
  const target = new URL(options.target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  let calls: TCalls = { counts: new Map(), latencies: new Map() };
  const count = (key: string) => calls.counts.set(key, (calls.counts.get(key) ?? 0) + 1);

  const server = http.createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0] ?? "/";
    const started = performance.now();
    const upstream = http.request(
      { agent, host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        count(`${request.method} ${path} ${answer.statusCode}`);
        const key = `${request.method} ${path}`;
        const samples = calls.latencies.get(key) ?? new Samples();
        calls.latencies.set(key, samples);
        answer.once("end", () => samples.add(performance.now() - started));
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on("error", (error) => {
      count(`${request.method} ${path} proxy-error`);
      if (!response.headersSent) response.writeHead(502, { "content-type": "text/plain" });
      response.end(`call counter: ${error.message}`);
    });
    request.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    take() {
      const taken = calls;
      calls = { counts: new Map(), latencies: new Map() };
      return taken;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/** Calls whose key matches `path` (and `status`, when given). */
export function sumCalls(counts: TCallCounts, path: string, status?: number): number {
  let total = 0;
  for (const [key, n] of counts) {
    const [, keyPath, keyStatus] = key.split(" ");
    if (keyPath === path && (status === undefined || keyStatus === String(status))) total += n;
  }
  return total;
}
