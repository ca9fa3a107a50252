// Stripe events (SEMANTICS.md §14): every state change the emulator makes is recorded as an event,
// dated by the customer's clock, and handed to the webhook dispatcher.
import Stripe from "stripe";
import type { TEmitOptions, TEmulator, TRequestContext } from "./context";
import { endpointReceives } from "../webhooks/matching";
import { newId } from "./ids";
import type { Store } from "./store";

export function createEmitter(store: Store, now: TEmulator["now"], hooks: TEmulator["hooks"]): TEmulator["emit"] {
  return (type, object, options: TEmitOptions = {}) => {
    const pendingWebhooks = Object.values(store.state.webhookEndpoints).filter((endpoint) => endpointReceives(endpoint, type)).length;
    const event = {
      id: newId("evt"),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: now(options.customerId),
      data: {
        object: structuredClone(object),
        ...(options.previousAttributes ? { previous_attributes: options.previousAttributes } : {}),
      },
      livemode: false,
      pending_webhooks: pendingWebhooks,
      request: options.request ?? { id: null, idempotency_key: null },
      type,
    } as unknown as Stripe.Event;
    store.put("events", event);
    for (const hook of hooks.onEventEmitted) hook(event);
    return event;
  };
}

/** Emits an event caused by this request (its id and idempotency key go into `event.request`). */
export function emitFromRequest(context: TRequestContext, type: string, object: object, options: Omit<TEmitOptions, "request"> = {}) {
  return context.emulator.emit(type, object, {
    ...options,
    request: { id: context.requestId, idempotency_key: context.idempotencyKey },
  });
}

/** The attributes of `before` that differ in `after` (for `previous_attributes` on *.updated). */
export function previousAttributes(before: object, after: object): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  const current = after as Record<string, unknown>;
  for (const key of Object.keys(current)) {
    if (JSON.stringify(old[key]) !== JSON.stringify(current[key])) previous[key] = old[key] ?? null;
  }
  return previous;
}
