// A local, stateful Stripe that the official SDK talks to through its host / port / protocol
// options. `startStripeEmulator()` serves it; `main.ts` runs it from the command line.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequestHandler } from "./core/app";
import type { TEmulator, TEmulatorConfig, TRecordedResponse } from "./core/context";
import { createEmitter } from "./core/events";
import { Faults } from "./core/faults";
import { Router } from "./core/router";
import { Store } from "./core/store";
import { createControl } from "./control";
import { registerResources } from "./resources";

export type TStartOptions = {
  port?: number;
  host?: string;
  /** JSON file for the state (plus `<file>.meter-events.jsonl`); in memory only when omitted. */
  dataFile?: string;
  config?: Partial<TEmulatorConfig>;
  /** Keep every /v1 and /v2 response for contract tests. */
  recordResponses?: boolean;
  /** How often time-driven work runs (real-time period ends, webhook retries), in ms. */
  tickMs?: number;
};

export type TRunningEmulator = {
  url: string;
  port: number;
  emulator: TEmulator;
  faults: Faults;
  recorded: TRecordedResponse[];
  stop(): Promise<void>;
};

export const DEFAULT_CONFIG: TEmulatorConfig = {
  secretKey: null,
  meterEventsPerSecond: 1_000,
  meterEventConcurrencyPerCustomer: true,
  meterEventStreamEventsPerSecond: 10_000,
  webhookRetryDelaysMs: [1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000],
  webhookTimeoutMs: 5_000,
  invoiceGraceSeconds: 3_600,
};

export function createEmulator(store: Store, config: Partial<TEmulatorConfig> = {}): TEmulator {
  const hooks: TEmulator["hooks"] = { onEventEmitted: [], onClockAdvanced: [], onTick: [], onStop: [], onReset: [] };
  const now: TEmulator["now"] = (customerId) => {
    const realNow = Math.floor(Date.now() / 1000);
    if (!customerId) return realNow;
    const clockId = store.get("customers", customerId)?.test_clock;
    const clock = typeof clockId === "string" ? store.get("testClocks", clockId) : clockId;
    return clock ? clock.frozen_time : realNow;
  };
  return { store, config: { ...DEFAULT_CONFIG, ...config }, now, emit: createEmitter(store, now, hooks), hooks };
}

export async function startStripeEmulator(options: TStartOptions = {}): Promise<TRunningEmulator> {
  const store = new Store(options.dataFile);
  const emulator = createEmulator(store, options.config);
  const faults = new Faults();
  const router = new Router();
  registerResources(router, emulator);
  const recorded: TRecordedResponse[] = [];

  const server: Server = createServer(
    createRequestHandler({
      emulator,
      router,
      faults,
      control: createControl(emulator, faults),
      recorded: options.recordResponses ? recorded : undefined,
    }),
  );
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  let ticking = false;
  const ticker = setInterval(() => {
    if (ticking) return;
    ticking = true;
    void (async () => {
      try {
        for (const hook of emulator.hooks.onTick) await hook(Math.floor(Date.now() / 1000));
      } catch (error) {
        console.error("[stripe-emulator] tick failed", error);
      } finally {
        ticking = false;
      }
    })();
  }, options.tickMs ?? 1_000);
  ticker.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    emulator,
    faults,
    recorded,
    async stop() {
      clearInterval(ticker);
      for (const hook of emulator.hooks.onStop) await hook();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      store.flush();
    },
  };
}
