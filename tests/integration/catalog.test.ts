// Meters, plans and customers against the real database and the Stripe emulator: what reaches
// Stripe, that retries and double calls reach it once, and that every change is audited.
import { describe, expect, it } from "vitest";
import { archivePlan } from "@/lib/catalog/archive-plan";
import { createPlanVersion } from "@/lib/catalog/create-plan-version";
import { ensureStripeMeter } from "@/lib/catalog/ensure-stripe-meter";
import { findPlans } from "@/lib/catalog/find-plans";
import { getPlan } from "@/lib/catalog/get-plan";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import { ZMeterInput, ZMeterUpdate, ZPlanVersionInput } from "@/lib/catalog/schemas";
import { toPlanPricing } from "@/lib/catalog/to-plan-pricing";
import { updateMeter } from "@/lib/catalog/update-meter";
import { updatePlanDraft } from "@/lib/catalog/update-plan-draft";
import { createMeter } from "@/lib/catalog/create-meter";
import { findCustomers } from "@/lib/customers/find-customers";
import { updateCustomer } from "@/lib/customers/update-customer";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { adminContext, customer, meter, publishedPlan, slug, tieredPlan } from "./catalog-helpers";

async function stripePricesOf(product: string) {
  const prices = [];
  for await (const price of getStripe().prices.list({ product, limit: 100, expand: ["data.tiers"] })) prices.push(price);
  return prices;
}

async function stripeMetersNamed(eventName: string) {
  const meters = [];
  for await (const meter of getStripe().billing.meters.list({ limit: 100 })) if (meter.event_name === eventName) meters.push(meter);
  return meters;
}

describe("meters", () => {
  it("creates the Stripe meter with the event name, aggregation (a COUNT meter sums the counts the reporter sends), customer mapping and value key", async () => {
    const context = await adminContext();
    const created = await meter(context, { aggregation: "COUNT", displayName: "Logins" });
    expect(created.stripeMeterId).toMatch(/^mtr_/);
    const stripeMeter = await getStripe().billing.meters.retrieve(created.stripeMeterId ?? "");
    expect(stripeMeter).toMatchObject({
      event_name: created.eventName,
      display_name: "Logins",
      default_aggregation: { formula: "sum" },
      customer_mapping: { type: "by_id", event_payload_key: "stripe_customer_id" },
      value_settings: { event_payload_key: "value" },
    });
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityType: "meter", entityId: created.id, action: "meter.created" } });
    expect(audit).toMatchObject({ actorKind: "USER", requestId: context.requestId });
    expect(audit.after).toMatchObject({ eventName: created.eventName, valueScale: "1" });
  });

  it("finishes a creation whose Stripe call never happened, and a double call creates one Stripe meter", async () => {
    const context = await adminContext();
    const input = ZMeterInput.parse({ eventName: slug("tokens"), displayName: "Tokens", aggregation: "SUM", unitLabel: "token" });
    // A crash after the row committed and before Stripe: the row has no Stripe meter yet.
    await db.meter.create({ data: { eventName: input.eventName, displayName: "Tokens", aggregation: "SUM", unitLabel: "token" } });
    const [first, second] = await Promise.all([createMeter(input, context), createMeter(input, context)]);
    expect(first.stripeMeterId).toBe(second.stripeMeterId);
    expect(await stripeMetersNamed(input.eventName)).toHaveLength(1);
    await expect(createMeter({ ...input, displayName: "Other" }, context)).rejects.toMatchObject({ code: "conflict" });
  });

  it("pushes a new display name to Stripe, keeps the event name, and audits before and after", async () => {
    const context = await adminContext();
    const created = await meter(context);
    const updated = await updateMeter(created.id, ZMeterUpdate.parse({ displayName: "Requests", valueScale: "0.001" }), context);
    expect(updated.valueScale.toString()).toBe("0.001");
    const stripeMeter = await getStripe().billing.meters.retrieve(created.stripeMeterId ?? "");
    expect(stripeMeter).toMatchObject({ display_name: "Requests", event_name: created.eventName });
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: created.id, action: "meter.updated" } });
    expect(audit.before).toMatchObject({ displayName: "API calls", valueScale: "1" });
    expect(audit.after).toMatchObject({ displayName: "Requests", valueScale: "0.001" });
    expect(ZMeterUpdate.safeParse({ eventName: "renamed" }).success).toBe(false);
    await expect(updateMeter("00000000-0000-7000-8000-000000000000", { displayName: "x" }, context)).rejects.toMatchObject({ code: "not_found" });
  });

  it("refuses MAX: Stripe meters have no maximum", async () => {
    expect(ZMeterInput.safeParse({ eventName: "peak", displayName: "Peak", aggregation: "MAX", unitLabel: "GB" }).success).toBe(false);
    const row = await db.meter.create({ data: { eventName: slug("peak"), displayName: "Peak", aggregation: "MAX", unitLabel: "GB" } });
    await expect(ensureStripeMeter(row.id)).rejects.toMatchObject({ code: "unprocessable" });
    expect(await stripeMetersNamed(row.eventName)).toHaveLength(0);
  });
});

