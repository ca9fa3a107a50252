// Customers, products and prices through the official SDK: CRUD, lists and pagination, Stripe's
// validation errors (each naming its `param`), price immutability, `tiers` only when expanded, and
// the events each change emits. Meters come from the meters endpoint (`billing.meters.create`).
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startTestEmulator, type TTestEmulator } from "./harness";

let e: TTestEmulator;

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});
beforeEach(async () => {
  await e.control("POST", "/_emulator/reset");
});

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (error: unknown) => error,
  );
}

/** The request fails with 400 invalid_request_error naming `param`. */
async function expectRefused(promise: Promise<unknown>, param: string): Promise<Stripe.errors.StripeInvalidRequestError> {
  const error = await caught(promise);
  expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  expect(error).toMatchObject({ statusCode: 400, param });
  return error as Stripe.errors.StripeInvalidRequestError;
}

async function eventsFor(type: string, objectId: string): Promise<Stripe.Event[]> {
  const events = await e.stripe.events.list({ type, limit: 100 });
  return events.data.filter((event) => (event.data.object as { id?: string }).id === objectId);
}

const SEMANTICS_TIERS: Stripe.PriceCreateParams.Tier[] = [
  { up_to: 1000, unit_amount: 0 },
  { up_to: 10_000, unit_amount: 2 },
  { up_to: "inf", unit_amount: 1 },
];

async function createMeter(eventName: string): Promise<Stripe.Billing.Meter> {
  return e.stripe.billing.meters.create({ display_name: eventName, event_name: eventName, default_aggregation: { formula: "sum" } });
}

describe("customers", () => {
  it("creates, retrieves, updates and deletes a customer, emitting created / updated / deleted", async () => {
    const created = await e.stripe.customers.create({
      name: "Ada Lovelace",
      email: "ada@tally.example",
      description: "Analytical",
      metadata: { tally_id: "c-1" },
      address: { city: "London", country: "GB" },
      invoice_settings: { footer: "Thank you" },
    });
    expect(created).toMatchObject({
      object: "customer",
      name: "Ada Lovelace",
      email: "ada@tally.example",
      description: "Analytical",
      metadata: { tally_id: "c-1" },
      address: { city: "London", country: "GB", line1: null, line2: null, postal_code: null, state: null },
      balance: 0,
      livemode: false,
      test_clock: null,
      invoice_settings: { footer: "Thank you", custom_fields: null, default_payment_method: null },
    });
    expect(created.id).toMatch(/^cus_/);
    expect(created.invoice_prefix).toMatch(/^[0-9A-F]{8}$/);
    expect(await e.stripe.customers.retrieve(created.id)).toEqual(created);

    const updated = await e.stripe.customers.update(created.id, { email: "ada@lovelace.example", metadata: { plan: "team" }, description: "" });
    // Metadata merges; an empty string clears a field.
    expect(updated).toMatchObject({ email: "ada@lovelace.example", metadata: { tally_id: "c-1", plan: "team" }, description: null });

    const deleted = await e.stripe.customers.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: "customer", deleted: true });
    expect(await e.stripe.customers.retrieve(created.id)).toEqual({ id: created.id, object: "customer", deleted: true });
    const again = await caught(e.stripe.customers.update(created.id, { name: "Ghost" }));
    expect(again).toMatchObject({ statusCode: 404, code: "resource_missing" });
    expect((await e.stripe.customers.list()).data).toEqual([]);

    expect(await eventsFor("customer.created", created.id)).toHaveLength(1);
    const [updateEvent] = await eventsFor("customer.updated", created.id);
    expect(updateEvent?.data.previous_attributes).toEqual({ email: "ada@tally.example", metadata: { tally_id: "c-1" }, description: "Analytical" });
    expect(await eventsFor("customer.deleted", created.id)).toHaveLength(1);
  });

  it("emits no customer.updated when nothing changes", async () => {
    const customer = await e.stripe.customers.create({ name: "Same" });
    await e.stripe.customers.update(customer.id, { name: "Same" });
    expect(await eventsFor("customer.updated", customer.id)).toEqual([]);
  });

  it("lists newest first, pages with starting_after / ending_before, filters by email and created", async () => {
    const first = await e.stripe.customers.create({ email: "a@tally.example" });
    const second = await e.stripe.customers.create({ email: "b@tally.example" });
    const third = await e.stripe.customers.create({ email: "a@tally.example" });

    const page = await e.stripe.customers.list({ limit: 2 });
    expect(page.data.map((customer) => customer.id)).toEqual([third.id, second.id]);
    expect(page.has_more).toBe(true);
    expect(page.url).toBe("/v1/customers");
    const next = await e.stripe.customers.list({ limit: 2, starting_after: second.id });
    expect(next.data.map((customer) => customer.id)).toEqual([first.id]);
    expect(next.has_more).toBe(false);
    const previous = await e.stripe.customers.list({ limit: 1, ending_before: second.id });
    expect(previous.data.map((customer) => customer.id)).toEqual([third.id]);

    const everyone: string[] = [];
    for await (const customer of e.stripe.customers.list({ limit: 1 })) everyone.push(customer.id);
    expect(everyone).toEqual([third.id, second.id, first.id]);

    const byEmail = await e.stripe.customers.list({ email: "a@tally.example" });
    expect(byEmail.data.map((customer) => customer.id)).toEqual([third.id, first.id]);
    // The email filter is case-sensitive, as Stripe's.
    expect((await e.stripe.customers.list({ email: "A@tally.example" })).data).toEqual([]);
    expect((await e.stripe.customers.list({ created: { gt: first.created + 3600 } })).data).toEqual([]);
    expect((await e.stripe.customers.list({ created: { gte: first.created } })).data).toHaveLength(3);
  });

  it("refuses parameters it does not serve, and a payment method it cannot have", async () => {
    await expectRefused(e.stripe.customers.create({ source: "tok_visa" }), "source");
    const customer = await e.stripe.customers.create({});
    // A customer never changes clocks: `test_clock` is not an update parameter.
    await expectRefused(e.stripe.customers.update(customer.id, { test_clock: "clock_x" } as Stripe.CustomerUpdateParams), "test_clock");
    const missing = await expectRefused(
      e.stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: "pm_card_visa" } }),
      "invoice_settings[default_payment_method]",
    );
    expect(missing.code).toBe("resource_missing");
    await expectRefused(e.stripe.customers.create({ test_clock: "clock_missing" }), "test_clock");
    await expectRefused(e.stripe.customers.create({ invoice_prefix: "lower" }), "invoice_prefix");
  });

  it("answers 404 for a customer that never existed", async () => {
    const error = await caught(e.stripe.customers.retrieve("cus_nope"));
    expect(error).toMatchObject({ statusCode: 404, code: "resource_missing", param: "id", message: "No such customer: 'cus_nope'" });
  });
});

