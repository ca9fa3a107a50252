// Which HubSpot company each customer is: its stored link, else the one company with its email's
// domain. Pure: the sync reads the links and searches HubSpot, this decides.
import type { TConnectorRowError, TUsageSummary } from "../types";
import { computeEmailDomain } from "./email-domain";
import type { THubSpotDomainMatches } from "./find-hubspot-companies-by-domain";

export type THubSpotLink = { externalId: string; source: "ADMIN" | "DOMAIN" };

export type THubSpotTarget = {
  summary: TUsageSummary;
  companyId: string;
  source: "ADMIN" | "DOMAIN";
  /** Found by domain in this run: the sync stores it as a DOMAIN link. */
  found: boolean;
  /** The domain it was found by (DOMAIN links found in this run). */
  domain?: string;
};

/**
 * `links` by customer id; `searches` by domain (every domain of a customer without a link).
 * Customers without a link or a single company for their domain become row errors (no_company,
 * ambiguous_company); so do customers that land on the same company (company_shared): one company
 * holds one customer's usage, and writing two would make it flip from run to run.
 */
export function computeHubSpotMatches(
  summaries: readonly TUsageSummary[],
  links: ReadonlyMap<string, THubSpotLink>,
  searches: ReadonlyMap<string, THubSpotDomainMatches>,
): { targets: THubSpotTarget[]; errors: TConnectorRowError[] } {
  const errors: TConnectorRowError[] = [];
  const candidates: THubSpotTarget[] = [];
  for (const summary of summaries) {
    const link = links.get(summary.customerId);
    if (link) {
      candidates.push({ summary, companyId: link.externalId, source: link.source, found: false });
      continue;
    }
    const domain = computeEmailDomain(summary.email);
    const matches = domain ? searches.get(domain) : undefined;
    const fail = (code: string, detail: string) => errors.push({ ref: summary.externalId, code, detail });
    if (!domain) {
      const why = summary.email ? `Its email "${summary.email}" has no domain to look for` : "It has no email, so there is no domain to look for";
      fail("no_company", `${why}: store the HubSpot company id for this customer.`);
    } else if (!matches || matches.total === 0) {
      fail("no_company", `No HubSpot company has the domain ${domain}: store the HubSpot company id for this customer, or set the domain on its company in HubSpot.`);
    } else if (matches.total > 1) {
      const more = matches.total > matches.ids.length ? ", …" : "";
      fail("ambiguous_company", `${matches.total} HubSpot companies have the domain ${domain} (ids ${matches.ids.join(", ")}${more}): store the HubSpot company id for this customer.`);
    } else if (matches.ids[0]) {
      candidates.push({ summary, companyId: matches.ids[0], source: "DOMAIN", found: true, domain });
    }
  }

  const byCompany = new Map<string, THubSpotTarget[]>();
  for (const candidate of candidates) byCompany.set(candidate.companyId, [...(byCompany.get(candidate.companyId) ?? []), candidate]);
  const targets: THubSpotTarget[] = [];
  for (const candidate of candidates) {
    const sharing = byCompany.get(candidate.companyId) ?? [];
    if (sharing.length === 1) {
      targets.push(candidate);
      continue;
    }
    const others = sharing.filter((other) => other !== candidate).map((other) => other.summary.externalId);
    errors.push({
      ref: candidate.summary.externalId,
      code: "company_shared",
      detail: `HubSpot company ${candidate.companyId} is also the company of ${others.join(", ")}, and a company holds one customer's usage: store the right HubSpot company id for each of them.`,
    });
  }
  return { targets, errors };
}
