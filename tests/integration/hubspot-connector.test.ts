// The HubSpot push connector against the local HubSpot fake (tools/hubspot-fake), through the real
// @hubspot/api-client over HTTP, with links in the real database. Each test starts its own fake and
// makes its own connector and customers; usage summaries are written by hand.
import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { syncHubSpotCompanies, type TSyncHubSpotOptions } from "@/lib/connectors/hubspot/sync-hubspot-companies";
import { ConnectorError, type TUsageSummary } from "@/lib/connectors/types";
import { db } from "@/lib/db";
import { startHubSpotFake, type THubSpotFake, type THubSpotFakeRequest } from "@/tools/hubspot-fake/server";
import { unique } from "./factories";
import { freePort } from "./global-setup";

const now = new Date("2026-11-20T12:00:00Z");
const periodStart = new Date("2026-11-01T00:00:00Z");
const periodEnd = new Date("2026-12-01T00:00:00Z");
/** Retries in milliseconds, so faults cost nothing. */
const fast: TSyncHubSpotOptions = { now, retry: { attempts: 4, baseDelayMs: 2, maxDelayMs: 20 } };

let fake: THubSpotFake;

beforeEach(async () => {
  fake = await startHubSpotFake();
});

afterEach(async () => {
  await fake.stop();
});

async function createConnector(accessToken = fake.accessToken, apiBaseUrl: string | null = fake.url) {
  const row = await db.connector.create({
    data: { kind: "HUBSPOT", name: unique("hubspot"), secretCiphertext: "unused-in-this-test", secretHint: "…oken", intervalMinutes: 15, apiBaseUrl },
  });
  return { id: row.id, accessToken, apiBaseUrl };
}

async function createCustomer(email: string | null) {
  return db.customer.create({ data: { externalId: unique("ext"), name: unique("Customer"), email } });
}

function summaryOf(
  customer: { id: string; externalId: string; name: string; email: string | null },
  usage: Record<string, string> = { api_calls: "1500", storage_gb: "2.5" },
  money: { projectedInvoiceMinor: bigint | null; currency: string | null } = { projectedInvoiceMinor: 12_345n, currency: "usd" },
): TUsageSummary {
  return {
    customerId: customer.id,
    externalId: customer.externalId,
    name: customer.name,
    email: customer.email,
    periodStart,
    periodEnd,
    meters: Object.entries(usage).map(([eventName, quantity]) => ({ eventName, displayName: eventName.replace(/_/g, " "), unitLabel: "unit", quantity })),
    ...money,
  };
}

const calls = (path: string) => fake.requests.filter((request) => request.path === path);
const searchedDomains = () =>
  calls("/crm/v3/objects/companies/search").map((request) => {
    const body = request.body as { filterGroups: { filters: { value: string }[] }[] };
    return body.filterGroups[0]?.filters[0]?.value;
  });
const updateInputs = (request: THubSpotFakeRequest) => (request.body as { inputs: { id: string; properties: Record<string, string> }[] }).inputs;
const domain = (label: string) => `${unique(label)}.test`;

async function syncFailure(run: Promise<unknown>): Promise<ConnectorError> {
  const error = await run.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConnectorError);
  return error as ConnectorError;
}