describe("products", () => {
  it("creates, retrieves, updates and lists by `active`, emitting product.created / product.updated", async () => {
    const product = await e.stripe.products.create({ name: "API calls", description: "Requests", metadata: { tally_plan: "team" } });
    expect(product).toMatchObject({
      object: "product",
      name: "API calls",
      description: "Requests",
      active: true,
      metadata: { tally_plan: "team" },
      images: [],
      marketing_features: [],
      default_price: null,
      type: "service",
    });
    expect(product.updated).toBe(product.created);
    expect(await e.stripe.products.retrieve(product.id)).toEqual(product);

    const archived = await e.stripe.products.update(product.id, { active: false, name: "API calls (old)" });
    expect(archived).toMatchObject({ active: false, name: "API calls (old)" });
    const other = await e.stripe.products.create({ name: "Seats" });

    expect((await e.stripe.products.list({ active: true })).data.map((item) => item.id)).toEqual([other.id]);
    expect((await e.stripe.products.list({ active: false })).data.map((item) => item.id)).toEqual([product.id]);
    expect((await e.stripe.products.list()).data.map((item) => item.id)).toEqual([other.id, product.id]);
    expect((await e.stripe.products.list({ ids: [product.id] })).data.map((item) => item.id)).toEqual([product.id]);

    expect(await eventsFor("product.created", product.id)).toHaveLength(1);
    const [updateEvent] = await eventsFor("product.updated", product.id);
    expect(updateEvent?.data.previous_attributes).toMatchObject({ active: true, name: "API calls" });
  });

  it("takes a custom id once, sets an own active default price, and deletes only products without prices", async () => {
    const product = await e.stripe.products.create({ id: "prod_tally_team", name: "Team" });
    expect(product.id).toBe("prod_tally_team");
    const duplicate = await expectRefused(e.stripe.products.create({ id: "prod_tally_team", name: "Again" }), "id");
    expect(duplicate.code).toBe("resource_already_exists");

    const price = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: product.id });
    expect((await e.stripe.products.update(product.id, { default_price: price.id })).default_price).toBe(price.id);
    const foreign = await e.stripe.prices.create({ currency: "usd", unit_amount: 5, product_data: { name: "Other" } });
    await expectRefused(e.stripe.products.update(product.id, { default_price: foreign.id }), "default_price");

    const refused = await caught(e.stripe.products.del(product.id));
    expect(refused).toMatchObject({ statusCode: 400, message: "This product cannot be deleted because it has one or more user-created prices." });
    const bare = await e.stripe.products.create({ name: "Unused" });
    expect(await e.stripe.products.del(bare.id)).toEqual({ id: bare.id, object: "product", deleted: true });
    expect(await caught(e.stripe.products.retrieve(bare.id))).toMatchObject({ statusCode: 404 });
    expect(await eventsFor("product.deleted", bare.id)).toHaveLength(1);
  });

  it("refuses shipping and tax parameters as unknown", async () => {
    await expectRefused(e.stripe.products.create({ name: "Box", shippable: true }), "shippable");
    await expectRefused(e.stripe.products.create({ name: "Box", default_price_data: { currency: "usd", unit_amount: 1 } }), "default_price_data");
  });
});

