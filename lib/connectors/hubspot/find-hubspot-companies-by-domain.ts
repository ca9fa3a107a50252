// The HubSpot companies whose domain is exactly this one (CRM search, `domain` EQ): a customer is
// matched when exactly one is found.
import type { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/companies";
import type { THubSpotClient } from "./hubspot-client";

/** Ids enough to name an ambiguous match to an admin. */
const PAGE_SIZE = 10;

export type THubSpotDomainMatches = { total: number; ids: string[] };

export async function findHubSpotCompaniesByDomain(client: THubSpotClient, domain: string): Promise<THubSpotDomainMatches> {
  const answer = await client.call(
    `search companies by the domain ${domain}`,
    (api) =>
      api.crm.companies.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: "domain", operator: "EQ" as FilterOperatorEnum, value: domain }] }],
        properties: ["domain", "name"],
        limit: PAGE_SIZE,
      }),
    { search: true },
  );
  return { total: answer.total, ids: answer.results.map((company) => company.id) };
}
