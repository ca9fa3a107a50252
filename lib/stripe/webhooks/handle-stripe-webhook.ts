// One Stripe webhook delivery (DESIGN.md rule 7): verify the signature on the raw body, skip an
// event already applied, let the handler re-read Stripe, then write its effects and the event id in
// one transaction. A failure is recorded for the sync health page and answered with a 5xx so that
// Stripe delivers the event again; nothing of the failed attempt stays applied.
import Stripe from "stripe";
import { db } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { findWebhookHandler } from "./handlers";
import { ZThinEvent, type TWebhookEvent } from "./types";

export type TWebhookOutcome = {
  eventId: string;
  type: string;
  /** processed: effects applied now; duplicate: applied before; ignored: a type Tally does not handle. */
  outcome: "processed" | "duplicate" | "ignored";
};

/** The transaction holds no Stripe call of ours but the subscription sync's; leave it room. */
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 60_000 };
const MAX_ERROR_LENGTH = 2_000;

export async function handleStripeWebhook(input: { rawBody: string; signature: string | null }): Promise<TWebhookOutcome> {
  const event = verifyEvent(input.rawBody, input.signature);
  const seen = { eventId: event.id, type: event.type };

  if (await db.stripeEvent.findUnique({ where: { id: event.id }, select: { id: true } })) {
    return { ...seen, outcome: "duplicate" };
  }
  const handler = findWebhookHandler(event);
  if (!handler) {
    // Recorded all the same, so that a redelivery is answered from the dedup table.
    await db.stripeEvent.createMany({ data: [eventRow(event)], skipDuplicates: true });
    return { ...seen, outcome: "ignored" };
  }

  try {
    const effects = await handler();
    await db.$transaction(async (tx) => {
      // The event row first: a concurrent delivery of the same event waits here for this
      // transaction and then fails on the key (→ duplicate) instead of applying the effects twice.
      await tx.stripeEvent.create({ data: eventRow(event) });
      await effects.apply?.(tx);
    }, TRANSACTION_OPTIONS);
    if (effects.afterCommit) {
      try {
        await effects.afterCommit();
      } catch (error) {
        // The event is not done until this work is: forget it so that Stripe's retry runs the
        // (idempotent) handler again.
        await db.stripeEvent.deleteMany({ where: { id: event.id } });
        throw error;
      }
    }
    return { ...seen, outcome: "processed" };
  } catch (error) {
    if (isUniqueViolation(error, "StripeEvent")) return { ...seen, outcome: "duplicate" };
    await recordFailure(event, error);
    throw new AppError("internal", `Processing ${event.type} ${event.id} failed; Stripe will deliver it again.`, { cause: error });
  }
}

function verifyEvent(rawBody: string, signature: string | null): TWebhookEvent {
  const secrets = env.STRIPE_WEBHOOK_SECRET;
  if (!secrets?.length) {
    throw new AppError("service_unavailable", "Stripe webhooks are not configured on this server (STRIPE_WEBHOOK_SECRET is unset).");
  }
  if (!signature) throw new AppError("bad_request", "The Stripe-Signature header is missing.");

  const secret = secrets.find((candidate) => {
    try {
      return Stripe.webhooks.signature?.verifyHeader(rawBody, signature, candidate) === true;
    } catch {
      return false;
    }
  });
  if (!secret) throw new AppError("bad_request", "The Stripe-Signature header does not match the body (wrong secret, tampered body or too old).");

  // Two kinds of payload carry the same signature scheme: classic snapshot events (webhook
  // endpoints) and thin v2 events (event destinations; the SDK refuses those in constructEvent).
  const thin = ZThinEvent.safeParse(parseJson(rawBody));
  if (thin.success) {
    return { kind: "thin", id: thin.data.id, type: thin.data.type, createdAt: new Date(thin.data.created), event: thin.data };
  }
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret);
  } catch {
    throw new AppError("bad_request", "The body is not a Stripe event.");
  }
  if (event.object !== "event" || !event.id || !event.type) throw new AppError("bad_request", "The body is not a Stripe event.");
  return { kind: "snapshot", id: event.id, type: event.type, createdAt: new Date(event.created * 1000), event };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AppError("malformed_json", "The body is not valid JSON.");
  }
}

function eventRow(event: TWebhookEvent) {
  return { id: event.id, type: event.type, stripeCreatedAt: event.createdAt };
}


async function recordFailure(event: TWebhookEvent, error: unknown): Promise<void> {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(JSON.stringify({ level: "error", msg: "stripe webhook failed", event_id: event.id, type: event.type, error: message }));
  try {
    await db.stripeEventFailure.create({ data: { eventId: event.id, type: event.type, error: message.slice(0, MAX_ERROR_LENGTH) } });
  } catch (recordError) {
    console.error(JSON.stringify({ level: "error", msg: "could not record the webhook failure", event_id: event.id }), recordError);
  }
}
