// The admin REST API (/api/v1) called in-process with real Requests, against the real database and
// the Stripe emulator: a vendor configures billing from code end to end, and every way of getting
// it wrong answers a problem+json naming the snake_case field.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import * as customerRoute from "@/app/api/v1/customers/[customerId]/route";
import * as subscriptionsOfCustomer from "@/app/api/v1/customers/[customerId]/subscriptions/route";
import * as customersRoute from "@/app/api/v1/customers/route";
import * as metersRoute from "@/app/api/v1/meters/route";
import * as openApiRoute from "@/app/api/v1/openapi.json/route";
import * as planRoute from "@/app/api/v1/plans/[planId]/route";
import * as publishRoute from "@/app/api/v1/plans/[planId]/versions/[versionId]/publish/route";
import * as versionsRoute from "@/app/api/v1/plans/[planId]/versions/route";
import * as plansRoute from "@/app/api/v1/plans/route";
import * as cancelRoute from "@/app/api/v1/subscriptions/[subscriptionId]/cancel/route";
import * as changePlanRoute from "@/app/api/v1/subscriptions/[subscriptionId]/change-plan/route";
import * as subscriptionRoute from "@/app/api/v1/subscriptions/[subscriptionId]/route";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import {
  ZApiCustomer,
  ZApiCustomerDetail,
  ZApiCustomerPage,
  ZApiMeter,
  ZApiPlan,
  ZApiPlanSummary,
  ZApiPlanVersion,
  ZApiProblem,
  ZApiSubscription,
  listOf,
} from "@/lib/api/resources";
import { createApiKey } from "@/lib/auth/api-keys";
import { db } from "@/lib/db";
import { getStripe } from "@/lib/stripe/client";
import { slug } from "./catalog-helpers";
import { unique } from "./factories";

type THandler = (request: Request, segment?: { params: Promise<Record<string, string>> }) => Promise<Response>;
type TCall = { key?: string | null; body?: unknown; raw?: string; contentType?: string; params?: Record<string, string> };

type TBody = Record<string, unknown>;

async function call(handler: THandler, method: string, path: string, options: TCall = {}) {
  const headers: Record<string, string> = {};
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const hasBody = options.body !== undefined || options.raw !== undefined;
  if (hasBody) headers["content-type"] = options.contentType ?? "application/json";
  const request = new Request(`http://localhost:3000/api/v1${path}`, {
    method,
    headers,
    ...(hasBody ? { body: options.raw ?? JSON.stringify(options.body) } : {}),
  });
  const response = await handler(request, { params: Promise.resolve(options.params ?? {}) });
  return { status: response.status, type: response.headers.get("content-type"), body: (await response.json()) as TBody };
}

/** The body, checked against its documented (strict) schema. */
function as<S extends z.ZodType>(schema: S, result: { status: number; body: unknown }, status: number): z.output<S> {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  return schema.parse(result.body);
}

function problem(result: { status: number; type: string | null; body: unknown }, status: number, code: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.type).toBe("application/problem+json");
  const body = ZApiProblem.parse(result.body);
  expect(body.code).toBe(code);
  return body;
}

const adminKey = async () => (await createApiKey({ name: unique("admin"), scopes: ["ADMIN"] })).key;

const tiered = (meterId: string) => ({
  meter_id: meterId,
  pricing_model: "GRADUATED",
  included_quantity: "1000",
  tiers: [
    { up_to: "10000", unit_price_minor: "0.5" },
    { up_to: null, unit_price_minor: "0.2", flat_price_minor: "100" },
  ],
});

async function createMeter(key: string) {
  const created = await call(metersRoute.POST, "POST", "/meters", {
    key,
    body: { event_name: slug("api_calls"), display_name: "API calls", aggregation: "SUM", unit_label: "call" },
  });
  return as(ZApiMeter, created, 201);
}

