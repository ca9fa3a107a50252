// The HubSpot connector's pure parts: property names and definitions (hubspot-property-name.ts,
// hubspot-properties.ts), the values written for a customer (hubspot-property-values.ts), and the
// rules around them: email domains, matching customers to companies, and retry waits.
import { describe, expect, it } from "vitest";
import type { TUsageSummary } from "@/lib/connectors/types";
import { computeEmailDomain } from "@/lib/connectors/hubspot/email-domain";
import { computeHubSpotMatches, type THubSpotLink } from "@/lib/connectors/hubspot/hubspot-matches";
import { computeHubSpotProperties } from "@/lib/connectors/hubspot/hubspot-properties";
import { computeHubSpotPropertyName } from "@/lib/connectors/hubspot/hubspot-property-name";
import { computeHubSpotPropertyValues } from "@/lib/connectors/hubspot/hubspot-property-values";
import { computeHubSpotRetryDelay } from "@/lib/connectors/hubspot/hubspot-retry-delay";

/** HubSpot's rule for a property's internal name. */
const VALID_NAME = /^[a-z][a-z0-9_]{0,99}$/;

function summary(overrides: Partial<TUsageSummary> = {}): TUsageSummary {
  return {
    customerId: "c1",
    externalId: "acme",
    name: "Acme",
    email: "billing@acme.test",
    periodStart: new Date("2026-11-01T00:00:00Z"),
    periodEnd: new Date("2026-12-01T00:00:00Z"),
    meters: [{ eventName: "api_calls", displayName: "API calls", unitLabel: "call", quantity: "1500.000000000000" }],
    projectedInvoiceMinor: 12_345n,
    currency: "usd",
    ...overrides,
  };
}

describe("computeHubSpotPropertyName", () => {
  it("keeps an event name that is already a HubSpot slug", () => {
    expect(computeHubSpotPropertyName("api_calls")).toBe("tally_usage_api_calls");
    expect(computeHubSpotPropertyName("storage2")).toBe("tally_usage_storage2");
    expect(computeHubSpotPropertyName("9lives")).toBe("tally_usage_9lives");
  });

  it("gives names that differ only in '.', '-' or '_' properties of their own, the same every time", () => {
    const names = ["api.calls", "api-calls", "api_calls", "api..calls", "api_calls_"].map(computeHubSpotPropertyName);
    expect(new Set(names).size).toBe(names.length);
    expect(computeHubSpotPropertyName("api.calls")).toBe(computeHubSpotPropertyName("api.calls"));
    expect(computeHubSpotPropertyName("api.calls")).toMatch(/^tally_usage_api_calls__[0-9a-f]{10}$/);
    for (const name of names) expect(name).toMatch(VALID_NAME);
  });

  it("never collides a hashed name with a plain one, and stays within 100 characters", () => {
    const hashed = computeHubSpotPropertyName("api.calls");
    const lookalike = hashed.slice("tally_usage_".length); // "api_calls__<hash>" is not a plain slug
    expect(computeHubSpotPropertyName(lookalike)).not.toBe(hashed);
    const long = "a".repeat(100);
    const longer = `${"a".repeat(99)}b`;
    expect(computeHubSpotPropertyName(long)).toMatch(VALID_NAME);
    expect(computeHubSpotPropertyName(long)).not.toBe(computeHubSpotPropertyName(longer));
    expect(computeHubSpotPropertyName("a".repeat(88))).toBe(`tally_usage_${"a".repeat(88)}`); // exactly 100
    expect(computeHubSpotPropertyName("a".repeat(89)).length).toBeLessThanOrEqual(100);
  });
});

