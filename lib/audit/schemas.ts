// The audit log browser's query, from its address (/finance/audit?action=…&customer=…): every field
// optional, an empty field (a GET form sends them all) is no filter, a bad value is an issue naming
// the field. Dates are UTC and the range is half-open: `from` included, `to` excluded.
import { z } from "zod";

/** Where a page of entries ends: the next page holds the entries older than (createdAt, id). */
export type TAuditLogCursor = { createdAt: Date; id: string };

/** `2026-11-21T10:15:00.123Z_1042`: the cursor as it travels in the "Older entries" link. */
export function formatAuditCursor(cursor: TAuditLogCursor): string {
  return `${cursor.createdAt.toISOString()}_${cursor.id}`;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([1-9]\d{0,18})$/;
const CURSOR_MESSAGE = "This page link is damaged: start again from the newest entries.";
const MAX_ID = 9_223_372_036_854_775_807n;

/** One value per field: a repeated parameter counts once, an empty one not at all. */
function param<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => {
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first !== "string") return first;
    const trimmed = first.trim();
    return trimmed === "" ? undefined : trimmed;
  }, schema.optional());
}

/** "subscription.plan_changed" (that action) or "subscription." (every action starting so). */
const ZAction = z
  .string()
  .max(100, "At most 100 characters.")
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/, "An action looks like subscription.plan_changed, or subscription. for every subscription action.")
  .transform((value) => (value.endsWith(".") ? { prefix: value } : { equals: value }));

const ZEntityType = z
  .string()
  .max(100, "At most 100 characters.")
  .regex(/^[a-z0-9_]+$/, "An entity type looks like subscription or api_key.");

const DATE_MESSAGE = "Enter a date as YYYY-MM-DD (UTC), or an ISO 8601 date-time with a zone, e.g. 2026-11-01T00:00:00Z.";
const isDate = (value: string) => z.iso.date().safeParse(value).success;
const isDateTime = (value: string) => z.iso.datetime({ offset: true }).safeParse(value).success;

/** A day (its UTC midnight) or an instant. */
const ZInstant = z.string({ error: DATE_MESSAGE }).transform((value, ctx) => {
  if (isDate(value)) return new Date(`${value}T00:00:00.000Z`);
  if (isDateTime(value)) return new Date(value);
  ctx.addIssue({ code: "custom", message: DATE_MESSAGE });
  return z.NEVER;
});

const ZCursor = z.string({ error: CURSOR_MESSAGE }).transform((value, ctx): TAuditLogCursor => {
  const match = CURSOR.exec(value);
  const createdAt = match ? new Date(match[1] ?? "") : null;
  if (!match || !createdAt || Number.isNaN(createdAt.getTime()) || BigInt(match[2] ?? "0") > MAX_ID) {
    ctx.addIssue({ code: "custom", message: CURSOR_MESSAGE });
    return z.NEVER;
  }
  return { createdAt, id: match[2] ?? "" };
});

export const AUDIT_ACTOR_KINDS = ["user", "api_key", "system"] as const;

export const ZAuditLogQuery = z
  .object({
    action: param(ZAction),
    entityType: param(ZEntityType),
    /** One entity's entries (with entityType, or alone). */
    entityId: param(z.string().max(200, "At most 200 characters.")),
    customer: param(z.uuid("No such customer.")),
    /** Who acted: a person, an API key, or Tally itself. */
    actor: param(z.enum(AUDIT_ACTOR_KINDS, { error: 'Who acted is "user", "api_key" or "system".' })),
    /** Part of the acting person's email (case-insensitive); implies actor=user. */
    email: param(z.string().max(254, "At most 254 characters.")),
    /** One API key's entries; implies actor=api_key. */
    apiKey: param(z.uuid("No such API key.")),
    from: param(ZInstant),
    to: param(ZInstant),
    cursor: param(ZCursor),
  })
  .superRefine((query, ctx) => {
    if (query.email !== undefined && query.actor !== undefined && query.actor !== "user") {
      ctx.addIssue({ code: "custom", path: ["email"], message: "An email finds people: choose “A person” as who, or clear the email." });
    }
    if (query.apiKey !== undefined && query.actor !== undefined && query.actor !== "api_key") {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "Choose “An API key” as who, or “Any API key”." });
    }
    if (query.email !== undefined && query.apiKey !== undefined) {
      ctx.addIssue({ code: "custom", path: ["apiKey"], message: "A person's email or an API key, not both." });
    }
    // zod runs this even when a date failed its own check (then it holds the raw string).
    if (query.from instanceof Date && query.to instanceof Date && query.to.getTime() <= query.from.getTime()) {
      ctx.addIssue({ code: "custom", path: ["to"], message: "Must be after “from” (the range is UTC, from included, to excluded)." });
    }
  })
  .transform(({ action, entityType, entityId, customer, actor, email, apiKey, from, to, cursor }) => ({
    action,
    entityType,
    entityId,
    customerId: customer,
    actor:
      actor === "system"
        ? ({ kind: "SYSTEM" } as const)
        : actor === "api_key" || apiKey !== undefined
          ? ({ kind: "API_KEY", apiKeyId: apiKey } as const)
          : actor === "user" || email !== undefined
            ? ({ kind: "USER", email } as const)
            : undefined,
    from,
    to,
    cursor,
  }));

/** What `findAuditLogs` filters on; every field optional, `{}` is the whole log. */
export type TAuditLogQuery = Partial<z.output<typeof ZAuditLogQuery>>;
