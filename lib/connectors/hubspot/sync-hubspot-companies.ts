// Pushes each customer's usage in its current billing period onto its HubSpot company: makes sure
// the Tally properties exist, matches customers to companies (stored links, else the email's
// domain, kept as a DOMAIN link), and writes the values 100 companies a request. Safe to run
// again at any time: every run writes the whole current state.
//
// The whole run fails (ConnectorError) when HubSpot refuses the token, keeps rate limiting, cannot
// be reached, or refuses the properties; a customer that cannot be matched or written is a row
// error (ref: its external id) and the others still go through.
import { db as defaultDb, type TDb } from "@/lib/db";
import type { TConnectorRowError, TConnectorRunResult, TUsageSummary } from "../types";
import { computeEmailDomain } from "./email-domain";
import { ensureHubSpotProperties } from "./ensure-hubspot-properties";
import { findHubSpotCompaniesByDomain, type THubSpotDomainMatches } from "./find-hubspot-companies-by-domain";
import { createHubSpotClient, type THubSpotClient, type THubSpotRateLimits } from "./hubspot-client";
import { computeHubSpotMatches, type THubSpotLink } from "./hubspot-matches";
import { computeHubSpotProperties } from "./hubspot-properties";
import { computeHubSpotPropertyValues } from "./hubspot-property-values";
import type { THubSpotRetryOptions } from "./hubspot-retry-delay";
import { updateHubSpotCompanies } from "./update-hubspot-companies";

/** Domain searches in flight at once (the client paces them under HubSpot's search limit). */
const SEARCH_CONCURRENCY = 4;

export type THubSpotConnector = { id: string; accessToken: string; apiBaseUrl: string | null };

export type TSyncHubSpotOptions = {
  now: Date;
  db?: TDb;
  retry?: THubSpotRetryOptions;
  limits?: THubSpotRateLimits;
  timeoutMs?: number;
};

export async function syncHubSpotCompanies(connector: THubSpotConnector, summaries: readonly TUsageSummary[], options: TSyncHubSpotOptions): Promise<TConnectorRunResult> {
  const db = options.db ?? defaultDb;
  const result: TConnectorRunResult = { rowsRead: summaries.length, recorded: 0, unchanged: 0, errors: [] };
  if (summaries.length === 0) return result;

  const client = createHubSpotClient({
    accessToken: connector.accessToken,
    apiBaseUrl: connector.apiBaseUrl,
    retry: options.retry,
    limits: options.limits,
    timeoutMs: options.timeoutMs,
  });
  const meters = new Map(summaries.flatMap((summary) => summary.meters.map((meter) => [meter.eventName, meter] as const)));
  await ensureHubSpotProperties(client, computeHubSpotProperties([...meters.values()]));

  const rows = await db.connectorLink.findMany({
    where: { connectorId: connector.id, customerId: { in: summaries.map((summary) => summary.customerId) } },
    select: { customerId: true, externalId: true, source: true },
  });
  const links = new Map<string, THubSpotLink>(rows.map((row) => [row.customerId, { externalId: row.externalId, source: row.source }]));
  const domains = new Set(summaries.filter((summary) => !links.has(summary.customerId)).flatMap((summary) => computeEmailDomain(summary.email) ?? []));
  const searches = await searchDomains(client, [...domains]);
  const { targets, errors } = computeHubSpotMatches(summaries, links, searches);

  const found = targets.filter((target) => target.found);
  if (found.length > 0) {
    await db.connectorLink.createMany({
      data: found.map((target) => ({ connectorId: connector.id, customerId: target.summary.customerId, externalId: target.companyId, source: "DOMAIN" as const })),
      skipDuplicates: true,
    });
  }

  const eventNames = [...meters.keys()];
  const outcome = await updateHubSpotCompanies(
    client,
    targets.map((target) => ({ id: target.companyId, properties: computeHubSpotPropertyValues(target.summary, eventNames) })),
  );

  const missing = new Set(outcome.missing);
  const rejected = new Map(outcome.rejected.map((entry) => [entry.id, entry.message]));
  for (const target of targets) {
    const ref = target.summary.externalId;
    if (missing.has(target.companyId)) {
      const detail =
        target.source === "ADMIN"
          ? `HubSpot company ${target.companyId}, stored for this customer, no longer exists (deleted, or merged into another): store the company's current id.`
          : `HubSpot company ${target.companyId}, found by the domain ${target.domain ?? computeEmailDomain(target.summary.email) ?? "of the customer's email"}, no longer exists (deleted, or merged into another): the next sync looks for the domain again.`;
      errors.push({ ref, code: "company_not_found", detail });
    } else if (rejected.has(target.companyId)) {
      errors.push({ ref, code: "hubspot_rejected", detail: `HubSpot did not update company ${target.companyId}: ${rejected.get(target.companyId)}` });
    }
  }
  // A DOMAIN link to a company that is gone is forgotten (the next run searches again); an ADMIN
  // link stays until an admin changes it.
  const gone = targets.filter((target) => target.source === "DOMAIN" && missing.has(target.companyId));
  if (gone.length > 0) {
    await db.connectorLink.deleteMany({
      where: {
        connectorId: connector.id,
        source: "DOMAIN",
        OR: gone.map((target) => ({ customerId: target.summary.customerId, externalId: target.companyId })),
      },
    });
  }

  const updated = new Set(outcome.updated);
  const synced = targets.filter((target) => updated.has(target.companyId)).map((target) => target.summary.customerId);
  if (synced.length > 0) {
    await db.connectorLink.updateMany({ where: { connectorId: connector.id, customerId: { in: synced } }, data: { lastSyncedAt: options.now } });
  }

  const order = new Map(summaries.map((summary, index) => [summary.externalId, index]));
  result.recorded = synced.length;
  result.errors = errors.sort((a: TConnectorRowError, b: TConnectorRowError) => (order.get(a.ref) ?? 0) - (order.get(b.ref) ?? 0));
  return result;
}

/** Every domain's matches, a few searches at a time; the first failure stops the others. */
async function searchDomains(client: THubSpotClient, domains: readonly string[]): Promise<Map<string, THubSpotDomainMatches>> {
  const searches = new Map<string, THubSpotDomainMatches>();
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < domains.length) {
      const domain = domains[next++] ?? "";
      try {
        searches.set(domain, await findHubSpotCompaniesByDomain(client, domain));
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEARCH_CONCURRENCY, domains.length) }, worker));
  return searches;
}
