// The HubSpot company property that holds one meter's usage: `tally_usage_<slug of the event name>`.
// HubSpot property names are lower-case letters, digits and underscores, start with a letter and
// are at most 100 characters; event names may also hold "." and "-" (and be 100 characters long).
// The name depends on the event name alone (never on which other meters a sync sees), so a meter
// keeps its property from one sync to the next, and two meters never share one.
import { createHash } from "node:crypto";

export const HUBSPOT_USAGE_PROPERTY_PREFIX = "tally_usage_";

/** HubSpot's limit on a property's internal name. */
export const HUBSPOT_PROPERTY_NAME_MAX = 100;

/** Characters of the event name's SHA-256 (hex) that tell apart names whose slugs meet. */
const HASH_LENGTH = 10;

/** A slug kept as is: single underscores between runs of letters and digits, starting with a letter or digit. */
const PLAIN_SLUG = /^[a-z0-9]+(_[a-z0-9]+)*$/;

/**
 * "api_calls" → "tally_usage_api_calls". An event name that is not already such a slug ("api.calls",
 * "api-calls", too long) gets its slug plus "__" and a hash of the exact event name:
 * "tally_usage_api_calls__3f9a0c1b2d". A plain slug never holds "__", so the two kinds never meet,
 * and hashed names differ whenever event names do.
 */
export function computeHubSpotPropertyName(eventName: string): string {
  const room = HUBSPOT_PROPERTY_NAME_MAX - HUBSPOT_USAGE_PROPERTY_PREFIX.length;
  if (PLAIN_SLUG.test(eventName) && eventName.length <= room) return `${HUBSPOT_USAGE_PROPERTY_PREFIX}${eventName}`;
  const hash = createHash("sha256").update(eventName, "utf8").digest("hex").slice(0, HASH_LENGTH);
  const slug = eventName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, room - 2 - HASH_LENGTH)
    .replace(/_+$/, "");
  return `${HUBSPOT_USAGE_PROPERTY_PREFIX}${slug}__${hash}`;
}
