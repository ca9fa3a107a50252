// Every endpoint of the admin REST API, in one place: the OpenAPI document is built from this list
// and a test checks it against the route files under app/api/v1 (paths relative to /api/v1).
import { z } from "zod";
import { ZCustomerInput, ZMeterInput, ZPlanInput, ZPlanVersionInput } from "@/lib/catalog/schemas";
import { ZCustomerUsageParams, ZCustomerUsageQuery, ZUsageEventBatchInput, ZUsageEventInput } from "@/lib/metering/schemas";
import { ZSubscriptionCancelInput, ZSubscriptionCreateInput, ZSubscriptionPlanChangeInput } from "@/lib/subscriptions/schemas";
import {
  ZApiCustomer,
  ZApiCustomerDetail,
  ZApiCustomerPage,
  ZApiMeter,
  ZApiPlan,
  ZApiPlanSummary,
  ZApiPlanVersion,
  ZApiSubscription,
  listOf,
} from "./resources";
import {
  ZCustomerListQuery,
  ZCustomerParams,
  ZMeterListQuery,
  ZPlanListQuery,
  ZPlanParams,
  ZPlanVersionParams,
  ZSubscriptionParams,
} from "./schemas";
import { ZApiCustomerUsage, ZApiUsageEvent, ZApiUsageEventBatch } from "./usage-resources";

export type THttpMethod = "GET" | "POST";

export type TEndpoint = {
  method: THttpMethod;
  /** OpenAPI path under /api/v1; `{name}` matches the route folder `[name]`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "Usage" | "Meters" | "Plans" | "Customers" | "Subscriptions" | "Meta";
  /** "public": no key; "ingest": a key with the INGEST scope; by default, a key with the ADMIN scope. */
  auth?: "public" | "ingest";
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** The service's camelCase schema; the wire form is its snake_case rename (see wireBody). */
  body?: z.ZodType;
  responses: Partial<Record<200 | 201, { description: string; schema?: z.ZodType }>>;
  /** Problems the endpoint answers besides 400 (bad input), 401 and 403. */
  problems?: (404 | 409 | 413 | 422 | 429)[];
};