describe("syncHubSpotCompanies: properties and values", () => {
  it("creates the Tally group and the missing properties once, and writes each company's exact values", async () => {
    fake.properties.set("tally_currency", { ...fake.properties.get("name")!, name: "tally_currency", label: "Currency (set up by hand)", hubspotDefined: false });
    const connector = await createConnector();
    const [acme, globex] = [await createCustomer("billing@acme.test"), await createCustomer("ops@globex.test")];
    const acmeCompany = fake.addCompany({ name: "Acme", domain: "acme.test" });
    const globexCompany = fake.addCompany({ name: "Globex", domain: "globex.test" });
    await db.connectorLink.createMany({
      data: [
        { connectorId: connector.id, customerId: acme.id, externalId: acmeCompany, source: "ADMIN" },
        { connectorId: connector.id, customerId: globex.id, externalId: globexCompany, source: "ADMIN" },
      ],
    });
    const summaries = [summaryOf(acme), summaryOf(globex, { api_calls: "7.000000000000" }, { projectedInvoiceMinor: 1200n, currency: "jpy" })];

    const first = await syncHubSpotCompanies(connector, summaries, fast);
    expect(first).toEqual({ rowsRead: 2, recorded: 2, unchanged: 0, errors: [] });
    expect(fake.groups.get("tally")).toMatchObject({ name: "tally", label: "Tally usage" });
    const created = (calls("/crm/v3/properties/companies/batch/create")[0]?.body as { inputs: { name: string }[] }).inputs.map((input) => input.name);
    expect(created).toEqual(["tally_usage_api_calls", "tally_usage_storage_gb", "tally_period_start", "tally_projected_invoice_amount"]);
    expect(fake.properties.get("tally_usage_api_calls")).toMatchObject({ type: "number", fieldType: "number", groupName: "tally", label: "Tally: api calls this period" });
    expect(fake.properties.get("tally_period_start")).toMatchObject({ type: "datetime", fieldType: "date", groupName: "tally" });
    expect(fake.properties.get("tally_currency")?.label).toBe("Currency (set up by hand)"); // there already: left alone

    expect(fake.companies.get(acmeCompany)?.properties).toMatchObject({
      tally_usage_api_calls: "1500",
      tally_usage_storage_gb: "2.5",
      tally_period_start: "2026-11-01T00:00:00.000Z",
      tally_projected_invoice_amount: "123.45",
      tally_currency: "USD",
    });
    // Globex has no storage usage this period (0) and is billed in yen (no decimals).
    expect(fake.companies.get(globexCompany)?.properties).toMatchObject({
      tally_usage_api_calls: "7",
      tally_usage_storage_gb: "0",
      tally_projected_invoice_amount: "1200",
      tally_currency: "JPY",
    });
    const links = await db.connectorLink.findMany({ where: { connectorId: connector.id } });
    expect(links.map((link) => link.lastSyncedAt?.toISOString())).toEqual([now.toISOString(), now.toISOString()]);

    const before = fake.requests.length;
    const second = await syncHubSpotCompanies(connector, summaries, fast);
    expect(second.recorded).toBe(2);
    const again = fake.requests.slice(before).map((request) => `${request.method} ${request.path}`);
    expect(again).toEqual(["GET /crm/v3/properties/companies", "POST /crm/v3/objects/companies/batch/update"]);
  });

  it("refuses to write into a property of the wrong type that is there already", async () => {
    fake.properties.set("tally_period_start", { ...fake.properties.get("name")!, name: "tally_period_start", hubspotDefined: false });
    const connector = await createConnector();
    const customer = await createCustomer(`a@${domain("typed")}`);
    const error = await syncFailure(syncHubSpotCompanies(connector, [summaryOf(customer)], fast));
    expect(error.code).toBe("hubspot_property_conflict");
    expect(error.message).toContain("tally_period_start is a string property, Tally writes a datetime");
    expect(calls("/crm/v3/objects/companies/batch/update")).toHaveLength(0);
  });
});

