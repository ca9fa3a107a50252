// The `invoice.finalized` webhook's data: Tally's copy of the invoice in the conventions of its
// other events (amounts and quantities as exact decimal strings, ISO instants, Stripe's status),
// each line with the meter its price bills.
import { describe, expect, it } from "vitest";
import { invoiceFinalizedEventId, toInvoiceFinalizedData, type TFinalizedInvoice } from "@/lib/webhooks/record-invoice-finalized-webhook";

const invoice: TFinalizedInvoice = {
  stripeInvoiceId: "in_123",
  number: "ACME-0007",
  status: "PAID",
  currency: "eur",
  subtotalMinor: 12_345_678_901_234_567n,
  totalMinor: 12_345_678_901_234_000n,
  amountDueMinor: 0n,
  periodStart: new Date("2026-10-01T00:00:00Z"),
  periodEnd: new Date("2026-11-01T00:00:00Z"),
  hostedUrl: null,
  finalizedAt: new Date("2026-11-01T01:00:05Z"),
  lines: [
    { description: "Team plan", stripePriceId: "price_base", quantity: 1, amountMinor: 4_900n },
    { description: "API calls", stripePriceId: "price_calls", quantity: "41.500000000000", amountMinor: 42n },
    { description: "Adjustment", stripePriceId: null, quantity: null, amountMinor: -10n },
  ],
};
const customer = { id: "0193-customer", externalId: "acme", name: "Acme" };

describe("toInvoiceFinalizedData", () => {
  it("gives amounts as exact strings, quantities normalized, ISO instants, the lower-case status and each metered line's meter", () => {
    expect(toInvoiceFinalizedData(invoice, customer, new Map([["price_calls", "api_calls"]]))).toEqual({
      invoice: {
        id: "in_123",
        number: "ACME-0007",
        status: "paid",
        currency: "eur",
        subtotal_minor: "12345678901234567",
        total_minor: "12345678901234000",
        amount_due_minor: "0",
        period: { start: "2026-10-01T00:00:00.000Z", end: "2026-11-01T00:00:00.000Z" },
        hosted_invoice_url: null,
        finalized_at: "2026-11-01T01:00:05.000Z",
        lines: [
          { description: "Team plan", meter: null, quantity: "1", amount_minor: "4900" },
          { description: "API calls", meter: "api_calls", quantity: "41.5", amount_minor: "42" },
          { description: "Adjustment", meter: null, quantity: null, amount_minor: "-10" },
        ],
      },
      customer: { id: "0193-customer", external_id: "acme", name: "Acme" },
    });
  });

  it("leaves finalized_at null when Stripe gave no finalization time", () => {
    const data = toInvoiceFinalizedData({ ...invoice, finalizedAt: null, lines: [] }, customer, new Map()) as { invoice: { finalized_at: unknown; lines: unknown[] } };
    expect(data.invoice.finalized_at).toBeNull();
    expect(data.invoice.lines).toEqual([]);
  });
});

describe("invoiceFinalizedEventId", () => {
  it("is derived from Stripe's invoice id alone, so every path records the same event", () => {
    expect(invoiceFinalizedEventId("in_123")).toBe("evt_invfin_in_123");
    expect(invoiceFinalizedEventId("in_123")).toBe(invoiceFinalizedEventId("in_123"));
    expect(invoiceFinalizedEventId("in_124")).not.toBe(invoiceFinalizedEventId("in_123"));
  });
});