export const ENDPOINTS: TEndpoint[] = [
  {
    method: "POST",
    path: "/events",
    operationId: "recordUsageEvents",
    tag: "Usage",
    auth: "ingest",
    summary: "Record a usage event, or a batch of up to 1,000",
    description: [
      "The body is one event, or `{\"events\": [...]}` with 1 to 1,000 events (at most 2 MiB).",
      "A new event answers 201 with Tally's id. The same `idempotency_key` with the same payload, at any later time (keys are kept as long as the event, at least 35 days), answers 200 with the original id and `duplicate: true`; with a different payload, 409 and nothing is written.",
      "A batch answers 200 with one result per event, in order. It is all or nothing: if any event is invalid, nothing is written and the problem's `errors` name every bad event by JSON pointer (`/events/3/value`) with a stable `code`.",
      "Shape problems (unknown or missing fields, wrong types) are 400; events that cannot be billed are 422: unknown or archived customer or meter; a value that is not finite, negative (unless the meter allows it), fractional on a count meter, or beyond 12 decimal places or 26 integer digits (never rounded); an idempotency key that is blank, longer than 100 characters or has control characters; a timestamp more than 5 minutes ahead or older than 35 days.",
      "Events timestamped before the customer's current billing period are recorded with `late: true` and billed by the late-event policy (see the README). Past the API key's rate limit: 429 with `Retry-After`.",
    ].join("\n\n"),
    body: z.union([ZUsageEventInput, ZUsageEventBatchInput]),
    responses: {
      200: { description: "A duplicate of an event recorded before (one event), or the results of a batch.", schema: z.union([ZApiUsageEvent, ZApiUsageEventBatch]) },
      201: { description: "The event, recorded.", schema: ZApiUsageEvent },
    },
    problems: [409, 413, 422, 429],
  },
  {
    method: "GET",
    path: "/customers/{customerId}/usage",
    operationId: "getCustomerUsage",
    tag: "Usage",
    auth: "ingest",
    summary: "A customer's usage in its current period against its included quota (entitlement check)",
    description:
      "`customerId` is the customer's external id (the `customer` of its events) or its Tally id. Read from hourly rollups: as fast at 10 million events as at ten. Without `meter`, every meter on the customer's plan and every meter with usage in the period.",
    params: ZCustomerUsageParams,
    query: ZCustomerUsageQuery,
    responses: { 200: { description: "The usage.", schema: ZApiCustomerUsage } },
    problems: [404],
  },
  {
    method: "GET",
    path: "/meters",
    operationId: "listMeters",
    tag: "Meters",
    summary: "List meters",
    query: ZMeterListQuery,
    responses: { 200: { description: "Every meter (active first).", schema: listOf(ZApiMeter) } },
  },
  {
    method: "POST",
    path: "/meters",
    operationId: "createMeter",
    tag: "Meters",
    summary: "Create a meter and its Stripe meter",
    description: "Repeating the same creation finishes it (e.g. after a timeout); a different meter with the same event name is a 409.",
    body: ZMeterInput,
    responses: { 201: { description: "The meter, with its Stripe meter id.", schema: ZApiMeter } },
    problems: [409],
  },
  {
    method: "GET",
    path: "/plans",
    operationId: "listPlans",
    tag: "Plans",
    summary: "List plans with their versions (without charges)",
    query: ZPlanListQuery,
    responses: { 200: { description: "Every plan, in display order.", schema: listOf(ZApiPlanSummary) } },
  },
  {
    method: "POST",
    path: "/plans",
    operationId: "createPlan",
    tag: "Plans",
    summary: "Create a plan with its first version (a draft)",
    description: "Nothing reaches Stripe until the version is published.",
    body: ZPlanInput,
    responses: { 201: { description: "The plan with its draft version 1.", schema: ZApiPlan } },
    problems: [409, 422],
  },
  {
    method: "GET",
    path: "/plans/{planId}",
    operationId: "getPlan",
    tag: "Plans",
    summary: "Get a plan with every version, charge and tier",
    params: ZPlanParams,
    responses: { 200: { description: "The plan.", schema: ZApiPlan } },
    problems: [404],
  },
  {
    method: "POST",
    path: "/plans/{planId}/versions",
    operationId: "createPlanVersion",
    tag: "Plans",
    summary: "Set the plan's next version (a draft) from JSON",
    description:
      "Published versions never change. When the plan's latest version is published (or retired), this creates a new draft (201); when it is a draft already, the draft is replaced (200). Either way the answer is the one open draft with exactly these prices; publish it with `POST /plans/{planId}/versions/{versionId}/publish`.",
    params: ZPlanParams,
    body: ZPlanVersionInput,
    responses: {
      201: { description: "A new draft version.", schema: ZApiPlanVersion },
      200: { description: "The open draft, replaced.", schema: ZApiPlanVersion },
    },
    problems: [404, 409, 422],
  },
  {
    method: "POST",
    path: "/plans/{planId}/versions/{versionId}/publish",
    operationId: "publishPlanVersion",
    tag: "Plans",
    summary: "Publish a draft version: create its Stripe prices, retire the previous version",
    description: "Publishing a published version changes nothing; subscriptions stay on the version they have until changed.",
    params: ZPlanVersionParams,
    responses: { 200: { description: "The published version, with its Stripe price ids.", schema: ZApiPlanVersion } },
    problems: [404, 409],
  },
  {
    method: "GET",
    path: "/customers",
    operationId: "listCustomers",
    tag: "Customers",
    summary: "List customers, newest first, a page at a time",
    query: ZCustomerListQuery,
    responses: { 200: { description: "One page of customers.", schema: ZApiCustomerPage } },
  },
  {
    method: "POST",
    path: "/customers",
    operationId: "createCustomer",
    tag: "Customers",
    summary: "Create a customer and its Stripe customer",
    description: "`external_id` is the id your usage events name the customer by; it never changes.",
    body: ZCustomerInput,
    responses: { 201: { description: "The customer, with its Stripe customer id.", schema: ZApiCustomer } },
    problems: [409],
  },
  {
    method: "GET",
    path: "/customers/{customerId}",
    operationId: "getCustomer",
    tag: "Customers",
    summary: "Get a customer (by Tally id) with its live subscription",
    params: ZCustomerParams,
    responses: { 200: { description: "The customer.", schema: ZApiCustomerDetail } },
    problems: [404],
  },
  {
    method: "POST",
    path: "/customers/{customerId}/subscriptions",
    operationId: "createSubscription",
    tag: "Subscriptions",
    summary: "Subscribe a customer to a published plan version",
    description: "A customer has at most one live subscription: a second one is a 409 (change its plan instead).",
    params: ZCustomerParams,
    body: ZSubscriptionCreateInput,
    responses: { 201: { description: "The subscription, mirrored from Stripe.", schema: ZApiSubscription } },
    problems: [404, 409, 422],
  },
  {
    method: "GET",
    path: "/subscriptions/{subscriptionId}",
    operationId: "getSubscription",
    tag: "Subscriptions",
    summary: "Get a subscription with its items",
    params: ZSubscriptionParams,
    responses: { 200: { description: "The subscription.", schema: ZApiSubscription } },
    problems: [404],
  },
  {
    method: "POST",
    path: "/subscriptions/{subscriptionId}/change-plan",
    operationId: "changeSubscriptionPlan",
    tag: "Subscriptions",
    summary: "Move a subscription to another published plan version",
    description: "`when: now` swaps at once with prorations (usage so far is billed at the old price); `when: period_end` schedules the change.",
    params: ZSubscriptionParams,
    body: ZSubscriptionPlanChangeInput,
    responses: { 200: { description: "The subscription after the change.", schema: ZApiSubscription } },
    problems: [404, 409, 422],
  },
  {
    method: "POST",
    path: "/subscriptions/{subscriptionId}/cancel",
    operationId: "cancelSubscription",
    tag: "Subscriptions",
    summary: "Cancel a subscription now or at the end of its period",
    description: "`when: now` cancels at once and invoices the usage not yet billed; `when: period_end` (the default) cancels at the period end.",
    params: ZSubscriptionParams,
    body: ZSubscriptionCancelInput,
    responses: { 200: { description: "The subscription after the cancellation.", schema: ZApiSubscription } },
    problems: [404, 409],
  },
  {
    method: "GET",
    path: "/openapi.json",
    operationId: "getOpenApiDocument",
    tag: "Meta",
    summary: "This OpenAPI 3.1 document",
    auth: "public",
    responses: { 200: { description: "The OpenAPI document." } },
  },
];
