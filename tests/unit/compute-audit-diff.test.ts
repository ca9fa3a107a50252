// The audit browser's "what changed" under each entry: keys flattened with dots, each marked added,
// removed, changed or unchanged.
import { describe, expect, it } from "vitest";
import { computeAuditDiff } from "@/lib/audit/compute-audit-diff";

const changed = (before: unknown, after: unknown) => computeAuditDiff(before, after).filter((line) => line.kind !== "unchanged");

describe("computeAuditDiff", () => {
  it("marks changed, added and removed keys, keeps the unchanged ones, sorted by key", () => {
    expect(computeAuditDiff({ status: "ACTIVE", name: "Acme", email: "a@x.test" }, { status: "CANCELED", name: "Acme", seats: 3 })).toEqual([
      { key: "email", kind: "removed", before: "a@x.test" },
      { key: "name", kind: "unchanged", before: "Acme", after: "Acme" },
      { key: "seats", kind: "added", after: 3 },
      { key: "status", kind: "changed", before: "ACTIVE", after: "CANCELED" },
    ]);
  });

  it("flattens nested objects with dots, down to the key that changed", () => {
    const before = { planVersion: { id: "pv_1", plan: { name: "Starter" } }, quantity: "10" };
    const after = { planVersion: { id: "pv_2", plan: { name: "Starter" } }, quantity: "10" };
    expect(changed(before, after)).toEqual([{ key: "planVersion.id", kind: "changed", before: "pv_1", after: "pv_2" }]);
    expect(computeAuditDiff(before, after).map((line) => line.key)).toEqual(["planVersion.id", "planVersion.plan.name", "quantity"]);
  });

  it("lists every key as added when there was nothing before, and as removed when nothing is left", () => {
    expect(computeAuditDiff(null, { id: "c_1", address: { city: "Oslo" } })).toEqual([
      { key: "address.city", kind: "added", after: "Oslo" },
      { key: "id", kind: "added", after: "c_1" },
    ]);
    expect(computeAuditDiff({ id: "k_1" }, undefined)).toEqual([{ key: "id", kind: "removed", before: "k_1" }]);
    expect(computeAuditDiff(null, null)).toEqual([]);
    expect(computeAuditDiff({}, {})).toEqual([]);
  });

  it("tells a null value from a missing key", () => {
    expect(changed({ revokedAt: null }, { revokedAt: "2026-11-21T10:00:00.000Z" })).toEqual([
      { key: "revokedAt", kind: "changed", before: null, after: "2026-11-21T10:00:00.000Z" },
    ]);
    expect(changed({}, { revokedAt: null })).toEqual([{ key: "revokedAt", kind: "added", after: null }]);
  });

  it("compares arrays whole, by value", () => {
    expect(changed({ scopes: ["INGEST"], tiers: [{ upTo: 10 }] }, { scopes: ["INGEST"], tiers: [{ upTo: 10 }] })).toEqual([]);
    expect(changed({ scopes: ["INGEST"] }, { scopes: ["INGEST", "ADMIN"] })).toEqual([{ key: "scopes", kind: "changed", before: ["INGEST"], after: ["INGEST", "ADMIN"] }]);
    expect(changed({ tiers: [{ upTo: 10 }] }, { tiers: [{ upTo: 20 }] })).toEqual([{ key: "tiers", kind: "changed", before: [{ upTo: 10 }], after: [{ upTo: 20 }] }]);
  });

  it("keeps an empty object as a value, and a change of shape as a removal plus an addition", () => {
    expect(changed({ properties: {} }, { properties: { tier: "gold" } })).toEqual([
      { key: "properties", kind: "removed", before: {} },
      { key: "properties.tier", kind: "added", after: "gold" },
    ]);
    expect(changed({ period: { start: "a" } }, { period: "a" })).toEqual([
      { key: "period", kind: "added", after: "a" },
      { key: "period.start", kind: "removed", before: "a" },
    ]);
  });

  it("gives a whole value that is no object the key \"\"", () => {
    expect(computeAuditDiff("draft", "published")).toEqual([{ key: "", kind: "changed", before: "draft", after: "published" }]);
  });
});
