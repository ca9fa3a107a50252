// The audit log browser's reads (lib/audit/find-audit-logs.ts) and the query its address is parsed
// with (ZAuditLogQuery). The database is shared with other test files, so every query here is scoped
// to this file's own customers.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { createApiKey } from "@/lib/auth/api-keys";
import { AUDIT_LOG_PAGE_SIZE, findAuditLogs, type TAuditLogEntry } from "@/lib/audit/find-audit-logs";
import { findAuditActions } from "@/lib/audit/find-audit-actions";
import { recordAudit, recordAudits, type TActor, type TAuditEntry } from "@/lib/audit/record-audit";
import { formatAuditCursor, ZAuditLogQuery } from "@/lib/audit/schemas";
import { db } from "@/lib/db";
import { createCustomer, createUser, unique } from "./factories";

type TFixture = Awaited<ReturnType<typeof createFixture>>;

/** Customer A's log: who did what, at fixed instants; customer B has one entry of its own. */
async function createFixture() {
  const [acme, globex] = await Promise.all([createCustomer(), createCustomer()]);
  const admin = await createUser({ staffRole: "ADMIN" });
  const apiKey = await createApiKey({ name: unique("audit-key"), scopes: ["ADMIN"] });
  const otherKey = await createApiKey({ name: unique("other-key"), scopes: ["ADMIN"] });
  const asAdmin: TActor = { kind: "USER", userId: admin.id };
  const asKey: TActor = { kind: "API_KEY", apiKeyId: apiKey.id };
  const subscriptionId = randomUUID();
  const at = (iso: string, entry: TAuditEntry) => ({ iso, entry });
  const entries = [
    at("2026-10-31T23:59:59.999Z", { actor: asAdmin, action: "customer.updated", entityType: "customer", entityId: acme.id, customerId: acme.id, before: { name: "Acme" }, after: { name: "Acme Corp" } }),
    at("2026-11-01T00:00:00.000Z", { actor: asAdmin, action: "subscription.created", entityType: "subscription", entityId: subscriptionId, customerId: acme.id, after: { status: "ACTIVE" } }),
    at("2026-11-01T12:00:00.000Z", { actor: asKey, action: "subscription.plan_changed", entityType: "subscription", entityId: subscriptionId, customerId: acme.id, before: { plan: "Starter" }, after: { plan: "Team" } }),
    at("2026-11-01T23:59:59.999Z", { actor: { kind: "SYSTEM" }, action: "subscription.plan_changed", entityType: "subscription", entityId: subscriptionId, customerId: acme.id, before: { plan: "Team" }, after: { plan: "Business" } }),
    at("2026-11-02T00:00:00.000Z", { actor: { kind: "SYSTEM" }, action: "report_line.released", entityType: "report_line", entityId: "981", customerId: acme.id }),
    // "_" is a LIKE wildcard: the prefix "report_line." must not find this one.
    at("2026-11-03T00:00:00.000Z", { actor: { kind: "SYSTEM" }, action: "reportxline.flagged", entityType: "report_line", entityId: "982", customerId: acme.id }),
    at("2026-11-04T00:00:00.000Z", { actor: { kind: "API_KEY", apiKeyId: otherKey.id }, action: "usage_events_csv.downloaded", entityType: "customer", entityId: acme.id, customerId: acme.id }),
    at("2026-11-01T12:00:00.000Z", { actor: asAdmin, action: "subscription.plan_changed", entityType: "subscription", entityId: randomUUID(), customerId: globex.id }),
  ];
  for (const { iso, entry } of entries) {
    await recordAudit(db, { ...entry, requestId: `req_${iso}` });
    // The instant is pinned after the fact, so ranges can be tested at their bounds.
    await db.auditLog.updateMany({ where: { requestId: `req_${iso}`, customerId: entry.customerId, action: entry.action }, data: { createdAt: new Date(iso) } });
  }
  return { acme, globex, admin, apiKey, otherKey, subscriptionId };
}

/** The whole query, through the schema the page parses its address with. */
async function find(params: Record<string, string>) {
  return findAuditLogs(ZAuditLogQuery.parse(params));
}

