// Which events go where. Classic webhook endpoints and `/v1/events` carry snapshot events only;
// thin events (`v1.billing.meter.error_report_triggered`, …) belong to v2 event destinations,
// which `["*"]` does not include.
import type Stripe from "stripe";

/** A thin (v2) event type such as `v1.billing.meter.no_meter_found`. */
export function isThinEventType(type: string): boolean {
  return /^v\d+\./.test(type);
}

/** Whether an endpoint receives events of this type (`["*"]` means every snapshot event). */
export function endpointReceives(endpoint: Stripe.WebhookEndpoint, type: string): boolean {
  if (endpoint.status !== "enabled" || isThinEventType(type)) return false;
  return endpoint.enabled_events.includes("*") || endpoint.enabled_events.includes(type);
}
