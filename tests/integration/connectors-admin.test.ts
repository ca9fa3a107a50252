// Issue #9, the admin console for connectors: only admins reach the connector actions; an admin
// creates a HubSpot connector (its token sealed, never listed), stores and clears a customer's
// company (audited), sees a connector's runs newest first 20 a page, its companies with their
// match and last-run error, a failed run's reason on the run, the connector and the overview, and
// cannot delete a SQL source that recorded usage. No network: secrets are only sealed, and the one
// run here fails on reading its secret. Connectors made directly are paused, so a worker running
// due connectors elsewhere on this shared database never picks them up.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { getAdminOverview } from "@/lib/admin/get-admin-overview";
import { findConnectors } from "@/lib/connectors/find-connectors";
import { CONNECTOR_RUNS_PAGE_SIZE, getConnector } from "@/lib/connectors/get-connector";
import { db, type Prisma } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { adminContext, tieredPlan } from "./catalog-helpers";
import { createCustomer, createUser, sessionCookie, unique } from "./factories";

// Server actions read the session from the request's cookies: here, the jar below.
const jar = new Map<string, string>();
vi.mock("next/headers", () => ({ cookies: async () => ({ get: (name: string) => (jar.has(name) ? { name, value: jar.get(name) } : undefined) }) }));
vi.mock("next/cache", () => ({ revalidatePath: () => undefined }));
const {
  createHubSpotConnectorAction,
  createSqlSourceAction,
  deleteConnectorAction,
  previewSqlSourceAction,
  runConnectorAction,
  updateConnectorAction,
  updateConnectorLinkAction,
} = await import("@/app/admin/connectors/actions");

async function logInAs(userId: string) {
  const [name, value] = (await sessionCookie(userId)).split("=");
  jar.clear();
  jar.set(name ?? "", value ?? "");
}

async function logInAsAdmin() {
  const admin = await createUser({ staffRole: "ADMIN" });
  await logInAs(admin.id);
  return admin;
}

beforeEach(() => jar.clear());

/** Subscriptions made here end after their test, so other files' all-customer jobs see them only briefly. */
const liveSubscriptions: string[] = [];
afterEach(async () => {
  const ids = liveSubscriptions.splice(0);
  if (ids.length > 0) await db.subscription.updateMany({ where: { id: { in: ids } }, data: { endedAt: new Date() } });
});

/** A paused connector row, made directly (its secret is not a sealed one: nothing here connects). */
function sqlSource(overrides: Partial<Prisma.ConnectorUncheckedCreateInput> = {}) {
  return db.connector.create({
    data: {
      kind: "POSTGRES",
      name: unique("Product DB"),
      enabled: false,
      secretCiphertext: "x",
      secretHint: "postgres://tally_reader@db.internal:5432/product",
      query: "select 1",
      mode: "RAW",
      keyPrefix: unique("sql").toLowerCase(),
      intervalMinutes: 15,
      ...overrides,
    },
  });
}

function hubSpotConnector() {
  return db.connector.create({ data: { kind: "HUBSPOT", name: unique("HubSpot"), enabled: false, secretCiphertext: "x", secretHint: "…abcd", intervalMinutes: 15 } });
}

const minutes = (base: Date, count: number) => new Date(base.getTime() + count * 60_000);

describe("who may use the connector actions", () => {
  it("refuses finance staff, a customer's member and anyone logged out; nothing is created", async () => {
    const name = unique("HubSpot");
    const input = { name, accessToken: "pat-na1-0000-1111-2222", intervalMinutes: 15 };

    await logInAs((await createUser({ staffRole: "FINANCE" })).id);
    expect(await createHubSpotConnectorAction(input)).toMatchObject({ ok: false, error: { code: "forbidden" } });

    const customer = await createCustomer();
    await logInAs((await createUser({ customerId: customer.id })).id);
    expect(await createHubSpotConnectorAction(input)).toMatchObject({ ok: false, error: { code: "forbidden" } });
    const connector = await sqlSource();
    expect(await deleteConnectorAction({ connectorId: connector.id })).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(await runConnectorAction({ connectorId: connector.id })).toMatchObject({ ok: false, error: { code: "forbidden" } });

    jar.clear();
    expect(await createHubSpotConnectorAction(input)).toMatchObject({ ok: false, error: { code: "unauthenticated" } });

    expect(await db.connector.count({ where: { name } })).toBe(0);
    expect(await db.connector.count({ where: { id: connector.id } })).toBe(1);
    expect(await db.connectorRun.count({ where: { connectorId: connector.id } })).toBe(0);
  });
});

