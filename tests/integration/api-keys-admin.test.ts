// API keys created and revoked by staff (the admin console's services), and the sync health page's
// counts, against the real database and the Stripe emulator.
import { describe, expect, it } from "vitest";
import { createApiKeyForAdmin } from "@/lib/api-keys/create-api-key-for-admin";
import { findApiKeys } from "@/lib/api-keys/find-api-keys";
import { revokeApiKey } from "@/lib/api-keys/revoke-api-key";
import { ZApiKeyCreateInput } from "@/lib/api-keys/schemas";
import { authenticateApiKey } from "@/lib/auth/api-keys";
import { db } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { getSyncHealth } from "@/lib/stripe/get-sync-health";
import { adminContext, customer, meter, publishedPlan, tieredPlan } from "./catalog-helpers";
import { unique } from "./factories";

async function authError(key: string) {
  try {
    await authenticateApiKey(`Bearer ${key}`, "INGEST");
    return null;
  } catch (error) {
    return isAppError(error) ? error : Promise.reject(error);
  }
}

describe("API keys for admins", () => {
  it("returns the key once, stores only prefix and hash, lists it without the secret, and audits who created it", async () => {
    const context = await adminContext();
    const name = unique("ingest key");
    const created = await createApiKeyForAdmin(ZApiKeyCreateInput.parse({ name, scopes: ["INGEST", "ADMIN", "INGEST"] }), context);

    expect(created.key).toMatch(/^tly_/);
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(created.scopes).toEqual(["ADMIN", "INGEST"]);
    expect(await authenticateApiKey(`Bearer ${created.key}`, "INGEST")).toMatchObject({ id: created.id, name });

    const row = await db.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.createdById).toBe(context.actor.kind === "USER" ? context.actor.userId : null);
    const listed = (await findApiKeys()).find((key) => key.id === created.id);
    expect(listed).toMatchObject({ name, prefix: created.prefix, scopes: ["ADMIN", "INGEST"], revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.key.slice(created.prefix.length));
    expect(listed).not.toHaveProperty("hash");

    const audit = await db.auditLog.findMany({ where: { entityType: "api_key", entityId: created.id } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "api_key.created",
      actorKind: "USER",
      actorUserId: row.createdById,
      requestId: context.requestId,
      before: null,
      after: { name, prefix: created.prefix, scopes: ["ADMIN", "INGEST"] },
    });
    // The secret is in no audit row.
    expect(JSON.stringify(audit.map((entry) => [entry.before, entry.after]))).not.toContain(created.key.slice(created.prefix.length));
  });

  it("refuses a key without a name or scopes, at the schema", () => {
    const result = ZApiKeyCreateInput.safeParse({ name: " ", scopes: [] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.path.join("/")).sort()).toEqual(["name", "scopes"]);
  });

  it("revokes: the key fails authentication, the revocation is audited once, and revoking again changes nothing", async () => {
    const context = await adminContext();
    const created = await createApiKeyForAdmin(ZApiKeyCreateInput.parse({ name: unique("key"), scopes: ["INGEST"] }), context);
    expect(await authError(created.key)).toBeNull();

    const revoked = await revokeApiKey(created.id, context);
    const error = await authError(created.key);
    expect(error?.code).toBe("unauthenticated");
    expect(error?.message).toBe("This API key was revoked.");

    const again = await revokeApiKey(created.id, context);
    expect(again.revokedAt.getTime()).toBe(revoked.revokedAt.getTime());
    const audit = await db.auditLog.findMany({ where: { entityType: "api_key", entityId: created.id, action: "api_key.revoked" } });
    expect(audit).toHaveLength(1);
    expect(audit[0]?.before).toMatchObject({ prefix: created.prefix, revokedAt: null });
    expect(audit[0]?.after).toMatchObject({ prefix: created.prefix, revokedAt: revoked.revokedAt.toISOString() });
    expect((await findApiKeys()).find((key) => key.id === created.id)?.revokedAt).toEqual(revoked.revokedAt);
    expect((await findApiKeys({ includeRevoked: false })).some((key) => key.id === created.id)).toBe(false);
  });

  it("answers not_found for an unknown key", async () => {
    await expect(revokeApiKey("00000000-0000-7000-8000-000000000000", await adminContext())).rejects.toMatchObject({ code: "not_found" });
  });
});

describe("sync health", () => {
  it("counts synced, not synced and draft objects, and lists webhook events and failures newest first", async () => {
    const context = await adminContext();
    const before = await getSyncHealth({ limit: 500 });
    const count = (health: typeof before, kind: string) => health.kinds.find((entry) => entry.kind === kind);

    const synced = await customer(context);
    const unsynced = await db.customer.create({ data: { externalId: unique("ext"), name: "Not in Stripe" } });
    const usage = await meter(context);
    await publishedPlan(context, [usage.id]);
    await tieredPlan(context, [usage.id]); // a draft: nothing in Stripe, and none expected
    const eventId = `evt_${unique("sync")}`;
    await db.stripeEvent.create({ data: { id: eventId, type: "invoice.paid", stripeCreatedAt: new Date() } });
    await db.stripeEventFailure.create({ data: { eventId: `evt_${unique("fail")}`, type: "invoice.paid", error: "boom" } });

    const after = await getSyncHealth({ limit: 500 });
    const customers = count(after, "customer");
    expect(customers?.total).toBe((count(before, "customer")?.total ?? 0) + 2);
    expect(customers?.synced).toBe((count(before, "customer")?.synced ?? 0) + 1);
    expect(customers?.notSynced).toBe((count(before, "customer")?.notSynced ?? 0) + 1);
    expect(customers?.objects.find((object) => object.id === synced.id)).toMatchObject({ state: "synced", stripeId: synced.stripeCustomerId });
    expect(customers?.objects.find((object) => object.id === unsynced.id)).toMatchObject({ state: "not_synced", stripeId: null });

    const plans = count(after, "plan");
    expect(plans?.total).toBe((count(before, "plan")?.total ?? 0) + 2);
    expect(plans?.synced).toBe((count(before, "plan")?.synced ?? 0) + 1);
    expect(plans?.notRequired).toBe((count(before, "plan")?.notRequired ?? 0) + 1);
    const versions = count(after, "plan_version");
    expect(versions?.synced).toBe((count(before, "plan_version")?.synced ?? 0) + 1);
    expect(versions?.notRequired).toBe((count(before, "plan_version")?.notRequired ?? 0) + 1);
    const charges = count(after, "plan_charge");
    expect(charges?.synced).toBe((count(before, "plan_charge")?.synced ?? 0) + 1);
    expect(charges?.notRequired).toBe((count(before, "plan_charge")?.notRequired ?? 0) + 1);
    expect(count(after, "meter")?.objects.find((object) => object.id === usage.id)?.state).toBe("synced");

    expect(after.events.total).toBe(before.events.total + 1);
    expect(after.events.last24h).toBe(before.events.last24h + 1);
    expect(after.events.recent.map((event) => event.id)).toContain(eventId);
    expect(after.failures.total).toBe(before.failures.total + 1);
    expect(after.failures.recent[0]).toMatchObject({ type: "invoice.paid", error: "boom" });
  });
});