describe("admin API: a vendor configures billing from code", () => {
  it("creates a meter, a tiered plan, publishes it, subscribes a customer, changes the plan and cancels", async () => {
    const key = await adminKey();
    const stripe = getStripe();

    // Meter → a Stripe meter with the same event name.
    const meter = await createMeter(key);
    expect(meter).toMatchObject({ aggregation: "SUM", value_scale: "1", rounding: "HALF_UP", allow_negative: false, status: "ACTIVE" });
    expect((await stripe.billing.meters.retrieve(meter.stripe_meter_id ?? "")).event_name).toBe(meter.event_name);
    const meters = as(listOf(ZApiMeter), await call(metersRoute.GET, "GET", "/meters", { key }), 200);
    expect(meters.data.map((row) => row.id)).toContain(meter.id);

    // Plan with a graduated version 1 (a draft: nothing in Stripe yet).
    const plan = as(
      ZApiPlan,
      await call(plansRoute.POST, "POST", "/plans", {
        key,
        body: { key: slug("team"), name: "Team", sort_order: 2, version: { currency: "USD", base_fee_minor: 4900, charges: [tiered(meter.id)] } },
      }),
      201,
    );
    const draft = plan.versions[0];
    expect(plan).toMatchObject({ name: "Team", sort_order: 2, status: "ACTIVE", stripe_product_id: null });
    expect(draft).toMatchObject({ version: 1, status: "DRAFT", currency: "usd", interval: "MONTH", base_fee_minor: 4900, alert_thresholds: [75, 90, 100] });
    expect(draft?.charges[0]).toMatchObject({
      meter_id: meter.id,
      meter_event_name: meter.event_name,
      pricing_model: "GRADUATED",
      included_quantity: "1000",
      unit_price_minor: null,
      tiers: [
        { up_to: "10000", unit_price_minor: "0.5", flat_price_minor: "0" },
        { up_to: null, unit_price_minor: "0.2", flat_price_minor: "100" },
      ],
    });

    // Publish → Stripe product, base price and a graduated metered price on the meter.
    const v1 = as(
      ZApiPlanVersion,
      await call(publishRoute.POST, "POST", `/plans/${plan.id}/versions/${draft?.id}/publish`, { key, params: { planId: plan.id, versionId: draft?.id ?? "" } }),
      200,
    );
    expect(v1.status).toBe("PUBLISHED");
    expect(v1.published_at).not.toBeNull();
    const basePrice = await stripe.prices.retrieve(v1.stripe_base_price_id ?? "");
    expect(basePrice).toMatchObject({ unit_amount: 4900, currency: "usd", recurring: { interval: "month" } });
    const meteredPrice = await stripe.prices.retrieve(v1.charges[0]?.stripe_price_id ?? "", { expand: ["tiers"] });
    expect(meteredPrice).toMatchObject({ billing_scheme: "tiered", tiers_mode: "graduated", recurring: { meter: meter.stripe_meter_id, usage_type: "metered" } });
    const fetched = as(ZApiPlan, await call(planRoute.GET, "GET", `/plans/${plan.id}`, { key, params: { planId: plan.id } }), 200);
    expect(fetched.stripe_product_id).toBe(basePrice.product);
    const plans = as(listOf(ZApiPlanSummary), await call(plansRoute.GET, "GET", "/plans?status=ACTIVE", { key }), 200);
    expect(plans.data.find((row) => row.id === plan.id)?.versions).toEqual([expect.objectContaining({ id: v1.id, status: "PUBLISHED", base_fee_minor: 4900 })]);

    // Customer → a Stripe customer; listed and fetched.
    const externalId = slug("acme");
    const customer = as(
      ZApiCustomer,
      await call(customersRoute.POST, "POST", "/customers", { key, body: { external_id: externalId, name: "Acme Corp", email: "Billing@Acme.test" } }),
      201,
    );
    expect(customer).toMatchObject({ external_id: externalId, email: "billing@acme.test" });
    expect((await stripe.customers.retrieve(customer.stripe_customer_id ?? "")) as { metadata: object }).toMatchObject({
      metadata: { tally_customer_id: customer.id, tally_external_id: externalId },
    });
    const page = as(ZApiCustomerPage, await call(customersRoute.GET, "GET", `/customers?search=${externalId}&page_size=5`, { key }), 200);
    expect(page).toMatchObject({ total: 1, page: 1, page_size: 5, data: [{ id: customer.id }] });

    // Subscribe to version 1 → a Stripe subscription with the base and the metered item.
    const subscription = as(
      ZApiSubscription,
      await call(subscriptionsOfCustomer.POST, "POST", `/customers/${customer.id}/subscriptions`, { key, body: { plan_version_id: v1.id }, params: { customerId: customer.id } }),
      201,
    );
    expect(subscription).toMatchObject({ customer_id: customer.id, status: "ACTIVE", plan_version_id: v1.id, plan_version: 1, plan: { id: plan.id }, currency: "usd" });
    const stripeSubscription = await stripe.subscriptions.retrieve(subscription.stripe_subscription_id ?? "");
    expect(stripeSubscription.items.data.map((item) => item.price.id).sort()).toEqual([v1.stripe_base_price_id, v1.charges[0]?.stripe_price_id].sort());
    const detail = as(ZApiCustomerDetail, await call(customerRoute.GET, "GET", `/customers/${customer.id}`, { key, params: { customerId: customer.id } }), 200);
    expect(detail.subscription).toMatchObject({ status: "ACTIVE", plan_name: "Team" });

    // Version 2 from JSON: a new draft (201); sent again with other prices, the same draft replaced (200).
    const versionPath = `/plans/${plan.id}/versions`;
    const v2draft = as(
      ZApiPlanVersion,
      await call(versionsRoute.POST, "POST", versionPath, { key, params: { planId: plan.id }, body: { currency: "usd", base_fee_minor: 9900, charges: [tiered(meter.id)] } }),
      201,
    );
    expect(v2draft).toMatchObject({ version: 2, status: "DRAFT", base_fee_minor: 9900 });
    const v2replaced = as(
      ZApiPlanVersion,
      await call(versionsRoute.POST, "POST", versionPath, {
        key,
        params: { planId: plan.id },
        body: { currency: "usd", base_fee_minor: "12900", charges: [{ meter_id: meter.id, pricing_model: "PER_UNIT", unit_price_minor: "0.25" }] },
      }),
      200,
    );
    expect(v2replaced).toMatchObject({ id: v2draft.id, version: 2, base_fee_minor: 12900, charges: [{ pricing_model: "PER_UNIT", unit_price_minor: "0.25", tiers: [] }] });
    const v2 = as(
      ZApiPlanVersion,
      await call(publishRoute.POST, "POST", `${versionPath}/${v2draft.id}/publish`, { key, params: { planId: plan.id, versionId: v2draft.id } }),
      200,
    );
    const afterPublish = as(ZApiPlan, await call(planRoute.GET, "GET", `/plans/${plan.id}`, { key, params: { planId: plan.id } }), 200);
    expect(afterPublish.versions.map((version) => version.status)).toEqual(["RETIRED", "PUBLISHED"]);

    // Change plan now → Stripe's subscription carries version 2's prices.
    const changed = as(
      ZApiSubscription,
      await call(changePlanRoute.POST, "POST", `/subscriptions/${subscription.id}/change-plan`, {
        key,
        params: { subscriptionId: subscription.id },
        body: { plan_version_id: v2.id, when: "now" },
      }),
      200,
    );
    expect(changed).toMatchObject({ id: subscription.id, plan_version_id: v2.id, plan_version: 2, pending_plan_version_id: null });
    const swapped = await stripe.subscriptions.retrieve(subscription.stripe_subscription_id ?? "");
    expect(swapped.items.data.map((item) => item.price.id).sort()).toEqual([v2.stripe_base_price_id, v2.charges[0]?.stripe_price_id].sort());

    // Cancel now → canceled in Stripe and in Tally.
    const canceled = as(
      ZApiSubscription,
      await call(cancelRoute.POST, "POST", `/subscriptions/${subscription.id}/cancel`, { key, params: { subscriptionId: subscription.id }, body: { when: "now" } }),
      200,
    );
    expect(canceled.status).toBe("CANCELED");
    expect(canceled.ended_at).not.toBeNull();
    expect((await stripe.subscriptions.retrieve(subscription.stripe_subscription_id ?? "")).status).toBe("canceled");
    const reread = as(ZApiSubscription, await call(subscriptionRoute.GET, "GET", `/subscriptions/${subscription.id}`, { key, params: { subscriptionId: subscription.id } }), 200);
    expect(reread.status).toBe("CANCELED");

    // Every change is audited under the API key, with the request id.
    const audit = await db.auditLog.findFirstOrThrow({ where: { entityType: "plan", entityId: plan.id, action: "plan.created" } });
    expect(audit.actorKind).toBe("API_KEY");
  });
});

