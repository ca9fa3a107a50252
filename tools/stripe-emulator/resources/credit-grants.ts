// Billing credits (SEMANTICS.md §7.4; not in the 2024 spec, shapes from stripe@23's
// Billing/CreditGrants.d.ts, CreditBalanceSummary.d.ts, CreditBalanceTransactions.d.ts):
// - `/v1/billing/credit_grants`: create, list (by customer), retrieve, update (`expires_at`,
//   `metadata`), `/expire` and `/void`; each change emits `billing.credit_grant.created|updated`;
// - `/v1/billing/credit_balance_summary`: a customer's available and ledger balance per currency
//   (the same here: credits apply at finalization, so no draft invoice holds any back);
// - `/v1/billing/credit_balance_transactions`: the ledger (by customer, by grant), and one entry.
// Monetary grants only (the only kind Stripe has); `customer_account` is not served. How grants
// apply to invoices is in billing/credit-grants.ts.
import type Stripe from "stripe";
import { z } from "zod";
import type { TEmulator, TRequestContext } from "../core/context";
import { invalidRequest, resourceMissing } from "../core/errors";
import { emitFromRequest, previousAttributes } from "../core/events";
import { newId } from "../core/ids";
import { paginate } from "../core/list";
import { mergeMetadata, zExpand, zInt, zListParams, zMetadata, zStr, zTimestamp } from "../core/params";
import type { Router } from "../core/router";
import { availableBalance, creditState, grantBalance, grantCustomerId, isInForce, recordTransaction } from "../billing/credit-grants";

const zCurrency = z
  .string()
  .regex(/^[A-Za-z]{3}$/, "must be a three-letter ISO currency code")
  .transform((value) => value.toLowerCase());

const ZCreditGrantCreate = z.strictObject({
  amount: z.strictObject({
    type: z.literal("monetary", "must be monetary"),
    monetary: z.strictObject({ currency: zCurrency, value: zInt.refine((value) => value > 0, "must be a positive integer") }),
  }),
  applicability_config: z.strictObject({
    scope: z.strictObject({
      price_type: z.literal("metered", "must be metered").optional(),
      prices: z.array(z.strictObject({ id: zStr() })).min(1).max(100).optional(),
    }),
  }),
  category: z.enum(["paid", "promotional"]).optional(),
  customer: zStr(),
  effective_at: zTimestamp.optional(),
  expand: zExpand,
  expires_at: zTimestamp.optional(),
  metadata: zMetadata.optional(),
  name: zStr(100).optional(),
  priority: zInt.refine((value) => value >= 0 && value <= 100, "must be between 0 and 100").optional(),
});

const ZCreditGrantUpdate = z.strictObject({
  expand: zExpand,
  expires_at: z.union([zTimestamp, z.literal("")]).optional(),
  metadata: zMetadata.optional(),
});