describe("creating and listing connectors", () => {
  it("an admin creates a HubSpot connector: its token is sealed, listed only by its hint, and the form's mistakes land on their fields", async () => {
    await logInAsAdmin();
    const name = unique("HubSpot");
    const accessToken = `pat-na1-${unique("token")}-9f3c`;
    // An address nothing listens on: should a worker run it before it is paused, it fails at once.
    const created = await createHubSpotConnectorAction({ name, accessToken, apiBaseUrl: "http://127.0.0.1:9/", intervalMinutes: "30" });
    if (!created.ok) throw new Error(created.error.message);
    const { connectorId } = created.data;
    expect(await updateConnectorAction({ connectorId, changes: { enabled: false } })).toEqual({ ok: true, data: { connectorId, name, enabled: false } });

    const stored = await db.connector.findUniqueOrThrow({ where: { id: connectorId } });
    expect(stored).toMatchObject({ kind: "HUBSPOT", name, secretHint: "…9f3c", apiBaseUrl: "http://127.0.0.1:9", intervalMinutes: 30, enabled: false });
    expect(stored.secretCiphertext).toMatch(/^v1\./);
    expect(stored.secretCiphertext).not.toContain(accessToken);
    expect(await db.auditLog.count({ where: { action: "connector.created", entityId: connectorId } })).toBe(1);

    const listed = (await findConnectors()).find((connector) => connector.id === connectorId);
    expect(listed).toMatchObject({ name, kind: "HUBSPOT", secretHint: "…9f3c", enabled: false, lastRun: null, lastStatus: null });
    expect(listed).not.toHaveProperty("secretCiphertext");
    expect(JSON.stringify(listed)).not.toContain(stored.secretCiphertext);
    expect(JSON.stringify(listed)).not.toContain(accessToken);
    const detail = await getConnector(connectorId);
    expect(detail).not.toHaveProperty("secretCiphertext");
    expect(detail).toMatchObject({ runs: [], runsNextCursor: null });

    const taken = await createHubSpotConnectorAction({ name, accessToken, intervalMinutes: 15 });
    expect(taken).toMatchObject({ ok: false, error: { code: "conflict", fieldErrors: { "/name": `A connector is already named "${name}".` } } });
    const invalid = await createHubSpotConnectorAction({ name: " ", accessToken: "short", apiBaseUrl: "ftp://hubspot", intervalMinutes: "0" });
    expect(invalid.ok).toBe(false);
    expect(invalid.ok ? null : Object.keys(invalid.error.fieldErrors).sort()).toEqual(["/accessToken", "/apiBaseUrl", "/intervalMinutes", "/name"]);
    const sql = await createSqlSourceAction({ name: unique("Product DB"), connectionUrl: "mysql://db.internal/product", mode: "RAW", query: "", intervalMinutes: 15 });
    expect(sql.ok ? null : Object.keys(sql.error.fieldErrors).sort()).toEqual(["/connectionUrl", "/query"]);
  });

  it("lists each connector with its last finished run's counts", async () => {
    const connector = await sqlSource();
    const startedAt = new Date("2026-03-02T10:00:00Z");
    await db.connectorRun.create({ data: { connectorId: connector.id, trigger: "SCHEDULE", status: "SUCCEEDED", startedAt, finishedAt: minutes(startedAt, 1), rowsRead: 150, recordedCount: 12, unchangedCount: 135, errorCount: 3 } });
    await db.connectorRun.create({ data: { connectorId: connector.id, trigger: "MANUAL", status: "RUNNING", startedAt: minutes(startedAt, 15) } });

    const listed = (await findConnectors()).find((row) => row.id === connector.id);
    expect(listed?.lastRun).toMatchObject({ status: "SUCCEEDED", rowsRead: 150, recordedCount: 12, unchangedCount: 135, errorCount: 3, startedAt });
    expect(listed).not.toHaveProperty("secretCiphertext");
  });
});

