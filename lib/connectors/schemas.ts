// Connector inputs from the admin forms (server actions). Secrets (a connection URL, a token) are
// only ever inputs: they are sealed before they are stored and never come back to the browser.
import { z } from "zod";
import { env } from "@/lib/env";

const ZName = z.string().trim().min(1, "Name the connector.").max(80, "At most 80 characters.");

const ZInterval = z.coerce
  .number({ error: "Minutes between runs, e.g. 15." })
  .int("Whole minutes.")
  .min(1, "At least every minute.")
  .max(1_440, "At most once a day (1,440 minutes).");

export const ZConnectionUrl = z
  .string()
  .trim()
  .min(1, "Enter the product database's connection URL.")
  .max(2_048, "At most 2,048 characters.")
  .refine((value) => /^postgres(ql)?:\/\/[^/?#]/.test(value) && URL.canParse(value), "A postgres:// URL with a host, e.g. postgres://tally_reader:…@db.internal:5432/product.");

export const ZSourceQuery = z
  .string()
  .trim()
  .min(1, "Enter the query.")
  .max(20_000, "At most 20,000 characters.");

export const ZKeyPrefix = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_-]{0,29}$/, "Lowercase letters, digits, - and _, starting with a letter, at most 30.");

const ZApiBaseUrl = z
  .string()
  .trim()
  .max(2_048)
  .transform((value) => value.replace(/\/+$/, "") || null)
  .refine((value) => value === null || (/^https?:\/\//.test(value) && URL.canParse(value)), "An http(s) URL, or empty for https://api.hubapi.com.");

export const ZSqlSourceCreateInput = z.strictObject({
  name: ZName,
  connectionUrl: ZConnectionUrl,
  mode: z.enum(["RAW", "AGGREGATE"], { error: "Raw events or per-period totals." }),
  query: ZSourceQuery,
  /** Default: from the name. Fixed once created: every event's idempotency key starts with it. */
  keyPrefix: z.union([ZKeyPrefix, z.literal("").transform(() => undefined)]).optional(),
  intervalMinutes: ZInterval.default(env.TALLY_CONNECTOR_INTERVAL_MINUTES),
});
export type TSqlSourceCreateInput = z.output<typeof ZSqlSourceCreateInput>;

export const ZHubSpotConnectorCreateInput = z.strictObject({
  name: ZName,
  accessToken: z.string().trim().min(8, "Paste the private app's access token.").max(500),
  apiBaseUrl: ZApiBaseUrl.optional().transform((value) => value ?? null),
  intervalMinutes: ZInterval.default(env.TALLY_CONNECTOR_INTERVAL_MINUTES),
});
export type THubSpotConnectorCreateInput = z.output<typeof ZHubSpotConnectorCreateInput>;

const ZConnectorId = z.uuid("No such connector.");

export const ZConnectorUpdate = z
  .strictObject({
    name: ZName.optional(),
    enabled: z.boolean().optional(),
    intervalMinutes: ZInterval.optional(),
    query: ZSourceQuery.optional(),
    /** A new secret replaces the stored one; empty keeps it. */
    connectionUrl: z.union([ZConnectionUrl, z.literal("").transform(() => undefined)]).optional(),
    accessToken: z.union([z.string().trim().min(8, "Paste the private app's access token.").max(500), z.literal("").transform(() => undefined)]).optional(),
    apiBaseUrl: ZApiBaseUrl.optional(),
  })
  .refine((value) => Object.values(value).some((field) => field !== undefined), "Nothing to change.");
export type TConnectorUpdate = z.output<typeof ZConnectorUpdate>;

export const ZConnectorUpdateInput = z.strictObject({ connectorId: ZConnectorId, changes: ZConnectorUpdate });
export const ZConnectorIdInput = z.strictObject({ connectorId: ZConnectorId });

export const ZConnectorLinkInput = z.strictObject({
  connectorId: ZConnectorId,
  customerId: z.uuid("No such customer."),
  /** The HubSpot company id (digits); empty removes the stored id. */
  externalId: z
    .string()
    .trim()
    .regex(/^(\d{1,20})?$/, "A HubSpot company id is digits, e.g. 18234567012.")
    .transform((value) => value || null),
});
export type TConnectorLinkInput = z.output<typeof ZConnectorLinkInput>;

/** The connector page's run list: `?runsBefore=<run id>` pages back. Bad values are ignored. */
export const ZConnectorRunsQuery = z.object({ runsBefore: z.uuid().optional().catch(undefined) });
