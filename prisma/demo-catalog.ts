// The demo catalog the seed writes: customers, meters, and Starter / Team / Business plans like a
// real API product. Prices are in minor units (cents) as decimal strings: 0.1 = $0.001.

export const DEMO_CUSTOMERS = [
  { externalId: "acme-corp", name: "Acme Corp", email: "billing@acme.test" },
  { externalId: "globex", name: "Globex", email: "ap@globex.test" },
  { externalId: "initech", name: "Initech", email: "finance@initech.test" },
];

export const DEMO_METERS = [
  { eventName: "api_requests", displayName: "API requests", aggregation: "SUM", unitLabel: "request" },
  { eventName: "ai_tokens", displayName: "AI tokens", aggregation: "SUM", unitLabel: "token" },
  // Storage is reported as the current size; the period bills the last value (Stripe's `last`).
  { eventName: "storage_gb", displayName: "Storage", aggregation: "LAST", unitLabel: "GB" },
] as const;

type TTier = { upTo: number | null; unitPriceMinor: string; flatPriceMinor?: string };
type TCharge = {
  meter: (typeof DEMO_METERS)[number]["eventName"];
  included: number;
  model: "PER_UNIT" | "GRADUATED" | "VOLUME";
  unitPriceMinor?: string;
  tiers?: TTier[];
};

// Prices in minor units (cents), as decimal strings: 0.1 = $0.001.
export const DEMO_PLANS: { key: string; name: string; description: string; baseFeeMinor: bigint; charges: TCharge[] }[] = [
  {
    key: "starter",
    name: "Starter",
    description: "For side projects and prototypes.",
    baseFeeMinor: 4_900n,
    charges: [
      { meter: "api_requests", included: 100_000, model: "PER_UNIT", unitPriceMinor: "0.1" },
      { meter: "ai_tokens", included: 1_000_000, model: "PER_UNIT", unitPriceMinor: "0.0004" },
      { meter: "storage_gb", included: 10, model: "PER_UNIT", unitPriceMinor: "25" },
    ],
  },
  {
    key: "team",
    name: "Team",
    description: "For growing products with steady traffic.",
    baseFeeMinor: 19_900n,
    charges: [
      {
        meter: "api_requests",
        included: 1_000_000,
        model: "GRADUATED",
        tiers: [
          { upTo: 4_000_000, unitPriceMinor: "0.08" },
          { upTo: null, unitPriceMinor: "0.05" },
        ],
      },
      { meter: "ai_tokens", included: 10_000_000, model: "PER_UNIT", unitPriceMinor: "0.0003" },
      { meter: "storage_gb", included: 100, model: "PER_UNIT", unitPriceMinor: "20" },
    ],
  },
  {
    key: "business",
    name: "Business",
    description: "For high volume, with lower prices as usage grows.",
    baseFeeMinor: 99_900n,
    charges: [
      {
        meter: "api_requests",
        included: 10_000_000,
        model: "GRADUATED",
        tiers: [
          { upTo: 40_000_000, unitPriceMinor: "0.03" },
          { upTo: null, unitPriceMinor: "0.02" },
        ],
      },
      { meter: "ai_tokens", included: 100_000_000, model: "PER_UNIT", unitPriceMinor: "0.0002" },
      { meter: "storage_gb", included: 1_000, model: "PER_UNIT", unitPriceMinor: "15" },
    ],
  },
];

export const DEMO_PLAN_KEYS = DEMO_PLANS.map((plan) => plan.key);

/**
 * The demo subscriptions and their usage so far: Acme is past 75 % of Starter's included API
 * requests (so its dashboard shows the alert, and the SMTP catcher its email), Globex is well inside
 * Team. Periods begin when the seed subscribes them, so the usage is recorded just after.
 */
export const DEMO_SUBSCRIPTIONS: { customer: string; plan: string; usage: { meter: (typeof DEMO_METERS)[number]["eventName"]; values: number[] }[] }[] = [
  {
    customer: "acme-corp",
    plan: "starter",
    usage: [
      { meter: "api_requests", values: [12_000, 18_500, 21_000, 16_500, 9_000] },
      { meter: "ai_tokens", values: [150_000, 120_000, 90_000, 60_000] },
      { meter: "storage_gb", values: [4, 6] },
    ],
  },
  {
    customer: "globex",
    plan: "team",
    usage: [
      { meter: "api_requests", values: [120_000, 80_000] },
      { meter: "ai_tokens", values: [900_000] },
      { meter: "storage_gb", values: [35] },
    ],
  },
];
