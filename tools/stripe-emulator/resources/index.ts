import type { TEmulator } from "../core/context";
import type { Router } from "../core/router";
import { registerCreditGrants } from "./credit-grants";
import { registerCustomers } from "./customers";
import { registerEvents } from "./events";
import { registerInvoices } from "./invoices";
import { registerMeterEvents } from "./meter-events";
import { registerMeters } from "./meters";
import { registerPrices } from "./prices";
import { registerProducts } from "./products";
import { registerSubscriptions } from "./subscriptions";
import { registerTestClocks } from "./test-clocks";
import { registerV2MeterEvents } from "./v2-meter-events";
import { registerWebhookEndpoints } from "./webhook-endpoints";

/** Every Stripe endpoint the emulator serves. */
export function registerResources(router: Router, emulator: TEmulator): void {
  registerCustomers(router, emulator);
  registerProducts(router, emulator);
  registerPrices(router, emulator);
  registerSubscriptions(router, emulator);
  registerInvoices(router, emulator);
  registerTestClocks(router, emulator);
  registerMeters(router, emulator);
  registerMeterEvents(router, emulator);
  registerCreditGrants(router, emulator);
  registerV2MeterEvents(router, emulator);
  registerWebhookEndpoints(router, emulator);
  registerEvents(router, emulator);
}
