// What an audit entry changed: its before and after flattened to dotted keys ("planVersion.id"),
// compared key by key. Objects are walked; arrays, empty objects and scalars are values (an array is
// compared whole: its items have no stable keys). A key missing on one side was added or removed; a
// null value is a value. A whole value that is no object (rare) has the key "".

export type TAuditDiffKind = "added" | "removed" | "changed" | "unchanged";

export type TAuditDiffLine = { key: string; kind: TAuditDiffKind; before?: unknown; after?: unknown };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isObject(value) && (Object.keys(value).length > 0 || prefix === "")) {
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) flatten(item, prefix === "" ? key : `${prefix}.${key}`, out);
    }
  } else {
    out.set(prefix, value);
  }
}

function flat(value: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (value !== null && value !== undefined) flatten(value, "", out);
  return out;
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => key in b && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** Every key of either side, sorted, with what happened to it. */
export function computeAuditDiff(before: unknown, after: unknown): TAuditDiffLine[] {
  const left = flat(before);
  const right = flat(after);
  const keys = [...new Set([...left.keys(), ...right.keys()])].sort();
  return keys.map((key): TAuditDiffLine => {
    if (!right.has(key)) return { key, kind: "removed", before: left.get(key) };
    if (!left.has(key)) return { key, kind: "added", after: right.get(key) };
    const was = left.get(key);
    const now = right.get(key);
    return { key, kind: jsonEqual(was, now) ? "unchanged" : "changed", before: was, after: now };
  });
}
