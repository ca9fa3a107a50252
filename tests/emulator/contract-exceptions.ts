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