describe("computeHubSpotProperties", () => {
  it("defines one number per meter, the period start, the projected invoice and its currency, all in the tally group", () => {
    const definitions = computeHubSpotProperties([
      { eventName: "storage.gb", displayName: "Storage", unitLabel: "GB" },
      { eventName: "api_calls", displayName: "API calls" },
      { eventName: "api_calls", displayName: "API calls" },
    ]);
    expect(definitions.map((definition) => [definition.name, definition.type, definition.fieldType])).toEqual([
      ["tally_usage_api_calls", "number", "number"],
      [computeHubSpotPropertyName("storage.gb"), "number", "number"],
      ["tally_period_start", "datetime", "date"],
      ["tally_projected_invoice_amount", "number", "number"],
      ["tally_currency", "string", "text"],
    ]);
    expect(definitions.every((definition) => definition.groupName === "tally")).toBe(true);
    expect(definitions[0]?.label).toBe("Tally: API calls this period");
    expect(definitions[1]?.label).toBe("Tally: Storage this period");
    for (const definition of definitions) expect(definition.name).toMatch(VALID_NAME);
  });
});

describe("computeHubSpotPropertyValues", () => {
  it("writes quantities and the amount as exact decimal strings, the currency upper-case, the period start as ISO 8601", () => {
    const values = computeHubSpotPropertyValues(
      summary({
        meters: [
          { eventName: "api_calls", displayName: "API calls", unitLabel: "call", quantity: "1500.000000000000" },
          { eventName: "storage.gb", displayName: "Storage", unitLabel: "GB", quantity: "0.000000000001" },
          { eventName: "seats", displayName: "Seats", unitLabel: "seat", quantity: "123456789012345678901234567.5" },
        ],
      }),
      ["api_calls", "storage.gb", "seats"],
    );
    expect(values).toEqual({
      tally_usage_api_calls: "1500",
      [computeHubSpotPropertyName("storage.gb")]: "0.000000000001",
      tally_usage_seats: "123456789012345678901234567.5",
      tally_period_start: "2026-11-01T00:00:00.000Z",
      tally_projected_invoice_amount: "123.45",
      tally_currency: "USD",
    });
  });

  it("uses the currency's minor unit: none for JPY, three decimals for BHD, never a float", () => {
    expect(computeHubSpotPropertyValues(summary({ projectedInvoiceMinor: 1200n, currency: "jpy" }), []).tally_projected_invoice_amount).toBe("1200");
    expect(computeHubSpotPropertyValues(summary({ projectedInvoiceMinor: 1250n, currency: "BHD" }), []).tally_projected_invoice_amount).toBe("1.250");
    expect(computeHubSpotPropertyValues(summary({ projectedInvoiceMinor: 10n, currency: "eur" }), []).tally_projected_invoice_amount).toBe("0.10");
    const huge = 123_456_789_012_345_678_901n; // beyond a double's exact integers
    expect(computeHubSpotPropertyValues(summary({ projectedInvoiceMinor: huge }), []).tally_projected_invoice_amount).toBe("1234567890123456789.01");
  });

  it("sets 0 for a meter of the sync this customer did not use, and clears the amount and currency without a plan", () => {
    const values = computeHubSpotPropertyValues(summary({ projectedInvoiceMinor: null, currency: null }), ["api_calls", "storage"]);
    expect(values.tally_usage_storage).toBe("0");
    expect(values.tally_usage_api_calls).toBe("1500");
    expect(values.tally_projected_invoice_amount).toBe("");
    expect(values.tally_currency).toBe("");
  });
});

describe("computeEmailDomain", () => {
  it("lower-cases the domain and refuses addresses without one", () => {
    expect(computeEmailDomain("Ann.Lee@Billing.ACME.test")).toBe("billing.acme.test");
    expect(computeEmailDomain(" ops@acme.test. ")).toBe("acme.test");
    expect(computeEmailDomain("\"a@b\"@acme.test")).toBe("acme.test");
    expect(computeEmailDomain(null)).toBeNull();
    expect(computeEmailDomain("nobody")).toBeNull();
    expect(computeEmailDomain("root@localhost")).toBeNull();
  });
});

