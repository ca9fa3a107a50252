// The closed list of events Tally sends to vendors' webhook endpoints. An endpoint subscribes to
// some of them; a delivery's payload is the envelope { id, type, created, data }.
//
// Only `usage.threshold_crossed` is emitted so far. `usage.period_summary` and `invoice.finalized`
// are declared so that endpoints can subscribe ahead; the issues that emit them flip `emitted`.
import { z } from "zod";

export const WEBHOOK_EVENT_TYPES = ["usage.threshold_crossed", "usage.period_summary", "invoice.finalized"] as const;

export const ZWebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, { error: "Unknown event type." });
export type TWebhookEventType = z.output<typeof ZWebhookEventType>;

/** For people (the admin form): what each event says, and whether Tally sends it yet. */
export const WEBHOOK_EVENT_TYPE_INFO: Record<TWebhookEventType, { description: string; emitted: boolean }> = {
  "usage.threshold_crossed": { description: "a customer crossed 75, 90 or 100 % of a meter's included quota", emitted: true },
  "usage.period_summary": { description: "a customer's usage for a billing period that ended", emitted: false },
  "invoice.finalized": { description: "Stripe finalized a customer's invoice", emitted: false },
};

/** The body of every delivery (and what its signature covers, serialized). */
export type TWebhookEnvelope = {
  /** evt_…: the same for every endpoint and every attempt; receivers dedupe on it. */
  id: string;
  type: TWebhookEventType;
  /** When the event happened, in unix seconds. */
  created: number;
  data: Record<string, unknown>;
};
