// Stripe's v1 form encoding (SEMANTICS.md §0.1): bracketed keys decoded into nested values.
import { describe, expect, it } from "vitest";
import { decodeForm, encodeForm } from "../../tools/stripe-emulator/core/form";

describe("decodeForm", () => {
  it("keeps flat values as strings", () => {
    expect(decodeForm("email=a%40b.example&name=Ada+Lovelace&limit=3")).toEqual({ email: "a@b.example", name: "Ada Lovelace", limit: "3" });
  });

  it("nests bracketed keys", () => {
    expect(decodeForm("metadata[tenant]=t_1&metadata[plan]=pro&default_aggregation[formula]=sum")).toEqual({
      metadata: { tenant: "t_1", plan: "pro" },
      default_aggregation: { formula: "sum" },
    });
  });

  it("turns indexed keys into arrays in index order, with nested objects inside", () => {
    expect(decodeForm("items[1][price]=price_b&items[0][price]=price_a&items[0][metadata][k]=v")).toEqual({
      items: [{ price: "price_a", metadata: { k: "v" } }, { price: "price_b" }],
    });
  });

  it("appends `[]` keys in order (the curl form of arrays)", () => {
    expect(decodeForm("expand[]=customer&expand[]=data.latest_invoice")).toEqual({ expand: ["customer", "data.latest_invoice"] });
    expect(decodeForm("enabled_events[]=*")).toEqual({ enabled_events: ["*"] });
  });

  it("decodes percent-encoded brackets, as the SDK sends them", () => {
    expect(decodeForm("expand%5B0%5D=customer&payload%5Bstripe_customer_id%5D=cus_1")).toEqual({
      expand: ["customer"],
      payload: { stripe_customer_id: "cus_1" },
    });
  });

  it("keeps an empty value (how Stripe clears a field)", () => {
    expect(decodeForm("metadata=&description=")).toEqual({ metadata: "", description: "" });
  });

  it("orders indexes sent out of order", () => {
    expect(decodeForm("tiers[1][up_to]=inf&tiers[0][up_to]=10")).toEqual({ tiers: [{ up_to: "10" }, { up_to: "inf" }] });
  });

  it("keeps sparse numeric keys as an object, so a gap is refused by the parameter's schema", () => {
    expect(decodeForm("tiers[2][up_to]=inf&tiers[0][up_to]=10")).toEqual({ tiers: { "0": { up_to: "10" }, "2": { up_to: "inf" } } });
  });

  it("decodes an empty body to an empty object", () => {
    expect(decodeForm("")).toEqual({});
  });
});

describe("encodeForm", () => {
  it("writes nested objects and arrays with indexes, and decodes back to the same values", () => {
    const value = { customer: "cus_1", items: [{ price: "price_a", quantity: 2 }], metadata: { note: "a&b=c" } };
    const encoded = encodeForm(value);
    expect(encoded).toBe("customer=cus_1&items%5B0%5D%5Bprice%5D=price_a&items%5B0%5D%5Bquantity%5D=2&metadata%5Bnote%5D=a%26b%3Dc");
    expect(decodeForm(encoded)).toEqual({ customer: "cus_1", items: [{ price: "price_a", quantity: "2" }], metadata: { note: "a&b=c" } });
  });

  it("skips undefined values", () => {
    expect(encodeForm({ a: undefined, b: "x" })).toBe("b=x");
  });
});
