// THE list of differences tolerated between Stripe's 2024-04-10 spec and what the emulator answers at
// the SDK's 2026-10-28.endive. contract.ts patches each one into the spec before validating.
//
// An entry needs a drift citation: a "Known drift" item of the spec README (tools/stripe-emulator/
// spec/README.md), or a stripe@23 declaration that lacks the field (the README: follow the SDK).
// The helpers below make `npm run typecheck` prove the SDK side: a field listed as removed must be
// absent from the SDK type, an added enum value must be one the SDK type names. A difference
// without a citation is an emulator bug, not an entry here. Fields newer than the spec need no
// entry (no schema in the spec forbids additional properties), and neither do request-only drifts
// (`day` for `value_grouping_window` is a query parameter) or endpoints the emulator does not serve
// (credit grants, alerts, subscription migrate: add them here, derived from the SDK, with the endpoint).
import type Stripe from "stripe";

/** A JSON schema node as the spec writes it (OpenAPI 3.0). */
export type TSchemaNode = { [keyword: string]: unknown };

export type TContractException =
  /** Fields the API no longer has: not required, and refused when present. */
  | { kind: "field-removed"; schema: string; pointer?: string; fields: readonly string[]; drift: string }
  /** Enum values added after the spec. */
  | { kind: "enum-extended"; schema: string; pointer: string; values: readonly string[]; drift: string }
  /** Endpoints newer than the spec, with responses derived from the SDK's declarations. */
  | { kind: "operation-added"; method: "get" | "post" | "delete"; path: string; responses: Record<string, TSchemaNode>; drift: string };

// --- billing credits (Known drift: /v1/billing/credit_grants*, credit_balance_summary and
// credit_balance_transactions* are missing from the spec). Schemas derived from stripe@23's
// resources/Billing/CreditGrants.d.ts, CreditBalanceSummary.d.ts and CreditBalanceTransactions.d.ts.

const nullable = (schema: TSchemaNode): TSchemaNode => ({ ...schema, nullable: true });
const object = (properties: Record<string, TSchemaNode>, nullableFields: readonly string[] = []): TSchemaNode => ({
  type: "object",
  required: Object.keys(properties),
  properties: Object.fromEntries(Object.entries(properties).map(([key, value]) => [key, nullableFields.includes(key) ? nullable(value) : value])),
});
const STRING: TSchemaNode = { type: "string" };
const INTEGER: TSchemaNode = { type: "integer" };
const MONETARY_AMOUNT = object({ type: { type: "string", enum: ["monetary"] }, monetary: object({ currency: STRING, value: INTEGER }) }, ["monetary"]);
const CREDIT_GRANT = object(
  {
    id: { type: "string", pattern: "^credgr_" },
    object: { type: "string", enum: ["billing.credit_grant"] },
    amount: MONETARY_AMOUNT,
    applicability_config: object({
      scope: { type: "object", properties: { price_type: { type: "string", enum: ["metered"] }, prices: { type: "array", items: object({ id: STRING }, ["id"]) } } },
    }),
    category: { type: "string", enum: ["paid", "promotional"] },
    created: INTEGER,
    customer: STRING,
    customer_account: STRING,
    effective_at: INTEGER,
    expires_at: INTEGER,
    livemode: { type: "boolean" },
    metadata: { type: "object", additionalProperties: STRING },
    name: STRING,
    priority: INTEGER,
    test_clock: STRING,
    updated: INTEGER,
    voided_at: INTEGER,
  },
  ["customer_account", "effective_at", "expires_at", "name", "priority", "test_clock", "voided_at"],
);
const INVOICE_REF = object({ invoice: STRING, invoice_line_item: STRING });
const CREDIT_BALANCE_TRANSACTION = object(
  {
    id: { type: "string", pattern: "^cbtxn_" },
    object: { type: "string", enum: ["billing.credit_balance_transaction"] },
    created: INTEGER,
    credit: object({ amount: MONETARY_AMOUNT, credits_application_invoice_voided: INVOICE_REF, type: { type: "string", enum: ["credits_application_invoice_voided", "credits_granted"] } }, ["credits_application_invoice_voided"]),
    credit_grant: STRING,
    debit: object({ amount: MONETARY_AMOUNT, credits_applied: INVOICE_REF, type: { type: "string", enum: ["credits_applied", "credits_expired", "credits_voided"] } }, ["credits_applied"]),
    effective_at: INTEGER,
    livemode: { type: "boolean" },
    test_clock: STRING,
    type: { type: "string", enum: ["credit", "debit"] },
  },
  ["credit", "debit", "test_clock", "type"],
);
const CREDIT_BALANCE_SUMMARY = object(
  {
    object: { type: "string", enum: ["billing.credit_balance_summary"] },
    balances: { type: "array", items: object({ available_balance: MONETARY_AMOUNT, ledger_balance: MONETARY_AMOUNT }) },
    customer: STRING,
    customer_account: STRING,
    livemode: { type: "boolean" },
  },
  ["customer_account"],
);
const list = (items: TSchemaNode): TSchemaNode =>
  object({ object: { type: "string", enum: ["list"] }, data: { type: "array", items }, has_more: { type: "boolean" }, url: STRING });