describe("syncHubSpotCompanies: matching customers to companies", () => {
  it("uses stored links, finds the rest by email domain (kept as DOMAIN links), and reports those it cannot match", async () => {
    const connector = await createConnector();
    const [linkedDomain, foundDomain, noneDomain, twiceDomain] = [domain("linked"), domain("found"), domain("none"), domain("twice")];
    const linked = await createCustomer(`a@${linkedDomain}`);
    const found = await createCustomer(`Ops@${foundDomain.toUpperCase()}`);
    const unmatched = await createCustomer(`c@${noneDomain}`);
    const ambiguous = await createCustomer(`d@${twiceDomain}`);
    const noEmail = await createCustomer(null);
    const linkedCompany = fake.addCompany({ name: "Linked (by an admin)", domain: "elsewhere.test" });
    fake.addCompany({ name: "Decoy with the linked customer's domain", domain: linkedDomain });
    const foundCompany = fake.addCompany({ name: "Found", domain: foundDomain });
    const twice = [fake.addCompany({ name: "Twice 1", domain: twiceDomain }), fake.addCompany({ name: "Twice 2", domain: twiceDomain })];
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: linked.id, externalId: linkedCompany, source: "ADMIN" } });
    const summaries = [linked, found, unmatched, ambiguous, noEmail].map((customer) => summaryOf(customer));

    const result = await syncHubSpotCompanies(connector, summaries, fast);

    expect(result.rowsRead).toBe(5);
    expect(result.recorded).toBe(2);
    expect(result.errors.map((error) => [error.ref, error.code])).toEqual([
      [unmatched.externalId, "no_company"],
      [ambiguous.externalId, "ambiguous_company"],
      [noEmail.externalId, "no_company"],
    ]);
    expect(result.errors[0]?.detail).toContain(`No HubSpot company has the domain ${noneDomain}: store the HubSpot company id`);
    expect(result.errors[1]?.detail).toContain(`ids ${twice.join(", ")}`);
    expect(searchedDomains().sort()).toEqual([foundDomain, noneDomain, twiceDomain].sort()); // lower-cased; none for the linked customer
    const update = calls("/crm/v3/objects/companies/batch/update");
    expect(update).toHaveLength(1);
    expect(updateInputs(update[0]!).map((input) => input.id)).toEqual([linkedCompany, foundCompany]);
    expect(fake.companies.get(foundCompany)?.properties.tally_usage_api_calls).toBe("1500");

    const link = await db.connectorLink.findUniqueOrThrow({ where: { connectorId_customerId: { connectorId: connector.id, customerId: found.id } } });
    expect(link).toMatchObject({ externalId: foundCompany, source: "DOMAIN", lastSyncedAt: now });

    fake.requests.length = 0;
    const second = await syncHubSpotCompanies(connector, summaries, fast);
    expect(second.recorded).toBe(2);
    expect(searchedDomains()).not.toContain(foundDomain); // the DOMAIN link is used from now on
  });

  it("writes no company that two customers land on", async () => {
    const connector = await createConnector();
    const shared = domain("shared");
    const [first, second] = [await createCustomer(`a@${shared}`), await createCustomer(`b@${shared}`)];
    fake.addCompany({ name: "Shared", domain: shared });
    const result = await syncHubSpotCompanies(connector, [summaryOf(first), summaryOf(second)], fast);
    expect(result.recorded).toBe(0);
    expect(result.errors.map((error) => error.code)).toEqual(["company_shared", "company_shared"]);
    expect(calls("/crm/v3/objects/companies/batch/update")).toHaveLength(0);
    expect(await db.connectorLink.count({ where: { connectorId: connector.id } })).toBe(0);
  });

  it("reports a company HubSpot no longer has, forgets a DOMAIN link to it and keeps an ADMIN one", async () => {
    const connector = await createConnector();
    const byAdmin = await createCustomer(`a@${domain("admin")}`);
    const byDomainName = domain("bydomain");
    const byDomain = await createCustomer(`b@${byDomainName}`);
    const staying = await createCustomer(`c@${domain("staying")}`);
    const adminCompany = fake.addCompany({ name: "Linked by hand" });
    const domainCompany = fake.addCompany({ name: "Found by domain", domain: byDomainName });
    const stayingCompany = fake.addCompany({ name: "Staying" });
    await db.connectorLink.createMany({
      data: [
        { connectorId: connector.id, customerId: byAdmin.id, externalId: adminCompany, source: "ADMIN" },
        { connectorId: connector.id, customerId: staying.id, externalId: stayingCompany, source: "ADMIN" },
      ],
    });
    const summaries = [summaryOf(byAdmin), summaryOf(byDomain), summaryOf(staying)];
    expect((await syncHubSpotCompanies(connector, summaries, fast)).recorded).toBe(3);

    fake.companies.delete(adminCompany); // deleted (or merged) in HubSpot since
    fake.companies.delete(domainCompany);
    const result = await syncHubSpotCompanies(connector, summaries, fast);

    expect(result.recorded).toBe(1);
    expect(result.errors.map((error) => [error.ref, error.code])).toEqual([
      [byAdmin.externalId, "company_not_found"],
      [byDomain.externalId, "company_not_found"],
    ]);
    expect(result.errors[0]?.detail).toContain(`HubSpot company ${adminCompany}, stored for this customer, no longer exists`);
    expect(result.errors[1]?.detail).toContain("the next sync looks for the domain again");
    expect(calls("/crm/v3/objects/companies/batch/update").at(-1)?.status).toBe(207);
    const links = await db.connectorLink.findMany({ where: { connectorId: connector.id }, orderBy: { externalId: "asc" } });
    expect(links.map((link) => [link.customerId, link.source])).toEqual([
      [byAdmin.id, "ADMIN"],
      [staying.id, "ADMIN"],
    ]);

    fake.requests.length = 0;
    const third = await syncHubSpotCompanies(connector, summaries, fast);
    expect(searchedDomains()).toEqual([byDomainName]);
    expect(third.errors.map((error) => error.code)).toEqual(["company_not_found", "no_company"]);
  });

  it("splits more than 100 companies into batches of 100", async () => {
    const connector = await createConnector();
    const customers = Array.from({ length: 205 }, () => ({ id: randomUUID(), externalId: unique("bulk"), name: unique("Bulk"), email: null }));
    await db.customer.createMany({ data: customers });
    const companies = customers.map((customer) => fake.addCompany({ name: customer.name }));
    await db.connectorLink.createMany({ data: customers.map((customer, index) => ({ connectorId: connector.id, customerId: customer.id, externalId: companies[index]!, source: "ADMIN" as const })) });
    const summaries = customers.map((customer, index) => summaryOf(customer, { api_calls: String(index) }));

    const result = await syncHubSpotCompanies(connector, summaries, fast);

    expect(result).toMatchObject({ rowsRead: 205, recorded: 205, errors: [] });
    expect(calls("/crm/v3/objects/companies/batch/update").map((request) => updateInputs(request).length)).toEqual([100, 100, 5]);
    expect(companies.map((id) => fake.companies.get(id)?.properties.tally_usage_api_calls)).toEqual(customers.map((_, index) => String(index)));
  });
});

