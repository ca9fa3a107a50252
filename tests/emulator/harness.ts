// Starts a Stripe emulator for one test file and gives it an official `stripe` SDK client, set up
// exactly like Tally's (host / port / protocol). Every response the emulator gives is recorded and
// checked against Stripe's OpenAPI spec when the file's emulator stops (see contract.ts).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import Stripe from "stripe";
import { startStripeEmulator, type TRunningEmulator, type TStartOptions } from "../../tools/stripe-emulator";
import { formatViolations, validateResponses } from "./contract";

export const TEST_SECRET_KEY = "sk_test_emulator_tests_0123456789";

export type TTestEmulator = TRunningEmulator & {
  stripe: Stripe;
  /** A client with SDK retries enabled (the default client never retries, to see raw answers). */
  stripeWithRetries: Stripe;
  dataFile: string;
  /** Calls a control endpoint (`/_emulator/...`) with a JSON body. */
  control(method: "GET" | "POST" | "DELETE", route: string, body?: unknown): Promise<unknown>;
  /** Stops the emulator and removes its files. */
  close(): Promise<void>;
};

export function sdkFor(url: string, options: Partial<Stripe.StripeConfig> = {}, key = TEST_SECRET_KEY): Stripe {
  const { hostname, port, protocol } = new URL(url);
  return new Stripe(key, {
    host: hostname,
    port: Number(port),
    protocol: protocol.replace(":", "") as "http" | "https",
    maxNetworkRetries: 0,
    ...options,
  });
}

export async function startTestEmulator(options: TStartOptions = {}): Promise<TTestEmulator> {
  const folder = await mkdtemp(path.join(os.tmpdir(), "stripe-emulator-"));
  const dataFile = options.dataFile ?? path.join(folder, "state.json");
  const running = await startStripeEmulator({
    recordResponses: true,
    tickMs: 100,
    ...options,
    dataFile,
    config: { secretKey: TEST_SECRET_KEY, webhookRetryDelaysMs: [50, 100, 200], ...options.config },
  });
  const control = async (method: "GET" | "POST" | "DELETE", route: string, body?: unknown) => {
    const response = await fetch(`${running.url}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return response.json() as Promise<unknown>;
  };
  return {
    ...running,
    dataFile,
    stripe: sdkFor(running.url),
    stripeWithRetries: sdkFor(running.url, { maxNetworkRetries: 3 }),
    control,
    async close() {
      await running.stop();
      await rm(folder, { recursive: true, force: true });
      const violations = validateResponses(running.recorded);
      if (violations.length > 0) {
        throw new Error(`${violations.length} violation(s) of Stripe's OpenAPI spec in the emulator's responses (tests/emulator/contract.ts):\n${formatViolations(violations)}`);
      }
    },
  };
}