describe("plans", () => {
  it("publishes a tiered plan: one product, a base fee price and a metered price bound to the meter", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const version = await publishedPlan(context, [calls.id]);
    expect(version).toMatchObject({ status: "PUBLISHED", version: 1 });
    expect(version.publishedAt).toBeInstanceOf(Date);
    const plan = await getPlan(version.planId);
    const product = await getStripe().products.retrieve(plan.stripeProductId ?? "");
    expect(product).toMatchObject({ name: "Team", active: true, metadata: { tally_plan_id: plan.id } });

    const base = await getStripe().prices.retrieve(version.stripeBasePriceId ?? "");
    expect(base).toMatchObject({ unit_amount: 4900, currency: "usd", recurring: { interval: "month", usage_type: "licensed" }, product: product.id });

    const charge = version.charges[0];
    const metered = await getStripe().prices.retrieve(charge?.stripePriceId ?? "", { expand: ["tiers"] });
    expect(metered).toMatchObject({
      product: product.id,
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      recurring: { usage_type: "metered", meter: calls.stripeMeterId, interval: "month" },
    });
    expect(metered.tiers?.map((tier) => [tier.up_to, String(tier.unit_amount_decimal), tier.flat_amount_decimal == null ? null : String(tier.flat_amount_decimal)])).toEqual([
      [1000, "0", null],
      [11000, "0.5", null],
      [null, "0.2", "100"],
    ]);
    expect(toPlanPricing(version)).toMatchObject({ currency: "usd", baseFeeMinor: 4900n });

    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: version.id, action: "plan_version.published" } });
    expect(audit.before).toMatchObject({ status: "DRAFT", baseFeeMinor: "4900" });
    expect(audit.after).toMatchObject({ status: "PUBLISHED" });
  });

  it("publishing twice, or again after a crash lost the stored Stripe ids, creates no duplicate Stripe objects", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const tokens = await meter(context, { displayName: "Tokens" });
    const plan = await tieredPlan(context, [calls.id, tokens.id]);
    const draftId = plan.versions[0]?.id ?? "";
    const first = await publishPlanVersion(draftId, context);
    // The crash: the Stripe objects exist, but the rows lost their ids and the version is a draft again.
    await db.planVersion.update({ where: { id: draftId }, data: { status: "DRAFT", publishedAt: null, stripeBasePriceId: null } });
    await db.planCharge.updateMany({ where: { planVersionId: draftId }, data: { stripePriceId: null } });
    await db.plan.update({ where: { id: plan.id }, data: { stripeProductId: null } });
    const again = await publishPlanVersion(draftId, context);
    const twice = await publishPlanVersion(draftId, context);

    const stored = await getPlan(plan.id);
    expect(again.stripeBasePriceId).toBe(first.stripeBasePriceId);
    expect(twice.charges.map((charge) => charge.stripePriceId)).toEqual(first.charges.map((charge) => charge.stripePriceId));
    const products = [];
    for await (const product of getStripe().products.list({ limit: 100 })) if (product.metadata.tally_plan_id === plan.id) products.push(product);
    expect(products.map((product) => product.id)).toEqual([stored.stripeProductId]);
    expect(await stripePricesOf(stored.stripeProductId ?? "")).toHaveLength(3);
  });

  it("editing a published plan creates version 2; publishing it retires version 1 and leaves it intact", async () => {
    const context = await adminContext();
    const calls = await meter(context);
    const v1 = await publishedPlan(context, [calls.id]);
    await expect(updatePlanDraft(v1.id, ZPlanVersionInput.parse({ currency: "usd", baseFeeMinor: 1 }), context)).rejects.toMatchObject({ code: "conflict" });

    const v2 = await createPlanVersion(v1.planId, context);
    expect(v2).toMatchObject({ version: 2, status: "DRAFT", baseFeeMinor: 4900n, stripeBasePriceId: null });
    expect(v2.charges[0]?.tiers).toHaveLength(2);
    await expect(createPlanVersion(v1.planId, context)).rejects.toMatchObject({ code: "conflict" });

    const edited = await updatePlanDraft(
      v2.id,
      ZPlanVersionInput.parse({ currency: "usd", baseFeeMinor: 9900, charges: [{ meterId: calls.id, pricingModel: "PER_UNIT", unitPriceMinor: "0.25" }] }),
      context,
    );
    expect(edited.charges).toMatchObject([{ pricingModel: "PER_UNIT" }]);
    const published = await publishPlanVersion(v2.id, context);
    expect(published.stripeBasePriceId).not.toBe(v1.stripeBasePriceId);

    const plan = await getPlan(v1.planId);
    expect(plan.versions.map((version) => [version.version, version.status])).toEqual([
      [1, "RETIRED"],
      [2, "PUBLISHED"],
    ]);
    expect(plan.versions[0]?.stripeBasePriceId).toBe(v1.stripeBasePriceId);
    expect(plan.versions[0]?.charges[0]?.tiers).toHaveLength(2);
    const draftAudit = await db.auditLog.findFirstOrThrow({ where: { entityId: v2.id, action: "plan_version.updated" } });
    expect(draftAudit.before).toMatchObject({ baseFeeMinor: "4900", charges: [{ pricingModel: "GRADUATED" }] });
    expect(draftAudit.after).toMatchObject({ baseFeeMinor: "9900", charges: [{ pricingModel: "PER_UNIT", unitPriceMinor: "0.25" }] });
  });

  it("refuses charges on unknown meters, and archives a plan (Stripe product inactive)", async () => {
    const context = await adminContext();
    await expect(tieredPlan(context, ["00000000-0000-7000-8000-000000000000"])).rejects.toMatchObject({
      code: "unprocessable",
      errors: [{ pointer: "/version/charges/0/meterId" }],
    });
    const calls = await meter(context);
    const version = await publishedPlan(context, [calls.id]);
    const archived = await archivePlan(version.planId, context);
    expect(archived.status).toBe("ARCHIVED");
    expect(await getStripe().products.retrieve(archived.stripeProductId ?? "")).toMatchObject({ active: false });
    expect((await findPlans({ status: "ACTIVE" })).some((plan) => plan.id === version.planId)).toBe(false);
    await expect(createPlanVersion(version.planId, context)).rejects.toMatchObject({ code: "conflict" });
  });
});