const actions = (entries: TAuditLogEntry[]) => entries.map((entry) => `${entry.createdAt.toISOString()} ${entry.action}`);

describe("findAuditLogs", () => {
  let f: TFixture;
  beforeAll(async () => {
    f = await createFixture();
  });

  it("lists a customer's entries newest first, with who acted, the customer's name and before / after", async () => {
    const { entries, nextCursor } = await find({ customer: f.acme.id });
    expect(actions(entries)).toEqual([
      "2026-11-04T00:00:00.000Z usage_events_csv.downloaded",
      "2026-11-03T00:00:00.000Z reportxline.flagged",
      "2026-11-02T00:00:00.000Z report_line.released",
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
      "2026-11-01T00:00:00.000Z subscription.created",
      "2026-10-31T23:59:59.999Z customer.updated",
    ]);
    expect(nextCursor).toBeNull();
    const byAction = (action: string) => entries.filter((entry) => entry.action === action);
    expect(byAction("customer.updated")[0]).toMatchObject({
      actor: { kind: "USER", userId: f.admin.id, name: f.admin.name, email: f.admin.email },
      entityType: "customer",
      entityId: f.acme.id,
      customer: { id: f.acme.id, name: f.acme.name },
      before: { name: "Acme" },
      after: { name: "Acme Corp" },
      requestId: "req_2026-10-31T23:59:59.999Z",
    });
    expect(byAction("subscription.plan_changed").map((entry) => entry.actor)).toEqual([
      { kind: "SYSTEM" },
      { kind: "API_KEY", apiKeyId: f.apiKey.id, name: expect.stringMatching(/^audit-key-/), prefix: f.apiKey.prefix },
    ]);
    expect(byAction("subscription.created")[0]).toMatchObject({ before: null, after: { status: "ACTIVE" } });
  });

  it("filters by customer: another customer's entries never show", async () => {
    const globex = await find({ customer: f.globex.id });
    expect(actions(globex.entries)).toEqual(["2026-11-01T12:00:00.000Z subscription.plan_changed"]);
    expect(globex.entries[0]?.customer).toEqual({ id: f.globex.id, name: f.globex.name });
    expect((await find({ customer: randomUUID() })).entries).toEqual([]);
  });

  it("filters by one action, or by every action under a prefix", async () => {
    expect(actions((await find({ customer: f.acme.id, action: "subscription.plan_changed" })).entries)).toEqual([
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
    ]);
    expect(actions((await find({ customer: f.acme.id, action: "subscription." })).entries)).toEqual([
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
      "2026-11-01T00:00:00.000Z subscription.created",
    ]);
    // A prefix is literal: "_" matches only "_".
    expect(actions((await find({ customer: f.acme.id, action: "report_line." })).entries)).toEqual(["2026-11-02T00:00:00.000Z report_line.released"]);
    // Exact means exact: no prefix match without the trailing dot.
    expect((await find({ customer: f.acme.id, action: "subscription" })).entries).toEqual([]);
  });

  it("filters by entity type, and by one entity", async () => {
    expect(actions((await find({ customer: f.acme.id, entityType: "customer" })).entries)).toEqual([
      "2026-11-04T00:00:00.000Z usage_events_csv.downloaded",
      "2026-10-31T23:59:59.999Z customer.updated",
    ]);
    const subscription = await find({ entityType: "subscription", entityId: f.subscriptionId });
    expect(subscription.entries.map((entry) => entry.entityId)).toEqual([f.subscriptionId, f.subscriptionId, f.subscriptionId]);
  });

  it("filters by who acted: a person by part of their email, any person, the system, any API key or one key", async () => {
    const emailPart = f.admin.email.split("@")[0]?.toUpperCase() ?? "";
    const byEmail = await find({ email: emailPart });
    expect(actions(byEmail.entries)).toEqual([
      "2026-11-01T12:00:00.000Z subscription.plan_changed", // globex
      "2026-11-01T00:00:00.000Z subscription.created",
      "2026-10-31T23:59:59.999Z customer.updated",
    ]);
    expect(byEmail.entries.every((entry) => entry.actor.kind === "USER" && entry.actor.email === f.admin.email)).toBe(true);
    expect((await find({ customer: f.acme.id, actor: "user", email: "nobody-at-all" })).entries).toEqual([]);
    expect((await find({ customer: f.acme.id, email: "%" })).entries).toEqual([]); // literal, no wildcard
    expect(actions((await find({ customer: f.acme.id, actor: "user" })).entries)).toEqual([
      "2026-11-01T00:00:00.000Z subscription.created",
      "2026-10-31T23:59:59.999Z customer.updated",
    ]);
    expect(actions((await find({ customer: f.acme.id, actor: "system" })).entries)).toEqual([
      "2026-11-03T00:00:00.000Z reportxline.flagged",
      "2026-11-02T00:00:00.000Z report_line.released",
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
    ]);
    expect(actions((await find({ customer: f.acme.id, actor: "api_key" })).entries)).toEqual([
      "2026-11-04T00:00:00.000Z usage_events_csv.downloaded",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
    ]);
    expect(actions((await find({ apiKey: f.apiKey.id })).entries)).toEqual(["2026-11-01T12:00:00.000Z subscription.plan_changed"]);
  });

  it("filters by a half-open UTC range: from included, to excluded", async () => {
    expect(actions((await find({ customer: f.acme.id, from: "2026-11-01", to: "2026-11-02" })).entries)).toEqual([
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
      "2026-11-01T00:00:00.000Z subscription.created",
    ]);
    expect(actions((await find({ customer: f.acme.id, from: "2026-11-01T12:00:00Z", to: "2026-11-02T00:00:00.001Z" })).entries)).toEqual([
      "2026-11-02T00:00:00.000Z report_line.released",
      "2026-11-01T23:59:59.999Z subscription.plan_changed",
      "2026-11-01T12:00:00.000Z subscription.plan_changed",
    ]);
    // A zone other than UTC means the same instant.
    expect(actions((await find({ customer: f.acme.id, from: "2026-11-04T01:00:00+01:00" })).entries)).toEqual(["2026-11-04T00:00:00.000Z usage_events_csv.downloaded"]);
    expect(actions((await find({ customer: f.acme.id, to: "2026-11-01" })).entries)).toEqual(["2026-10-31T23:59:59.999Z customer.updated"]);
  });

  it("pages through 120 entries 50 at a time, newest first, with no entry twice and none missed", async () => {
    const customer = await createCustomer();
    const entry = (index: number): TAuditEntry => ({
      actor: { kind: "SYSTEM" },
      action: "customer.updated",
      entityType: "customer",
      entityId: customer.id,
      customerId: customer.id,
      after: { index },
    });
    // 60 in one statement share one instant (the id breaks the tie); 60 more one by one.
    await recordAudits(db, Array.from({ length: 60 }, (_, index) => entry(index)));
    for (let index = 60; index < 120; index += 1) await recordAudit(db, entry(index));
    const created = await db.auditLog.findMany({ where: { customerId: customer.id }, select: { id: true, createdAt: true } });
    const expected = created
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id > a.id ? 1 : b.id < a.id ? -1 : 0))
      .map((row) => row.id.toString());
    expect(new Set(created.map((row) => row.createdAt.getTime())).size).toBeLessThan(120);

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await find({ customer: customer.id, ...(cursor ? { cursor } : {}) });
      pages.push(page.entries.map((row) => row.id));
      cursor = page.nextCursor ? formatAuditCursor(page.nextCursor) : undefined;
    } while (cursor && pages.length < 10);

    expect(pages.map((page) => page.length)).toEqual([AUDIT_LOG_PAGE_SIZE, AUDIT_LOG_PAGE_SIZE, 20]);
    expect(pages.flat()).toEqual(expected);
    expect(new Set(pages.flat()).size).toBe(120);
  });

  it("keeps the name of an entry's customer null when the customer is gone (the log outlives it)", async () => {
    const goneId = randomUUID();
    await recordAudit(db, { actor: { kind: "SYSTEM" }, action: "customer.updated", entityType: "customer", entityId: goneId, customerId: goneId });
    expect((await find({ customer: goneId })).entries[0]?.customer).toEqual({ id: goneId, name: null });
  });
});