describe("syncHubSpotCompanies: HubSpot's failures", () => {
  it("waits out two 429s and goes on", async () => {
    const connector = await createConnector();
    const customer = await createCustomer(null);
    const company = fake.addCompany({ name: "Patient" });
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: customer.id, externalId: company, source: "ADMIN" } });
    fake.failNext(2, { status: 429 });

    const result = await syncHubSpotCompanies(connector, [summaryOf(customer)], fast);

    expect(result.recorded).toBe(1);
    expect(fake.requests.slice(0, 3).map((request) => [request.path, request.status])).toEqual([
      ["/crm/v3/properties/companies", 429],
      ["/crm/v3/properties/companies", 429],
      ["/crm/v3/properties/companies", 200],
    ]);
    expect(fake.companies.get(company)?.properties.tally_usage_api_calls).toBe("1500");
  });

  it("waits as long as X-HubSpot-RateLimit-Interval-Milliseconds says, and tries a 5xx again", async () => {
    const connector = await createConnector();
    const customer = await createCustomer(null);
    const company = fake.addCompany({ name: "Window" });
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: customer.id, externalId: company, source: "ADMIN" } });
    fake.failNext(1, { status: 429, headers: { "X-HubSpot-RateLimit-Interval-Milliseconds": "300", "X-HubSpot-RateLimit-Remaining": "0" } });
    fake.failNext(1, { status: 503 });

    const result = await syncHubSpotCompanies(connector, [summaryOf(customer)], { now, retry: { attempts: 4, baseDelayMs: 2, maxDelayMs: 5_000 } });

    expect(result.recorded).toBe(1);
    const [limited, unavailable, answered] = fake.requests;
    expect([limited?.status, unavailable?.status, answered?.status]).toEqual([429, 503, 200]);
    expect(unavailable!.at - limited!.at).toBeGreaterThanOrEqual(295);
    expect(answered!.at - unavailable!.at).toBeLessThan(250); // the 503: a short exponential wait
  });

  it("tries again after answers the SDK cannot read (a proxy's error pages), then gives up with hubspot_unavailable", async () => {
    const connector = await createConnector();
    const customer = await createCustomer(null);
    const company = fake.addCompany({ name: "Behind a proxy" });
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: customer.id, externalId: company, source: "ADMIN" } });
    fake.failNext(1, { status: 502, body: "<html>Bad gateway</html>", headers: { "Content-Type": "text/html" } });
    fake.failNext(1, { status: 504, body: "gateway timeout", headers: { "Content-Type": "application/octet-stream" } });

    expect((await syncHubSpotCompanies(connector, [summaryOf(customer)], fast)).recorded).toBe(1);
    expect(fake.requests.slice(0, 3).map((request) => request.status)).toEqual([502, 504, 200]);

    fake.failNext(10, { status: 502, body: "", headers: { "Content-Type": "application/octet-stream" } });
    const error = await syncFailure(syncHubSpotCompanies(connector, [summaryOf(customer)], fast));
    expect(error.code).toBe("hubspot_unavailable");
    expect(error.message).toContain("could not be read after 4 attempts");
  });

  it("gives up on a 429 that does not end, with a message for the admin", async () => {
    const connector = await createConnector();
    const customer = await createCustomer(`a@${domain("limited")}`);
    fake.failNext(10, { status: 429 });

    const error = await syncFailure(syncHubSpotCompanies(connector, [summaryOf(customer)], fast));

    expect(error.code).toBe("hubspot_rate_limited");
    expect(error.message).toContain("You have reached your ten_secondly_rolling limit.");
    expect(error.message).toContain("after 4 attempts");
    expect(fake.requests.map((request) => request.status)).toEqual([429, 429, 429, 429]);
  });

  it("turns a refused token into hubspot_unauthorized, without the token in the message", async () => {
    const connector = await createConnector("pat-na1-wrong-token-0000");
    const customer = await createCustomer(`a@${domain("refused")}`);

    const error = await syncFailure(syncHubSpotCompanies(connector, [summaryOf(customer)], fast));

    expect(error.code).toBe("hubspot_unauthorized");
    expect(error.message).toMatch(/^HubSpot refused the access token \(401\): Authentication credentials not found/);
    expect(error.message).not.toContain("pat-na1-wrong-token-0000");
    expect(fake.requests).toHaveLength(1); // a 401 is not tried again
    expect(await db.connectorLink.count({ where: { connectorId: connector.id } })).toBe(0);
  });

  it("turns an unreachable HubSpot into hubspot_unreachable", async () => {
    const connector = await createConnector(fake.accessToken, `http://127.0.0.1:${await freePort()}`);
    const customer = await createCustomer(null);

    const error = await syncFailure(syncHubSpotCompanies(connector, [summaryOf(customer)], fast));

    expect(error.code).toBe("hubspot_unreachable");
    expect(error.message).toContain("Could not reach HubSpot at http://127.0.0.1:");
  });

  it("gets every company through HubSpot's search limit (the fake enforces it): searches are paced, and a 429 is waited out", async () => {
    const connector = await createConnector();
    const customers = [];
    for (let index = 0; index < 10; index++) {
      const name = domain(`paced${index}`);
      fake.addCompany({ name, domain: name });
      customers.push(await createCustomer(`x@${name}`));
    }

    const result = await syncHubSpotCompanies(connector, customers.map((customer) => summaryOf(customer)), { now }); // the default pacing and retries

    expect(result).toMatchObject({ recorded: 10, errors: [] });
    // One successful search per domain; on a loaded machine requests may still arrive bunched and
    // meet a 429, which is retried (the pacing itself: tests/unit/create-window-limiter.test.ts).
    const searches = calls("/crm/v3/objects/companies/search");
    expect(searches.filter((request) => request.status === 200)).toHaveLength(10);
    expect(searches.every((request) => request.status === 200 || request.status === 429)).toBe(true);
  });
});