describe("a connector's page", () => {
  it("shows its runs newest first, 20 a page, paged back with runsBefore", async () => {
    const connector = await sqlSource();
    const other = await sqlSource();
    const admin = await createUser({ staffRole: "ADMIN" });
    const base = new Date("2026-03-01T00:00:00Z");
    const runs = [];
    for (let index = 0; index < 25; index++) {
      runs.push(
        await db.connectorRun.create({
          data: {
            connectorId: connector.id,
            trigger: index === 24 ? "MANUAL" : "SCHEDULE",
            triggeredById: index === 24 ? admin.id : null,
            status: index === 23 ? "PARTIAL" : "SUCCEEDED",
            startedAt: minutes(base, index * 15),
            finishedAt: minutes(base, index * 15 + 1),
            rowsRead: index,
            errorCount: index === 23 ? 1 : 0,
            errors: index === 23 ? [{ ref: "row 7 (event e-7)", code: "unknown_meter", detail: "No meter named cpu_seconds." }] : [],
          },
        }),
      );
    }
    const otherRun = await db.connectorRun.create({ data: { connectorId: other.id, trigger: "SCHEDULE", status: "SUCCEEDED", startedAt: base } });
    const newestFirst = runs.map((run) => run.id).reverse();

    const first = await getConnector(connector.id);
    expect(first.runs).toHaveLength(CONNECTOR_RUNS_PAGE_SIZE);
    expect(first.runs.map((run) => run.id)).toEqual(newestFirst.slice(0, 20));
    expect(first.runs[0]).toMatchObject({ trigger: "MANUAL", triggeredByEmail: admin.email, rowsRead: 24 });
    expect(first.runs[1]).toMatchObject({ status: "PARTIAL", errorCount: 1, errors: [{ ref: "row 7 (event e-7)", code: "unknown_meter", detail: "No meter named cpu_seconds." }] });
    expect(first.runsNextCursor).toBe(newestFirst[19]);
    expect(first.companies).toBeNull();

    const second = await getConnector(connector.id, { runsBefore: first.runsNextCursor ?? undefined });
    expect(second.runs.map((run) => run.id)).toEqual(newestFirst.slice(20));
    expect(second.runsNextCursor).toBeNull();

    // Another connector's run as the cursor is no cursor: the first page.
    expect((await getConnector(connector.id, { runsBefore: otherRun.id })).runs.map((run) => run.id)).toEqual(newestFirst.slice(0, 20));
  });

  it("is not found for a connector that does not exist", async () => {
    const error = await getConnector("0190a000-0000-7000-8000-000000000000").catch((caught: unknown) => caught);
    expect(isAppError(error) && error.code).toBe("not_found");
  });

  it("for HubSpot: lists customers with a live subscription or a link, with their match and last-run error; an admin stores and clears a company (audited)", async () => {
    const context = await adminContext();
    const connector = await hubSpotConnector();
    const plan = await tieredPlan(context, []);
    const planVersionId = plan.versions[0]?.id ?? "";
    const subscribed = await createCustomer(unique("Subscribed"));
    const now = new Date();
    const subscription = await db.subscription.create({
      data: {
        customerId: subscribed.id,
        planVersionId,
        status: "ACTIVE",
        billingCycleAnchorAt: now,
        startedAt: now,
        currentPeriodStart: now,
        currentPeriodEnd: minutes(now, 30 * 24 * 60),
      },
    });
    liveSubscriptions.push(subscription.id);
    const linked = await createCustomer(unique("Linked"));
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: linked.id, externalId: "5550001", source: "DOMAIN", lastSyncedAt: new Date("2026-03-01T12:00:00Z") } });
    const archived = await createCustomer(unique("Archived"));
    await db.customer.update({ where: { id: archived.id }, data: { archivedAt: now } });
    await db.connectorLink.create({ data: { connectorId: connector.id, customerId: archived.id, externalId: "5550002", source: "ADMIN" } });
    const unrelated = await createCustomer(unique("Unrelated"));
    await db.connectorRun.create({
      data: {
        connectorId: connector.id,
        trigger: "SCHEDULE",
        status: "PARTIAL",
        startedAt: minutes(now, -30),
        finishedAt: minutes(now, -29),
        errorCount: 1,
        errors: [{ ref: subscribed.externalId, code: "no_company", detail: "No HubSpot company has the domain example.test: store its company id." }],
      },
    });

    const mine = (companies: Awaited<ReturnType<typeof getConnector>>["companies"]) =>
      new Map((companies ?? []).filter((company) => [subscribed.id, linked.id, archived.id, unrelated.id].includes(company.customerId)).map((company) => [company.customerId, company]));
    const before = mine((await getConnector(connector.id)).companies);
    expect([...before.keys()].sort()).toEqual([subscribed.id, linked.id].sort());
    expect(before.get(subscribed.id)).toMatchObject({
      name: subscribed.name,
      externalId: subscribed.externalId,
      email: subscribed.email,
      link: null,
      lastRunError: { ref: subscribed.externalId, code: "no_company" },
    });
    expect(before.get(linked.id)).toMatchObject({ link: { externalId: "5550001", source: "DOMAIN", lastSyncedAt: new Date("2026-03-01T12:00:00Z") }, lastRunError: null });

    const admin = await logInAsAdmin();
    expect(await updateConnectorLinkAction({ connectorId: connector.id, customerId: subscribed.id, externalId: " 18234567012 " })).toEqual({
      ok: true,
      data: { customerId: subscribed.id, externalId: "18234567012" },
    });
    expect(mine((await getConnector(connector.id)).companies).get(subscribed.id)?.link).toMatchObject({ externalId: "18234567012", source: "ADMIN", lastSyncedAt: null });
    expect(await updateConnectorLinkAction({ connectorId: connector.id, customerId: subscribed.id, externalId: "acme.test" })).toMatchObject({
      ok: false,
      error: { code: "invalid_params", fieldErrors: { "/externalId": expect.stringContaining("digits") } },
    });

    // Cleared: the linked-only customer leaves the list; the subscribed one stays, unmatched.
    expect(await updateConnectorLinkAction({ connectorId: connector.id, customerId: subscribed.id, externalId: "" })).toEqual({ ok: true, data: { customerId: subscribed.id, externalId: null } });
    expect(await updateConnectorLinkAction({ connectorId: connector.id, customerId: linked.id, externalId: "" })).toMatchObject({ ok: true });
    const after = mine((await getConnector(connector.id)).companies);
    expect([...after.keys()]).toEqual([subscribed.id]);
    expect(after.get(subscribed.id)?.link).toBeNull();

    const audits = await db.auditLog.findMany({ where: { action: "connector.link_updated", entityId: connector.id }, orderBy: { id: "asc" } });
    expect(audits.map((audit) => [audit.customerId, audit.actorUserId, audit.before, audit.after])).toEqual([
      [subscribed.id, admin.id, null, { externalId: "18234567012", source: "ADMIN" }],
      [subscribed.id, admin.id, { externalId: "18234567012", source: "ADMIN" }, null],
      [linked.id, admin.id, { externalId: "5550001", source: "DOMAIN" }, null],
    ]);
  });
});

