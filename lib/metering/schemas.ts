// The ingestion API's input: the SHAPE of usage events (types, required and unknown fields). A
// shape error is a 400. The rules that need the catalog or the clock (unknown customer, values the
// meter refuses, timestamps Stripe would refuse) are checked by `checkUsageEvent`, and are a 422.
import { z } from "zod";

/** At most this many events in one request. */
export const MAX_EVENTS_PER_REQUEST = 1_000;
/** At most this many bytes of body; a larger body is refused before it is read whole (413). */
export const MAX_EVENTS_BODY_BYTES = 2 * 1024 * 1024;

export const MAX_PROPERTIES = 50;
export const MAX_PROPERTY_KEY_LENGTH = 40;
export const MAX_PROPERTY_VALUE_LENGTH = 500;

// Postgres text cannot hold NUL, and JSON with a lone UTF-16 surrogate is not valid Unicode.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Text Postgres can store: no NUL character, no lone surrogate. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

const zText = (message: string) => z.string({ error: message }).refine(isStorableText, "Must be valid Unicode text without NUL characters.");

const ZPropertyValue = z.union([zText("").max(MAX_PROPERTY_VALUE_LENGTH), z.number(), z.boolean(), z.null()], {
  error: `Property values are strings (at most ${MAX_PROPERTY_VALUE_LENGTH} characters), numbers, booleans or null; properties are flat.`,
});

export const ZUsageEventInput = z.strictObject({
  /** Unique per customer; replays with the same payload answer the original event. */
  idempotency_key: z.string({ error: "Required: a string unique per customer, at most 100 characters." }),
  /** The customer's external id. */
  customer: zText("Required: the customer's external id.").min(1, "Required: the customer's external id."),
  /** The meter's event name. */
  meter: zText("Required: the meter's event name.").min(1, "Required: the meter's event name."),
  /** A number or a decimal string; optional for COUNT meters (default 1). */
  // Not z.number(): it refuses 1e999 (Infinity once parsed) as a type error (400), and a value
  // that is not finite is a 422 like every other value Tally cannot bill.
  value: z
    .custom<number | string>((value) => typeof value === "number" || typeof value === "string", { error: "A number or a decimal string, e.g. 12 or \"0.25\"." })
    .meta({ anyOf: [{ type: "number" }, { type: "string" }] })
    .optional(),
  /** RFC 3339 (e.g. 2026-11-21T10:15:00Z) or unix seconds; default: when Tally receives it. */
  timestamp: z.union([z.string(), z.number()], { error: "An RFC 3339 time (2026-11-21T10:15:00Z) or unix seconds." }).optional(),
  /** Flat key/value pairs kept with the event for audit and dispute CSVs. */
  properties: z
    .record(zText("").max(MAX_PROPERTY_KEY_LENGTH, `Property names have at most ${MAX_PROPERTY_KEY_LENGTH} characters.`), ZPropertyValue)
    .refine((properties) => Object.keys(properties).length <= MAX_PROPERTIES, `At most ${MAX_PROPERTIES} properties.`)
    .optional(),
});

export type TUsageEventInput = z.infer<typeof ZUsageEventInput>;

export const ZUsageEventBatchInput = z.strictObject({
  events: z
    .array(ZUsageEventInput, { error: "A list of events." })
    .min(1, "Send at least one event.")
    .max(MAX_EVENTS_PER_REQUEST, `At most ${MAX_EVENTS_PER_REQUEST.toLocaleString("en-US")} events per request; split larger batches.`),
});

/** One event, or `{ "events": [...] }` (told apart by the `events` field, so errors point at the right one). */
export const ZRecordUsageBody = z.unknown().transform((body, ctx) => {
  const isBatch = typeof body === "object" && body !== null && !Array.isArray(body) && "events" in body;
  const result = isBatch ? ZUsageEventBatchInput.safeParse(body) : ZUsageEventInput.safeParse(body);
  if (!result.success) {
    for (const issue of result.error.issues) {
      // One issue per unknown field, located at the field itself.
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) ctx.addIssue({ code: "custom", message: `Unknown field "${key}".`, path: [...issue.path, key] });
      } else if (issue.code === "invalid_key") {
        // A record key's own message (zod wraps it in "Invalid key in record").
        ctx.addIssue({ code: "custom", message: issue.issues[0]?.message ?? issue.message, path: issue.path });
      } else {
        ctx.addIssue({ code: "custom", message: issue.message, path: issue.path });
      }
    }
    return z.NEVER;
  }
  return "events" in result.data ? { batch: true as const, events: result.data.events } : { batch: false as const, events: [result.data] };
});

export type TRecordUsageBody = z.output<typeof ZRecordUsageBody>;

export const ZCustomerUsageQuery = z.strictObject({
  /** One meter's event name; all of the customer's meters when absent. */
  meter: z.string().min(1).max(200).optional(),
});

export const ZCustomerUsageParams = z.strictObject({
  /** The customer's external id (the `customer` of its events), or its Tally id. */
  customerId: z.string().min(1).max(200),
});
