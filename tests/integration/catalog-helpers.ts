// Catalog inputs for integration tests: parsed through the same schemas the forms and the API use.
import { ZCustomerInput, ZMeterInput, ZPlanInput } from "@/lib/catalog/schemas";
import { createCustomer } from "@/lib/customers/create-customer";
import { createMeter } from "@/lib/catalog/create-meter";
import { createPlan } from "@/lib/catalog/create-plan";
import { publishPlanVersion } from "@/lib/catalog/publish-plan-version";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { getStripe } from "@/lib/stripe/client";
import { createUser, unique } from "./factories";

/** 2024-01-01T00:00:00Z: test clocks start here; the first monthly period ends on February 1st. */
export const JAN_1 = 1_704_067_200;

export async function adminContext(): Promise<TAuditContext> {
  const admin = await createUser({ staffRole: "ADMIN" });
  return { actor: { kind: "USER", userId: admin.id }, requestId: unique("req") };
}

export const slug = (label: string) => unique(label).replace(/[^a-z0-9-]/g, "-");

export async function meter(context: TAuditContext, overrides: Record<string, unknown> = {}) {
  return createMeter(ZMeterInput.parse({ eventName: slug("api_calls"), displayName: "API calls", aggregation: "SUM", unitLabel: "call", ...overrides }), context);
}

/** A plan with a base fee of $49 and one graduated charge (1,000 included, then 0.5¢ up to 10,000 more, then 0.2¢). */
export async function tieredPlan(context: TAuditContext, meterIds: string[], overrides: Record<string, unknown> = {}) {
  return createPlan(
    ZPlanInput.parse({
      key: slug("team"),
      name: "Team",
      version: {
        currency: "usd",
        baseFeeMinor: 4900,
        charges: meterIds.map((meterId) => ({
          meterId,
          pricingModel: "GRADUATED",
          includedQuantity: "1000",
          tiers: [
            { upTo: "10000", unitPriceMinor: "0.5" },
            { upTo: null, unitPriceMinor: "0.2", flatPriceMinor: "100" },
          ],
        })),
        ...overrides,
      },
    }),
    context,
  );
}

export async function publishedPlan(context: TAuditContext, meterIds: string[], overrides: Record<string, unknown> = {}) {
  const plan = await tieredPlan(context, meterIds, overrides);
  const draft = plan.versions[0];
  if (!draft) throw new Error("no draft");
  return publishPlanVersion(draft.id, context);
}

export async function customer(context: TAuditContext, options: { stripeTestClockId?: string } = {}) {
  return createCustomer(ZCustomerInput.parse({ externalId: slug("acme"), name: "Acme Corp", email: `${slug("billing")}@acme.test` }), context, options);
}

/** A published plan: base fee + one per-unit charge per meter, at `unitPriceMinor` minor units a unit. */
export async function perUnitPlan(context: TAuditContext, meterIds: string[], baseFeeMinor: number, unitPriceMinor: string) {
  const plan = await createPlan(
    ZPlanInput.parse({
      key: slug("plan"),
      name: `Plan ${baseFeeMinor}`,
      version: { currency: "usd", baseFeeMinor, charges: meterIds.map((meterId) => ({ meterId, pricingModel: "PER_UNIT", unitPriceMinor })) },
    }),
    context,
  );
  return publishPlanVersion(plan.versions[0]?.id ?? "", context);
}

/** Moves a test clock and waits until Stripe has run everything up to then. */
export async function clockAdvance(clockId: string, frozenTime: number) {
  const stripe = getStripe();
  await stripe.testHelpers.testClocks.advance(clockId, { frozen_time: frozenTime });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const clock = await stripe.testHelpers.testClocks.retrieve(clockId);
    if (clock.status === "ready" && clock.frozen_time === frozenTime) return;
    if (Date.now() > deadline) throw new Error(`test clock ${clockId} is still ${clock.status}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A customer on a fresh test clock (at JAN_1 unless told), and the clock. */
export async function clockCustomer(context: TAuditContext, frozenTime = JAN_1) {
  const clock = await getStripe().testHelpers.testClocks.create({ frozen_time: frozenTime });
  return { clock, customer: await customer(context, { stripeTestClockId: clock.id }) };
}
