// Events (`/v1/events`, SEMANTICS.md §14): the record of every state change, created by
// `emulator.emit` (core/events.ts). Listed newest first and filtered by type, created and
// delivery_success (every matching webhook delivered, i.e. `pending_webhooks` is 0). Thin events
// (`v1.billing.meter.*`) are kept for the HTML view but, as on Stripe, are not v1 events.
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { paginate } from "../core/list";
import { inRange, zBool, zExpand, zListParams, zRangeFilter } from "../core/params";
import type { Router } from "../core/router";
import { isThinEventType } from "../webhooks/matching";

const ZList = z.strictObject({
  ...zListParams,
  created: zRangeFilter.optional(),
  delivery_success: zBool.optional(),
  /** One type, or a group with `*` as a wildcard (`customer.*`). */
  type: z.string().optional(),
  types: z.array(z.string()).max(20).optional(),
});

const ZRetrieve = z.strictObject({ expand: zExpand });

/** `customer.*` → matches `customer.created`, `customer.subscription.updated`, … */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes("*")) return (type) => type === pattern;
  const source = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
  const regex = new RegExp(`^${source}$`);
  return (type) => regex.test(type);
}

export function registerEvents(router: Router, emulator: TEmulator): void {
  router.add("GET", "/v1/events", (context) => {
    const params = context.parse(ZList);
    if (params.type !== undefined && params.types !== undefined) {
      throw invalidRequest("You may only specify one of these parameters: type, types.", { param: "types" });
    }
    const matchesType = params.type !== undefined ? typeMatcher(params.type) : undefined;
    const types = params.types ? new Set(params.types) : undefined;
    const events = emulator.store.list("events").filter(
      (event: Stripe.Event) =>
        !isThinEventType(event.type) &&
        (!matchesType || matchesType(event.type)) &&
        (!types || types.has(event.type)) &&
        inRange(event.created, params.created) &&
        (params.delivery_success === undefined || params.delivery_success === (event.pending_webhooks === 0)),
    );
    return paginate(events, params, context.listUrl);
  });

  router.add("GET", "/v1/events/:id", (context) => {
    context.parse(ZRetrieve);
    const id = context.params.id ?? "";
    const event = emulator.store.get("events", id);
    if (!event || isThinEventType(event.type)) throw resourceMissing("event", id);
    return event;
  });
}
