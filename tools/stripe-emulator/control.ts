// The emulator's own endpoints, outside Stripe's API (no API key): reset, fault injection, limits.
//   POST   /_emulator/reset               forget everything
//   GET    /_emulator/faults              faults waiting to fire
//   POST   /_emulator/faults              add one (JSON, see core/faults.ts ZFault)
//   DELETE /_emulator/faults              remove all
//   DELETE /_emulator/faults/<id>          remove one (a test's own, while others share the emulator)
//   GET    /_emulator/config              current limits and schedules
//   POST   /_emulator/config              change them (JSON, partial)
//   GET    /_emulator/health              {"status":"ok"}
//   GET    /_emulator/webhook_deliveries  the webhook delivery log, oldest first (?event=, ?endpoint=)
//   GET    /                              the HTML view of the state (ui.ts)
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import type { TEmulator } from "./core/context";
import type { Faults } from "./core/faults";
import { viewRoute } from "./ui";
import { webhookDispatcherFor } from "./webhooks/dispatcher";

const ZConfigUpdate = z.strictObject({
  secretKey: z.string().startsWith("sk_test_").nullable().optional(),
  meterEventsPerSecond: z.number().int().min(0).optional(),
  meterEventConcurrencyPerCustomer: z.boolean().optional(),
  meterEventStreamEventsPerSecond: z.number().int().min(0).optional(),
  webhookRetryDelaysMs: z.array(z.number().int().min(0)).optional(),
  webhookTimeoutMs: z.number().int().min(1).max(60_000).optional(),
  invoiceGraceSeconds: z.number().int().min(0).max(72 * 3_600).optional(),
});

type TControlResult = { status: number; body: unknown; contentType?: string };
export type TControlRoute = (
  request: IncomingMessage,
  url: URL,
  body: string,
  emulator: TEmulator,
) => Promise<TControlResult | undefined> | TControlResult | undefined;

/** Extra control or page routes (shared by every emulator in the process; each call gets its emulator). */
export const extraControlRoutes: TControlRoute[] = [viewRoute];

export function createControl(emulator: TEmulator, faults: Faults) {
  return async (request: IncomingMessage, url: URL, body: string): Promise<TControlResult | undefined> => {
    for (const route of extraControlRoutes) {
      const result = await route(request, url, body, emulator);
      if (result) return result;
    }
    if (!url.pathname.startsWith("/_emulator/")) return undefined;
    const method = request.method ?? "GET";
    const json = () => (body ? (JSON.parse(body) as unknown) : {});
    try {
      const faultId = /^\/_emulator\/faults\/([A-Za-z0-9_]+)$/.exec(url.pathname)?.[1];
      if (method === "DELETE" && faultId) {
        return faults.remove(faultId) ? { status: 200, body: { id: faultId, deleted: true } } : { status: 404, body: { error: { message: `No fault ${faultId}` } } };
      }
      switch (`${method} ${url.pathname}`) {
        case "GET /_emulator/health":
          return { status: 200, body: { status: "ok" } };
        case "POST /_emulator/reset":
          emulator.store.reset();
          faults.clear();
          for (const hook of emulator.hooks.onReset) hook();
          return { status: 200, body: { reset: true } };
        case "GET /_emulator/faults":
          return { status: 200, body: { data: faults.list() } };
        case "POST /_emulator/faults":
          return { status: 200, body: faults.add(json() as never) };
        case "DELETE /_emulator/faults":
          faults.clear();
          return { status: 200, body: { data: [] } };
        case "GET /_emulator/webhook_deliveries": {
          const event = url.searchParams.get("event");
          const endpoint = url.searchParams.get("endpoint");
          const deliveries = webhookDispatcherFor(emulator)?.deliveries() ?? [];
          return {
            status: 200,
            body: { data: deliveries.filter((delivery) => (!event || delivery.event === event) && (!endpoint || delivery.endpoint === endpoint)) },
          };
        }
        case "GET /_emulator/config":
          return { status: 200, body: emulator.config };
        case "POST /_emulator/config":
          Object.assign(emulator.config, ZConfigUpdate.parse(json()));
          return { status: 200, body: emulator.config };
        default:
          return { status: 404, body: { error: { message: `No emulator control route ${method} ${url.pathname}` } } };
      }
    } catch (error) {
      const message = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
      return { status: 400, body: { error: { message } } };
    }
  };
}
