// The closed list of events Tally sends to vendors' webhook endpoints. An endpoint subscribes to
// some of them; a delivery's payload is the envelope { id, type, created, data }.
//
// Who emits them: usage.threshold_crossed lib/billing/evaluate-usage-alerts.ts, usage.period_summary
// lib/connectors/record-usage-summary-webhooks.ts, invoice.finalized lib/stripe/sync-invoice.ts.
import { z } from "zod";

export const WEBHOOK_EVENT_TYPES = ["usage.threshold_crossed", "usage.period_summary", "invoice.finalized"] as const;

export const ZWebhookEventType = z.enum(WEBHOOK_EVENT_TYPES, { error: "Unknown event type." });
export type TWebhookEventType = z.output<typeof ZWebhookEventType>;

/** For people (the admin form): what each event says, and whether Tally sends it yet. */
export const WEBHOOK_EVENT_TYPE_INFO: Record<TWebhookEventType, { description: string; emitted: boolean }> = {
  "usage.threshold_crossed": { description: "a customer crossed 75, 90 or 100 % of a meter's included quota", emitted: true },
  "usage.period_summary": {
    description: "a customer's usage per meter and projected invoice in its billing period, every few minutes, and a final one after the period ends",
    emitted: true,
  },
  "invoice.finalized": { description: "Stripe finalized a customer's invoice: its number, totals and lines", emitted: true },
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
