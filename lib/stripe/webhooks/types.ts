// What a webhook handler receives and gives back. A handler reads Stripe (never trusting the
// payload's copy of an object) and returns its effects; `handleStripeWebhook` runs `apply` in the
// transaction that records the event id, then `afterCommit`.
import type Stripe from "stripe";
import { z } from "zod";
import type { Prisma } from "@/lib/db";

/**
 * A thin (v2) event as an event destination posts it: ids only, no object snapshot. `data` is
 * present when the event was fetched from /v2/core/events (or sent in full by a test).
 */
export const ZThinEvent = z.object({
  object: z.literal("v2.core.event"),
  id: z.string().min(1),
  type: z.string().min(1),
  created: z.iso.datetime({ offset: true }),
  related_object: z.object({ id: z.string(), type: z.string(), url: z.string() }).nullish(),
  data: z.unknown().optional(),
});
export type TThinEvent = z.infer<typeof ZThinEvent>;

/** A verified delivery: a classic snapshot event (`object: "event"`) or a thin v2 event. */
export type TWebhookEvent =
  | { kind: "snapshot"; id: string; type: string; createdAt: Date; event: Stripe.Event }
  | { kind: "thin"; id: string; type: string; createdAt: Date; event: TThinEvent };

export type TWebhookEffects = {
  /** Database writes, in the transaction that also records the event id (all or nothing). */
  apply?: (tx: Prisma.TransactionClient) => Promise<void>;
  /** Work that calls Stripe and so must not hold the transaction open; runs after the commit. */
  afterCommit?: () => Promise<void>;
};

/** Reads what the event is about from Stripe and returns the effects to converge Tally's copy. */
export type TWebhookHandler = () => Promise<TWebhookEffects>;