describe("customers", () => {
  it("creates the Stripe customer once, with Tally's id in its metadata", async () => {
    const context = await adminContext();
    const created = await customer(context);
    expect(created.stripeCustomerId).toMatch(/^cus_/);
    const stripeCustomer = await getStripe().customers.retrieve(created.stripeCustomerId ?? "");
    expect(stripeCustomer).toMatchObject({ name: "Acme Corp", email: created.email, metadata: { tally_customer_id: created.id } });
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityId: created.id, action: "customer.created" } });
    expect(audit).toMatchObject({ customerId: created.id });
  });

  it("finishes a creation cut short before Stripe; a second creation of a finished customer is a conflict", async () => {
    const context = await adminContext();
    const externalId = slug("globex");
    const row = await db.customer.create({ data: { externalId, name: "Globex", email: null } });
    const { createCustomer } = await import("@/lib/customers/create-customer");
    const input = { externalId, name: "Globex", email: null };
    const finished = await createCustomer(input, context);
    expect(finished.id).toBe(row.id);
    const list = await getStripe().customers.list({ limit: 100 });
    expect(list.data.filter((candidate) => candidate.metadata.tally_customer_id === row.id)).toHaveLength(1);
    await expect(createCustomer(input, context)).rejects.toMatchObject({ code: "conflict" });
  });

  it("finds customers by name, external id or email, a page at a time, and updates name and email in Stripe", async () => {
    const context = await adminContext();
    const created = await customer(context);
    const byExternal = await findCustomers({ search: created.externalId.toUpperCase() });
    expect(byExternal.customers.map((row) => row.id)).toEqual([created.id]);
    expect((await findCustomers({ search: created.email ?? "" })).total).toBe(1);
    const page = await findCustomers({ pageSize: 1, page: 2 });
    expect(page.customers).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(2);

    const updated = await updateCustomer(created.id, { name: "Acme Inc" }, context);
    expect(updated.name).toBe("Acme Inc");
    expect(await getStripe().customers.retrieve(created.stripeCustomerId ?? "")).toMatchObject({ name: "Acme Inc" });
    await expect(updateCustomer("00000000-0000-7000-8000-000000000000", { name: "x" }, context)).rejects.toMatchObject({ code: "not_found" });
  });
});
