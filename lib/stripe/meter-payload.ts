// The payload of Tally's meter events. Stripe meters map events to customers by Stripe customer id
// (payload key `stripe_customer_id`) and read the value from `value`: every meter Tally creates
// (lib/catalog/ensure-stripe-meter.ts) is set up so, and the reporter sends `{ stripe_customer_id, value }`.
// A module of its own, free of the database client, so tools and benchmarks can import it too.
export const METER_CUSTOMER_PAYLOAD_KEY = "stripe_customer_id";
export const METER_VALUE_PAYLOAD_KEY = "value";