describe("computeHubSpotMatches", () => {
  const a = summary({ customerId: "a", externalId: "ext-a", email: "a@acme.test" });
  const b = summary({ customerId: "b", externalId: "ext-b", email: "b@globex.test" });

  it("prefers a stored link, then the single company of the email's domain", () => {
    const links = new Map<string, THubSpotLink>([["a", { externalId: "900", source: "ADMIN" }]]);
    const { targets, errors } = computeHubSpotMatches([a, b], links, new Map([["globex.test", { total: 1, ids: ["901"] }]]));
    expect(errors).toEqual([]);
    expect(targets.map((target) => [target.summary.externalId, target.companyId, target.source, target.found])).toEqual([
      ["ext-a", "900", "ADMIN", false],
      ["ext-b", "901", "DOMAIN", true],
    ]);
  });

  it("reports customers with no company, several companies, or no email", () => {
    const c = summary({ customerId: "c", externalId: "ext-c", email: null });
    const searches = new Map([
      ["acme.test", { total: 0, ids: [] }],
      ["globex.test", { total: 12, ids: ["1", "2"] }],
    ]);
    const { targets, errors } = computeHubSpotMatches([a, b, c], new Map(), searches);
    expect(targets).toEqual([]);
    expect(errors.map((error) => [error.ref, error.code])).toEqual([
      ["ext-a", "no_company"],
      ["ext-b", "ambiguous_company"],
      ["ext-c", "no_company"],
    ]);
    expect(errors[0]?.detail).toContain("acme.test");
    expect(errors[1]?.detail).toContain("12 HubSpot companies have the domain globex.test (ids 1, 2, …)");
    expect(errors[2]?.detail).toContain("no email");
  });

  it("writes no company for two customers at once", () => {
    const a2 = summary({ customerId: "a2", externalId: "ext-a2", email: "other@acme.test" });
    const { targets, errors } = computeHubSpotMatches([a, a2, b], new Map([["b", { externalId: "7", source: "DOMAIN" }]]), new Map([["acme.test", { total: 1, ids: ["5"] }]]));
    expect(targets.map((target) => target.summary.externalId)).toEqual(["ext-b"]);
    expect(errors.map((error) => [error.ref, error.code])).toEqual([
      ["ext-a", "company_shared"],
      ["ext-a2", "company_shared"],
    ]);
    expect(errors[0]?.detail).toContain("HubSpot company 5 is also the company of ext-a2");
  });
});

describe("computeHubSpotRetryDelay", () => {
  const options = { baseDelayMs: 100, maxDelayMs: 20_000 };

  it("doubles from the base delay when HubSpot says nothing", () => {
    expect([1, 2, 3, 4].map((attempt) => computeHubSpotRetryDelay({ attempt, status: 502, options }))).toEqual([100, 200, 400, 800]);
    expect(computeHubSpotRetryDelay({ attempt: 20, status: 0, options })).toBe(20_000);
  });

  it("waits out HubSpot's rolling window on a 429, unless requests remain in it", () => {
    const headers = { "x-hubspot-ratelimit-interval-milliseconds": "10000", "x-hubspot-ratelimit-remaining": "0" };
    expect(computeHubSpotRetryDelay({ attempt: 1, status: 429, headers, options })).toBe(10_000);
    expect(computeHubSpotRetryDelay({ attempt: 1, status: 429, headers: { ...headers, "x-hubspot-ratelimit-remaining": "40" }, options })).toBe(100);
    expect(computeHubSpotRetryDelay({ attempt: 1, status: 429, headers, options: { ...options, maxDelayMs: 50 } })).toBe(50);
  });

  it("honours Retry-After in seconds or as a date", () => {
    expect(computeHubSpotRetryDelay({ attempt: 3, status: 429, headers: { "Retry-After": "2" }, options })).toBe(2_000);
    const nowMs = Date.parse("2026-11-05T10:00:00Z");
    expect(computeHubSpotRetryDelay({ attempt: 1, status: 503, headers: { "retry-after": "Thu, 05 Nov 2026 10:00:03 GMT" }, options, nowMs })).toBe(3_000);
  });
});