export function registerCreditGrants(router: Router, emulator: TEmulator): void {
  const { store } = emulator;

  const getGrant = (id: string) => {
    const grant = store.get("creditGrants", id);
    if (!grant) throw resourceMissing("billing.credit_grant", id);
    return grant;
  };

  const getCustomer = (id: string) => {
    const customer = store.get("customers", id);
    if (!customer || ("deleted" in customer && customer.deleted)) throw invalidRequest(`No such customer: '${id}'`, { param: "customer", code: "resource_missing" });
    return customer;
  };

  /** Applies a change to a grant and emits billing.credit_grant.updated with what changed. */
  const update = (ctx: TRequestContext, grant: Stripe.Billing.CreditGrant, change: (grant: Stripe.Billing.CreditGrant) => void) => {
    const before = structuredClone(grant);
    change(grant);
    grant.updated = emulator.now(grantCustomerId(grant));
    store.put("creditGrants", grant);
    emitFromRequest(ctx, "billing.credit_grant.updated", grant, { customerId: grantCustomerId(grant), previousAttributes: previousAttributes(before, grant) });
    return grant;
  };

  router.add("POST", "/v1/billing/credit_grants", (ctx) => {
    const params = ctx.parse(ZCreditGrantCreate);
    const customer = getCustomer(params.customer);
    const scope = params.applicability_config.scope;
    if ((scope.price_type === undefined) === (scope.prices === undefined)) {
      throw invalidRequest("You must specify exactly one of applicability_config[scope][price_type] or applicability_config[scope][prices].", { param: "applicability_config[scope]" });
    }
    for (const [index, { id }] of (scope.prices ?? []).entries()) {
      const price = store.get("prices", id);
      if (!price) throw invalidRequest(`No such price: '${id}'`, { param: `applicability_config[scope][prices][${index}][id]`, code: "resource_missing" });
      if (price.recurring?.usage_type !== "metered") throw invalidRequest(`Billing credits only apply to metered prices; ${id} is not metered.`, { param: `applicability_config[scope][prices][${index}][id]` });
    }
    const now = emulator.now(customer.id);
    const effectiveAt = params.effective_at ?? null;
    if (params.expires_at !== undefined && params.expires_at <= (effectiveAt ?? now)) {
      throw invalidRequest("expires_at must be after effective_at (or now when effective_at is not set).", { param: "expires_at" });
    }
    const clock = customer.test_clock;
    const grant: Stripe.Billing.CreditGrant = {
      id: newId("credgr"),
      object: "billing.credit_grant",
      amount: { type: "monetary", monetary: { currency: params.amount.monetary.currency, value: params.amount.monetary.value } },
      applicability_config: { scope: scope.prices ? { prices: scope.prices.map((price) => ({ id: price.id })) } : { price_type: "metered" } },
      category: params.category ?? "paid",
      created: now,
      customer: customer.id,
      customer_account: null,
      effective_at: effectiveAt,
      expires_at: params.expires_at ?? null,
      livemode: false,
      metadata: mergeMetadata({}, params.metadata),
      name: params.name ?? null,
      priority: params.priority ?? 50,
      test_clock: typeof clock === "string" ? clock : (clock?.id ?? null),
      updated: now,
      voided_at: null,
    };
    store.put("creditGrants", grant);
    recordTransaction(emulator, grant, { kind: "credit", type: "credits_granted" }, grant.amount.monetary?.value ?? 0, effectiveAt ?? now);
    emitFromRequest(ctx, "billing.credit_grant.created", grant, { customerId: customer.id });
    return grant;
  });

  router.add("GET", "/v1/billing/credit_grants", (ctx) => {
    const params = ctx.parse(z.strictObject({ ...zListParams, customer: zStr().optional() }));
    const grants = store.list("creditGrants").filter((grant) => params.customer === undefined || grantCustomerId(grant) === params.customer);
    return paginate(grants, params, ctx.listUrl);
  });

  router.add("GET", "/v1/billing/credit_grants/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    return getGrant(ctx.params.id ?? "");
  });

  router.add("POST", "/v1/billing/credit_grants/:id", (ctx) => {
    const params = ctx.parse(ZCreditGrantUpdate);
    const grant = getGrant(ctx.params.id ?? "");
    if (grant.voided_at !== null) throw invalidRequest(`The credit grant ${grant.id} has been voided and cannot be updated.`);
    const now = emulator.now(grantCustomerId(grant));
    if (typeof params.expires_at === "number" && params.expires_at <= Math.max(now, grant.effective_at ?? grant.created)) {
      throw invalidRequest("expires_at must be in the future and after effective_at.", { param: "expires_at" });
    }
    return update(ctx, grant, (changed) => {
      if (params.expires_at !== undefined) changed.expires_at = params.expires_at === "" ? null : params.expires_at;
      changed.metadata = mergeMetadata(changed.metadata, params.metadata);
    });
  });

  router.add("POST", "/v1/billing/credit_grants/:id/expire", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    const grant = getGrant(ctx.params.id ?? "");
    const now = emulator.now(grantCustomerId(grant));
    if (grant.voided_at !== null) throw invalidRequest(`The credit grant ${grant.id} has been voided.`);
    if (grant.expires_at !== null && grant.expires_at <= now) throw invalidRequest(`The credit grant ${grant.id} has already expired.`);
    const remaining = availableBalance(store, grant, now);
    update(ctx, grant, (changed) => void (changed.expires_at = now));
    if (remaining > 0) recordTransaction(emulator, grant, { kind: "debit", type: "credits_expired" }, remaining, now);
    return grant;
  });

  router.add("POST", "/v1/billing/credit_grants/:id/void", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    const grant = getGrant(ctx.params.id ?? "");
    if (grant.voided_at !== null) throw invalidRequest(`The credit grant ${grant.id} has already been voided.`);
    const now = emulator.now(grantCustomerId(grant));
    const remaining = Math.max(0, grantBalance(store, grant));
    update(ctx, grant, (changed) => void (changed.voided_at = now));
    if (remaining > 0) recordTransaction(emulator, grant, { kind: "debit", type: "credits_voided" }, remaining, now);
    return grant;
  });

  router.add("GET", "/v1/billing/credit_balance_summary", (ctx) => {
    const params = ctx.parse(
      z.strictObject({
        customer: zStr(),
        expand: zExpand,
        filter: z.strictObject({
          type: z.enum(["applicability_scope", "credit_grant"]),
          applicability_scope: z.strictObject({ price_type: z.literal("metered").optional(), prices: z.array(z.strictObject({ id: zStr() })).optional() }).optional(),
          credit_grant: zStr().optional(),
        }),
      }),
    );
    const customer = getCustomer(params.customer);
    const { filter } = params;
    if (filter.type === "credit_grant" && filter.credit_grant === undefined) throw invalidRequest("Missing required param: filter[credit_grant].", { param: "filter[credit_grant]", code: "parameter_missing" });
    if (filter.type === "applicability_scope" && filter.applicability_scope === undefined) {
      throw invalidRequest("Missing required param: filter[applicability_scope].", { param: "filter[applicability_scope]", code: "parameter_missing" });
    }
    const wantedPrices = filter.applicability_scope?.prices?.map((price) => price.id);
    const matches = (grant: Stripe.Billing.CreditGrant) => {
      if (filter.type === "credit_grant") return grant.id === filter.credit_grant;
      const scope = grant.applicability_config.scope;
      if (wantedPrices) return scope.price_type === "metered" || (scope.prices ?? []).some((price) => price.id !== null && wantedPrices.includes(price.id));
      return scope.price_type === "metered";
    };
    const now = emulator.now(customer.id);
    const byCurrency = new Map<string, number>();
    for (const grant of store.list("creditGrants")) {
      if (grantCustomerId(grant) !== customer.id || !matches(grant)) continue;
      const currency = grant.amount.monetary?.currency ?? "usd";
      byCurrency.set(currency, (byCurrency.get(currency) ?? 0) + (isInForce(grant, now) ? availableBalance(store, grant, now) : 0));
    }
    const summary: Stripe.Billing.CreditBalanceSummary = {
      object: "billing.credit_balance_summary",
      balances: [...byCurrency].map(([currency, value]) => ({
        available_balance: { type: "monetary", monetary: { currency, value } },
        ledger_balance: { type: "monetary", monetary: { currency, value } },
      })),
      customer: customer.id,
      customer_account: null,
      livemode: false,
    };
    return summary;
  });

  router.add("GET", "/v1/billing/credit_balance_transactions", (ctx) => {
    const params = ctx.parse(z.strictObject({ ...zListParams, customer: zStr(), credit_grant: zStr().optional() }));
    getCustomer(params.customer);
    const newestFirst = [...creditState(store).transactions].reverse().filter((transaction) => {
      const grant = store.get("creditGrants", typeof transaction.credit_grant === "string" ? transaction.credit_grant : transaction.credit_grant.id);
      return grant !== undefined && grantCustomerId(grant) === params.customer && (params.credit_grant === undefined || grant.id === params.credit_grant);
    });
    return paginate(newestFirst, params, ctx.listUrl);
  });

  router.add("GET", "/v1/billing/credit_balance_transactions/:id", (ctx) => {
    ctx.parse(z.strictObject({ expand: zExpand }));
    const id = ctx.params.id ?? "";
    const transaction = creditState(store).transactions.find((candidate) => candidate.id === id);
    if (!transaction) throw resourceMissing("billing.credit_balance_transaction", id);
    return transaction;
  });
}
