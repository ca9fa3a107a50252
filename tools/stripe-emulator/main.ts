// Runs the Stripe emulator: `npm run emulator` (or started by `npm start` when STRIPE_SECRET_KEY
// is unset). State lives in TALLY_DATA_DIR/stripe-emulator.json.
//   STRIPE_EMULATOR_PORT   port (default 12111)
//   STRIPE_EMULATOR_DATA   state file (default $TALLY_DATA_DIR/stripe-emulator.json)
import { mkdirSync } from "node:fs";
import path from "node:path";
import { startStripeEmulator } from "./index";

const port = Number(process.env.STRIPE_EMULATOR_PORT ?? 12111);
const dataFile = process.env.STRIPE_EMULATOR_DATA ?? path.resolve(process.env.TALLY_DATA_DIR ?? ".data", "stripe-emulator.json");
mkdirSync(path.dirname(dataFile), { recursive: true });

const running = await startStripeEmulator({ port, host: process.env.STRIPE_EMULATOR_HOST ?? "127.0.0.1", dataFile });
console.log(`[stripe-emulator] listening on ${running.url} (state in ${dataFile})`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void running.stop().then(() => process.exit(0));
  });
}