describe("admin API: authentication", () => {
  it("answers 401 without a key and 403 for a key without the ADMIN scope, on reads and writes", async () => {
    const ingest = (await createApiKey({ name: unique("ingest"), scopes: ["INGEST"] })).key;
    problem(await call(metersRoute.GET, "GET", "/meters"), 401, "unauthenticated");
    problem(await call(customersRoute.POST, "POST", "/customers", { body: { external_id: slug("x"), name: "X" } }), 401, "unauthenticated");
    problem(await call(plansRoute.GET, "GET", "/plans", { key: ingest }), 403, "forbidden");
    const refused = problem(await call(customersRoute.POST, "POST", "/customers", { key: ingest, body: { external_id: slug("x"), name: "X" } }), 403, "forbidden");
    expect(refused.instance).toBe("/api/v1/customers");
  });

  it("serves the OpenAPI document without a key", async () => {
    const result = await call(openApiRoute.GET as THandler, "GET", "/openapi.json");
    expect(result.status).toBe(200);
    expect(result.body).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument())));
  });
});

describe("admin API: problems", () => {
  it("names every unknown field by its snake_case pointer, and refuses camelCase spellings", async () => {
    const key = await adminKey();
    const meter = await createMeter(key);
    const planKey = slug("team");
    const result = await call(plansRoute.POST, "POST", "/plans", {
      key,
      body: {
        key: planKey,
        name: "Team",
        colour: "blue",
        sortOrder: 1,
        version: { currency: "usd", charges: [{ ...tiered(meter.id), discount: 5 }] },
      },
    });
    const body = problem(result, 400, "invalid_params");
    expect(body.errors?.map((error) => error.pointer).sort()).toEqual(["/colour", "/sortOrder", "/version/charges/0/discount"]);
    expect(body.errors?.find((error) => error.pointer === "/colour")?.detail).toContain("colour");
    expect(await db.plan.count({ where: { key: planKey } })).toBe(0);
  });

  it("points at the bad value in snake_case, also for cross-field rules", async () => {
    const key = await adminKey();
    const meter = await createMeter(key);
    const badTiers = { ...tiered(meter.id), tiers: [{ up_to: "100", unit_price_minor: "1" }, { up_to: "50", unit_price_minor: "0.5" }] };
    const result = await call(plansRoute.POST, "POST", "/plans", {
      key,
      body: { key: slug("team"), name: "Team", version: { currency: "usd", interval_count: 13, charges: [badTiers] } },
    });
    const body = problem(result, 400, "invalid_params");
    expect(body.errors?.map((error) => error.pointer).sort()).toEqual(["/version/charges/0/tiers/1/up_to", "/version/interval_count"]);
  });

  it("answers malformed JSON (400), a non-JSON body (415), bad query values and a malformed id (400) as problems", async () => {
    const key = await adminKey();
    problem(await call(customersRoute.POST, "POST", "/customers", { key, raw: '{"external_id": "a",' }), 400, "malformed_json");
    problem(await call(customersRoute.POST, "POST", "/customers", { key, raw: "external_id=a", contentType: "text/plain" }), 415, "unsupported_media_type");
    const badQuery = problem(await call(customersRoute.GET, "GET", "/customers?page_size=1000&pageSize=5", { key }), 400, "invalid_params");
    expect(badQuery.errors?.map((error) => error.pointer).sort()).toEqual(["/query", "/query/page_size"]);
    const badId = problem(await call(planRoute.GET, "GET", "/plans/nope", { key, params: { planId: "nope" } }), 400, "invalid_params");
    expect(badId.errors?.[0]?.pointer).toBe("/params/planId");
  });

  it("answers 404 for unknown ids, and a version addressed under another plan exactly like an unknown one", async () => {
    const key = await adminKey();
    const missing = randomUUID();
    problem(await call(planRoute.GET, "GET", `/plans/${missing}`, { key, params: { planId: missing } }), 404, "not_found");
    problem(await call(customerRoute.GET, "GET", `/customers/${missing}`, { key, params: { customerId: missing } }), 404, "not_found");
    problem(await call(subscriptionRoute.GET, "GET", `/subscriptions/${missing}`, { key, params: { subscriptionId: missing } }), 404, "not_found");
    problem(
      await call(versionsRoute.POST, "POST", `/plans/${missing}/versions`, { key, params: { planId: missing }, body: { currency: "usd" } }),
      404,
      "not_found",
    );

    const meter = await createMeter(key);
    const planBody = () => ({ key: slug("plan"), name: "Plan", version: { currency: "usd", charges: [tiered(meter.id)] } });
    const mine = as(ZApiPlan, await call(plansRoute.POST, "POST", "/plans", { key, body: planBody() }), 201);
    const other = as(ZApiPlan, await call(plansRoute.POST, "POST", "/plans", { key, body: planBody() }), 201);
    const otherVersion = other.versions[0]?.id ?? "";
    const strip = (body: TBody) => ({ ...body, instance: undefined, request_id: undefined });
    const crossed = problem(
      await call(publishRoute.POST, "POST", "/x", { key, params: { planId: mine.id, versionId: otherVersion } }),
      404,
      "not_found",
    );
    const unknown = problem(await call(publishRoute.POST, "POST", "/x", { key, params: { planId: mine.id, versionId: missing } }), 404, "not_found");
    expect(strip(crossed)).toEqual(strip(unknown));
    expect((await db.planVersion.findUniqueOrThrow({ where: { id: otherVersion } })).status).toBe("DRAFT");
  });

  it("passes the services' 409 and 422 through as problems with snake_case pointers", async () => {
    const key = await adminKey();
    const externalId = slug("dup");
    as(ZApiCustomer, await call(customersRoute.POST, "POST", "/customers", { key, body: { external_id: externalId, name: "One" } }), 201);
    const conflict = problem(await call(customersRoute.POST, "POST", "/customers", { key, body: { external_id: externalId, name: "Two" } }), 409, "conflict");
    expect(conflict.errors).toEqual([{ pointer: "/external_id", detail: "Already taken." }]);

    const unknownMeter = problem(
      await call(plansRoute.POST, "POST", "/plans", { key, body: { key: slug("p"), name: "P", version: { currency: "usd", charges: [tiered(randomUUID())] } } }),
      422,
      "unprocessable",
    );
    expect(unknownMeter.errors).toEqual([{ pointer: "/version/charges/0/meter_id", detail: "No such meter." }]);

    const meter = await createMeter(key);
    const plan = as(ZApiPlan, await call(plansRoute.POST, "POST", "/plans", { key, body: { key: slug("p"), name: "P", version: { currency: "usd", charges: [tiered(meter.id)] } } }), 201);
    const customer = as(ZApiCustomer, await call(customersRoute.POST, "POST", "/customers", { key, body: { external_id: slug("c"), name: "C" } }), 201);
    const draftRefused = problem(
      await call(subscriptionsOfCustomer.POST, "POST", "/x", { key, params: { customerId: customer.id }, body: { plan_version_id: plan.versions[0]?.id } }),
      422,
      "unprocessable",
    );
    expect(draftRefused.errors?.[0]?.pointer).toBe("/plan_version_id");
  });
});