describe("findAuditActions", () => {
  it("offers each action and entity type the log holds, once, sorted, with each action's prefix", async () => {
    const customer = await createCustomer();
    const action = `${unique("zz_test").replace("-", "_")}.happened`;
    const entityType = unique("zz_thing").replace("-", "_");
    await recordAudits(db, [
      { actor: { kind: "SYSTEM" }, action, entityType, entityId: "1", customerId: customer.id },
      { actor: { kind: "SYSTEM" }, action, entityType: `${entityType}_other`, entityId: "2", customerId: customer.id },
      { actor: { kind: "SYSTEM" }, action: `${action}_again`, entityType, entityId: "3", customerId: customer.id },
    ]);
    const options = await findAuditActions();
    expect(options.actions.filter((candidate) => candidate === action)).toHaveLength(1);
    expect(options.actions).toEqual([...options.actions].sort());
    expect(options.actionPrefixes).toContain(`${action.split(".")[0]}.`);
    expect(options.entityTypes.filter((type) => type === entityType)).toHaveLength(1);
  });
});

describe("ZAuditLogQuery", () => {
  const issues = (params: Record<string, unknown>) => {
    const result = ZAuditLogQuery.safeParse(params);
    return result.success ? {} : Object.fromEntries(result.error.issues.map((issue) => [issue.path.join("."), issue.message]));
  };

  it("reads an address: empty fields are no filter, a repeated one counts once, a day is its UTC midnight", () => {
    expect(ZAuditLogQuery.parse({ action: "", customer: "", from: "  ", actor: "" })).toEqual({});
    expect(ZAuditLogQuery.parse({ action: ["subscription.", "customer.created"], from: "2026-11-01", email: " Ada@ " })).toEqual({
      action: { prefix: "subscription." },
      from: new Date("2026-11-01T00:00:00.000Z"),
      actor: { kind: "USER", email: "Ada@" },
    });
    expect(ZAuditLogQuery.parse({ action: "subscription.plan_changed", actor: "api_key" })).toMatchObject({ action: { equals: "subscription.plan_changed" }, actor: { kind: "API_KEY" } });
  });

  it("refuses a bad date, an unknown actor kind and other bad values, naming the field and saying why", () => {
    expect(issues({ from: "2026-13-45" })).toEqual({ from: expect.stringContaining("YYYY-MM-DD") });
    expect(issues({ to: "yesterday" })).toEqual({ to: expect.stringContaining("YYYY-MM-DD") });
    expect(issues({ from: "2026-02-30" })).toEqual({ from: expect.stringContaining("YYYY-MM-DD") });
    expect(issues({ actor: "robot" })).toEqual({ actor: 'Who acted is "user", "api_key" or "system".' });
    expect(issues({ customer: "acme" })).toEqual({ customer: "No such customer." });
    expect(issues({ apiKey: "42" })).toEqual({ apiKey: "No such API key." });
    expect(issues({ action: "DROP TABLE" })).toEqual({ action: expect.stringContaining("subscription.plan_changed") });
    expect(issues({ cursor: "2026-11-01T00:00:00.000Z_abc" })).toEqual({ cursor: expect.stringContaining("start again") });
    expect(issues({ cursor: "2026-11-01T00:00:00.000Z_99999999999999999999" })).toEqual({ cursor: expect.stringContaining("start again") });
  });

  it("refuses filters that contradict each other", () => {
    expect(issues({ from: "2026-11-02", to: "2026-11-02" })).toEqual({ to: expect.stringContaining("after") });
    expect(issues({ actor: "system", email: "ada" })).toEqual({ email: expect.stringContaining("A person") });
    expect(issues({ actor: "user", apiKey: randomUUID() })).toEqual({ apiKey: expect.stringContaining("An API key") });
  });
});