describe("running and deleting", () => {
  it("a run that fails is a FAILED run with its reason, on the run, the connector and the admin overview; a dry run's failure is the action's error", async () => {
    const admin = await logInAsAdmin();
    const connector = await sqlSource();

    const outcome = await runConnectorAction({ connectorId: connector.id });
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.data).toMatchObject({ status: "FAILED", rowsRead: 0, recorded: 0, unchanged: 0, errorCount: 0, error: expect.stringContaining("enter it again") });
    expect(JSON.parse(JSON.stringify(outcome.data))).toEqual(outcome.data);

    const detail = await getConnector(connector.id);
    expect(detail).toMatchObject({ lastStatus: "FAILED", lastError: outcome.data.error, runningSince: null });
    expect(detail.runs).toEqual([expect.objectContaining({ id: outcome.data.runId, trigger: "MANUAL", status: "FAILED", triggeredByEmail: admin.email, error: outcome.data.error })]);
    expect((await getAdminOverview()).failingConnectors).toContainEqual(expect.objectContaining({ id: connector.id, lastStatus: "FAILED", lastError: outcome.data.error }));

    expect(await previewSqlSourceAction({ connectorId: connector.id })).toMatchObject({ ok: false, error: { code: "unprocessable", message: expect.stringContaining("enter it again") } });
    expect(await db.connectorRun.count({ where: { connectorId: connector.id } })).toBe(1);
  });

  it("refuses to delete a SQL source that recorded usage (pause it instead); deletes one that recorded nothing", async () => {
    await logInAsAdmin();
    const recorded = await sqlSource();
    await db.connectorRun.create({ data: { connectorId: recorded.id, trigger: "SCHEDULE", status: "SUCCEEDED", startedAt: new Date("2026-03-01T00:00:00Z"), rowsRead: 3, recordedCount: 3 } });
    const refused = await deleteConnectorAction({ connectorId: recorded.id });
    expect(refused).toMatchObject({ ok: false, error: { code: "conflict", message: expect.stringContaining("pause it instead") } });
    expect(await db.connector.count({ where: { id: recorded.id } })).toBe(1);

    const empty = await sqlSource();
    await db.connectorRun.create({ data: { connectorId: empty.id, trigger: "SCHEDULE", status: "FAILED", startedAt: new Date("2026-03-01T00:00:00Z"), error: "connection refused" } });
    expect(await deleteConnectorAction({ connectorId: empty.id })).toEqual({ ok: true, data: { connectorId: empty.id } });
    expect(await db.connector.count({ where: { id: empty.id } })).toBe(0);
    expect(await db.connectorRun.count({ where: { connectorId: empty.id } })).toBe(0);
    expect(await db.auditLog.count({ where: { action: "connector.deleted", entityId: empty.id } })).toBe(1);
    expect(await deleteConnectorAction({ connectorId: empty.id })).toMatchObject({ ok: false, error: { code: "not_found" } });
  });
});