describe("prices", () => {
  it("creates a licensed monthly price and shows it as Stripe does", async () => {
    const product = await e.stripe.products.create({ name: "Team plan" });
    const price = await e.stripe.prices.create({
      currency: "USD",
      unit_amount: 4900,
      product: product.id,
      nickname: "Team monthly",
      lookup_key: "team_monthly",
      metadata: { tally_version: "3" },
      recurring: { interval: "month" },
    });
    expect(price).toMatchObject({
      object: "price",
      active: true,
      billing_scheme: "per_unit",
      currency: "usd",
      custom_unit_amount: null,
      livemode: false,
      lookup_key: "team_monthly",
      metadata: { tally_version: "3" },
      nickname: "Team monthly",
      product: product.id,
      recurring: { interval: "month", interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" },
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: "recurring",
      unit_amount: 4900,
    });
    expect(price.unit_amount_decimal?.toString()).toBe("4900");
    expect(price).not.toHaveProperty("tiers");
    expect(await eventsFor("price.created", price.id)).toHaveLength(1);
  });

  it("keeps a fractional unit_amount_decimal (up to 12 places) with a null unit_amount", async () => {
    const product = await e.stripe.products.create({ name: "Tokens" });
    const fractional = await e.stripe.prices.create({ currency: "usd", unit_amount_decimal: Stripe.Decimal.from("0.000400"), product: product.id });
    expect(fractional.unit_amount).toBeNull();
    expect(fractional.unit_amount_decimal?.toString()).toBe("0.0004");
    const whole = await e.stripe.prices.create({ currency: "usd", unit_amount_decimal: Stripe.Decimal.from("12.000"), product: product.id });
    // A whole decimal is also shown as the integer `unit_amount`.
    expect(whole.unit_amount).toBe(12);
    const tooPrecise = await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount_decimal: Stripe.Decimal.from("0.0000000000001"), product: product.id }),
      "unit_amount_decimal",
    );
    expect(tooPrecise.message).toMatch(/12 decimal places/);
    await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount: 1, unit_amount_decimal: Stripe.Decimal.from("1"), product: product.id }),
      "unit_amount_decimal",
    );
  });

  it("creates a metered price on an existing meter, and refuses one without a meter", async () => {
    const meter = await createMeter("api_requests");
    const product = await e.stripe.products.create({ name: "API requests" });
    const metered = await e.stripe.prices.create({
      currency: "usd",
      unit_amount_decimal: Stripe.Decimal.from("0.05"),
      product: product.id,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    expect(metered.recurring).toMatchObject({ usage_type: "metered", meter: meter.id });

    const noMeter = await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount: 1, product: product.id, recurring: { interval: "month", usage_type: "metered" } }),
      "recurring[meter]",
    );
    expect(noMeter.message).toMatch(/meter/);
    const unknownMeter = await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount: 1, product: product.id, recurring: { interval: "month", usage_type: "metered", meter: "mtr_nope" } }),
      "recurring[meter]",
    );
    expect(unknownMeter.code).toBe("resource_missing");
    await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount: 1, product: product.id, recurring: { interval: "month", meter: meter.id } }),
      "recurring[meter]",
    );
    await expectRefused(
      e.stripe.prices.create({ currency: "usd", unit_amount: 1, product: product.id, recurring: { interval: "month", interval_count: 37 } }),
      "recurring[interval_count]",
    );
  });

  it("creates its product from product_data", async () => {
    const price = await e.stripe.prices.create({ currency: "eur", unit_amount: 300, product_data: { name: "Seat", metadata: { kind: "seat" } } });
    const product = await e.stripe.products.retrieve(price.product as string);
    expect(product).toMatchObject({ name: "Seat", metadata: { kind: "seat" }, active: true });
    await expectRefused(e.stripe.prices.create({ currency: "eur", unit_amount: 300 }), "product");
    await expectRefused(e.stripe.prices.create({ currency: "eur", unit_amount: 300, product: product.id, product_data: { name: "Both" } }), "product_data");
    const missing = await expectRefused(e.stripe.prices.create({ currency: "eur", unit_amount: 300, product: "prod_nope" }), "product");
    expect(missing.code).toBe("resource_missing");
  });

  it("validates tiered prices like Stripe, naming the parameter", async () => {
    const product = await e.stripe.products.create({ name: "Storage" });
    const base = { currency: "usd", product: product.id, billing_scheme: "tiered" } as const;

    await expectRefused(e.stripe.prices.create({ ...base, tiers: SEMANTICS_TIERS }), "tiers_mode");
    await expectRefused(e.stripe.prices.create({ ...base, tiers_mode: "graduated" }), "tiers");
    await expectRefused(
      e.stripe.prices.create({ ...base, tiers_mode: "graduated", tiers: [{ up_to: 1000, unit_amount: 1 }, { up_to: 2000, unit_amount: 1 }] }),
      "tiers[1][up_to]",
    );
    await expectRefused(
      e.stripe.prices.create({ ...base, tiers_mode: "volume", tiers: [{ up_to: "inf", unit_amount: 1 }, { up_to: "inf", unit_amount: 1 }] }),
      "tiers[0][up_to]",
    );
    await expectRefused(
      e.stripe.prices.create({ ...base, tiers_mode: "volume", tiers: [{ up_to: 100, unit_amount: 1 }, { up_to: 50, unit_amount: 1 }, { up_to: "inf", unit_amount: 1 }] }),
      "tiers[1][up_to]",
    );
    await expectRefused(
      e.stripe.prices.create({ ...base, tiers_mode: "graduated", tiers: SEMANTICS_TIERS, transform_quantity: { divide_by: 10, round: "up" } }),
      "transform_quantity",
    );
    const noAmount = await expectRefused(
      e.stripe.prices.create({ ...base, tiers_mode: "graduated", tiers: [{ up_to: 10 }, { up_to: "inf", unit_amount: 1 }] }),
      "tiers[0]",
    );
    expect(noAmount.message).toBe("An entry in the tiers array is missing an amount.");
    await expectRefused(e.stripe.prices.create({ ...base, tiers_mode: "graduated", tiers: SEMANTICS_TIERS, unit_amount: 5 }), "unit_amount");
    await expectRefused(e.stripe.prices.create({ currency: "usd", product: product.id, unit_amount: 5, tiers: SEMANTICS_TIERS }), "tiers");
    await expectRefused(e.stripe.prices.create({ currency: "usd", product: product.id, tiers_mode: "volume", unit_amount: 5 }), "tiers_mode");
    await expectRefused(e.stripe.prices.create({ currency: "usd", product: product.id }), "unit_amount");
  });

  it("returns tiers only when expanded, with `up_to: null` for the last tier", async () => {
    const product = await e.stripe.products.create({ name: "Requests" });
    const price = await e.stripe.prices.create({
      currency: "usd",
      product: product.id,
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      tiers: [
        { up_to: 1000, flat_amount: 500, unit_amount: 0 },
        { up_to: "inf", unit_amount_decimal: Stripe.Decimal.from("0.25") },
      ],
    });
    expect(price).toMatchObject({ billing_scheme: "tiered", tiers_mode: "graduated", unit_amount: null, unit_amount_decimal: null });
    expect(price).not.toHaveProperty("tiers");
    expect(await e.stripe.prices.retrieve(price.id)).not.toHaveProperty("tiers");

    const expanded = await e.stripe.prices.retrieve(price.id, { expand: ["tiers"] });
    const tiers = expanded.tiers?.map((tier) => ({
      up_to: tier.up_to,
      flat_amount: tier.flat_amount,
      flat_amount_decimal: tier.flat_amount_decimal?.toString() ?? null,
      unit_amount: tier.unit_amount,
      unit_amount_decimal: tier.unit_amount_decimal?.toString() ?? null,
    }));
    expect(tiers).toEqual([
      { up_to: 1000, flat_amount: 500, flat_amount_decimal: "500", unit_amount: 0, unit_amount_decimal: "0" },
      { up_to: null, flat_amount: null, flat_amount_decimal: null, unit_amount: null, unit_amount_decimal: "0.25" },
    ]);

    const perUnit = await e.stripe.prices.create({ currency: "usd", unit_amount: 7, product: product.id });
    const listed = await e.stripe.prices.list({ expand: ["data.tiers"] });
    expect(listed.data.find((item) => item.id === price.id)?.tiers).toHaveLength(2);
    expect(listed.data.find((item) => item.id === perUnit.id)?.tiers).toBeUndefined();
    expect((await e.stripe.prices.list()).data.every((item) => !("tiers" in item))).toBe(true);
    // The event shows the price as a plain retrieve does.
    const [created] = await eventsFor("price.created", price.id);
    expect(created?.data.object).not.toHaveProperty("tiers");
  });

  it("is immutable except active, metadata, nickname and lookup_key", async () => {
    const product = await e.stripe.products.create({ name: "Seats" });
    const price = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: product.id, recurring: { interval: "month" } });

    const updated = await e.stripe.prices.update(price.id, { active: false, nickname: "Legacy", metadata: { reason: "repriced" }, lookup_key: "seats_v1" });
    expect(updated).toMatchObject({ active: false, nickname: "Legacy", metadata: { reason: "repriced" }, lookup_key: "seats_v1", unit_amount: 1000 });
    const [event] = await eventsFor("price.updated", price.id);
    expect(event?.data.previous_attributes).toEqual({ active: true, nickname: null, metadata: {}, lookup_key: null });

    for (const [param, value] of [
      ["unit_amount", 2000],
      ["currency", "eur"],
      ["recurring", { interval: "year" }],
      ["product", product.id],
    ] as const) {
      const refused = await expectRefused(e.stripe.prices.update(price.id, { [param]: value } as Stripe.PriceUpdateParams), param);
      expect(refused.message).toBe(`Received unknown parameter: ${param}`);
    }
    expect((await e.stripe.prices.retrieve(price.id)).unit_amount).toBe(1000);
    await expectRefused(e.stripe.prices.create({ currency: "usd", unit_amount: 1, product: product.id, colour: "red" } as Stripe.PriceCreateParams), "colour");
  });

  it("keeps lookup keys unique, moving one only with transfer_lookup_key", async () => {
    const product = await e.stripe.products.create({ name: "Team" });
    const v1 = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: product.id, lookup_key: "team" });
    await expectRefused(e.stripe.prices.create({ currency: "usd", unit_amount: 1200, product: product.id, lookup_key: "team" }), "lookup_key");
    const v2 = await e.stripe.prices.create({ currency: "usd", unit_amount: 1200, product: product.id, lookup_key: "team", transfer_lookup_key: true });
    expect(v2.lookup_key).toBe("team");
    expect((await e.stripe.prices.retrieve(v1.id)).lookup_key).toBeNull();
    expect((await e.stripe.prices.list({ lookup_keys: ["team"] })).data.map((price) => price.id)).toEqual([v2.id]);
  });

  it("lists newest first with filters on product, active, type, currency and recurring", async () => {
    const meter = await createMeter("tokens");
    const team = await e.stripe.products.create({ name: "Team" });
    const other = await e.stripe.products.create({ name: "Other" });
    const oneTime = await e.stripe.prices.create({ currency: "usd", unit_amount: 500, product: team.id });
    const monthly = await e.stripe.prices.create({ currency: "usd", unit_amount: 1000, product: team.id, recurring: { interval: "month" } });
    const yearlyEur = await e.stripe.prices.create({ currency: "eur", unit_amount: 9000, product: team.id, recurring: { interval: "year" } });
    const metered = await e.stripe.prices.create({
      currency: "usd",
      unit_amount: 1,
      product: other.id,
      recurring: { interval: "month", usage_type: "metered", meter: meter.id },
    });
    await e.stripe.prices.update(oneTime.id, { active: false });
    const ids = async (params: Stripe.PriceListParams) => (await e.stripe.prices.list(params)).data.map((price) => price.id);

    expect(await ids({})).toEqual([metered.id, yearlyEur.id, monthly.id, oneTime.id]);
    expect(await ids({ product: team.id })).toEqual([yearlyEur.id, monthly.id, oneTime.id]);
    expect(await ids({ active: false })).toEqual([oneTime.id]);
    expect(await ids({ type: "one_time" })).toEqual([oneTime.id]);
    expect(await ids({ currency: "eur" })).toEqual([yearlyEur.id]);
    expect(await ids({ recurring: { usage_type: "metered" } })).toEqual([metered.id]);
    expect(await ids({ recurring: { interval: "month", usage_type: "licensed" } })).toEqual([monthly.id]);
    expect(await ids({ recurring: { meter: meter.id } })).toEqual([metered.id]);
    const page = await e.stripe.prices.list({ limit: 3 });
    expect(page.has_more).toBe(true);
    expect((await e.stripe.prices.list({ limit: 3, starting_after: page.data[2]?.id })).data.map((price) => price.id)).toEqual([oneTime.id]);
  });
});