function creditOperations(): TContractException[] {
  const drift = "Known drift: billing credit endpoints are missing from the spec; shapes from stripe@23 resources/Billing/*.d.ts";
  const operation = (method: "get" | "post", path: string, schema: TSchemaNode): TContractException => ({
    kind: "operation-added",
    method,
    path,
    responses: { 200: schema, default: { $ref: "#/components/schemas/error" } },
    drift,
  });
  return [
    operation("post", "/v1/billing/credit_grants", CREDIT_GRANT),
    operation("get", "/v1/billing/credit_grants", list(CREDIT_GRANT)),
    operation("get", "/v1/billing/credit_grants/{id}", CREDIT_GRANT),
    operation("post", "/v1/billing/credit_grants/{id}", CREDIT_GRANT),
    operation("post", "/v1/billing/credit_grants/{id}/expire", CREDIT_GRANT),
    operation("post", "/v1/billing/credit_grants/{id}/void", CREDIT_GRANT),
    operation("get", "/v1/billing/credit_balance_summary", CREDIT_BALANCE_SUMMARY),
    operation("get", "/v1/billing/credit_balance_transactions", list(CREDIT_BALANCE_TRANSACTION)),
    operation("get", "/v1/billing/credit_balance_transactions/{id}", CREDIT_BALANCE_TRANSACTION),
  ];
}

export const CONTRACT_EXCEPTIONS: readonly TContractException[] = [
  {
    kind: "field-removed",
    schema: "subscription",
    fields: absentFrom<Stripe.Subscription>()(["current_period_start", "current_period_end"]),
    drift: "Known drift, basil 2025-03-31: moved to each subscription item (changelog/basil/2025-03-31/deprecate-subscription-current-period-start-and-end)",
  },
  {
    kind: "field-removed",
    schema: "line_item",
    fields: absentFrom<Stripe.InvoiceLineItem>()(["price", "proration", "type"]),
    drift:
      "Known drift, basil 2025-03-31: `price` replaced by `pricing` (changelog/basil/2025-03-31/invoice-pricing-configurations); " +
      "`proration` and `type` are absent from stripe@23 InvoiceLineItem (resources/InvoiceLineItems.d.ts; the line's origin is now `parent`)",
  },
  {
    kind: "field-removed",
    schema: "invoiceitem",
    fields: absentFrom<Stripe.InvoiceItem>()(["price"]),
    drift: "Known drift, basil 2025-03-31: `price` replaced by `pricing` (changelog/basil/2025-03-31/invoice-pricing-configurations)",
  },
  {
    kind: "field-removed",
    schema: "recurring",
    fields: absentFrom<Stripe.Price.Recurring>()(["aggregate_usage"]),
    drift: "Known drift, basil 2025-03-31: legacy usage-based billing removed (changelog/basil/2025-03-31/deprecate-legacy-usage-based-billing)",
  },
  {
    kind: "field-removed",
    schema: "invoice",
    fields: absentFrom<Stripe.Invoice>()(["paid", "paid_out_of_band", "total_tax_amounts"]),
    drift: "absent from stripe@23 Invoice (resources/Invoices.d.ts: payment state is `status`/`amount_paid`, taxes are `total_taxes`); the spec README: follow the SDK",
  },
  {
    kind: "enum-extended",
    schema: "billing_meter_resource_aggregation_settings",
    pointer: "/properties/formula",
    values: knownValuesOf<Stripe.Billing.Meter.DefaultAggregation.Formula>()(["last"]),
    drift: "Known drift: the `last` meter aggregation formula is missing from the spec",
  },
  {
    kind: "operation-added",
    method: "post",
    path: "/v2/billing/meter_event_stream",
    responses: {
      // MeterEventStreamResource.create(): Promise<void> (resources/V2/Billing/MeterEventStream.d.ts).
      200: { type: "object", maxProperties: 0 },
      default: { $ref: "#/components/schemas/v2.error" },
    },
    drift: "Known drift: /v2/billing/meter_event_stream is not in the v2 spec; shape from the SDK declaration",
  },
  ...creditOperations(),
];

// --- citations the type checker verifies -----------------------------------------------------------

type TAbsentKeys<T, K extends string> = { [P in K]: P extends keyof T ? never : P }[K];
/** The SDK's literal members of an open enum (`'a' | 'b' | OtherString`). */
type TKnownValues<T> = T extends unknown ? (string extends T ? never : T) : never;

/** Fields the SDK type does not have; naming one it has is a type error. */
export function absentFrom<T>() {
  return <const K extends string>(fields: readonly (K & TAbsentKeys<T, K>)[]): readonly string[] => fields;
}

/** Enum values the SDK type names; naming one it does not is a type error. */
export function knownValuesOf<T>() {
  return <const V extends TKnownValues<T> & string>(values: readonly V[]): readonly string[] => values;
}
