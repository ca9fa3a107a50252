// The app's Stripe client reaches whatever STRIPE_API_URL names (here: the emulator) through the
// official SDK's connection options only.
import { describe, expect, it } from "vitest";
import { createStripeClient, getStripe, STRIPE_API_VERSION } from "@/lib/stripe/client";

describe("Stripe client", () => {
  it("talks to the configured API with the pinned version", async () => {
    const stripe = getStripe();
    const customer = await stripe.customers.create({ name: "Client Co", metadata: { tally_customer_id: "c1" } });
    expect(customer.id).toMatch(/^cus_/);
    expect((await stripe.customers.retrieve(customer.id)) as { name?: string }).toMatchObject({ name: "Client Co" });
    expect(STRIPE_API_VERSION).toBe("2026-10-28.endive");
  });

  it("surfaces Stripe's authentication error for a wrong key", async () => {
    const wrong = createStripeClient({ apiKey: "sk_live_not_a_key" });
    await expect(wrong.customers.list()).rejects.toMatchObject({ type: "StripeAuthenticationError", statusCode: 401 });
  });
});
