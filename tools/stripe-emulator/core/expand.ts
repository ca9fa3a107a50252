// `expand[]` (SEMANTICS.md §12): dotted paths, at most four levels, `data.` for lists; an expandable
// field holds an id until expanded. Works on a copy of the response, never on stored objects.
import { invalidRequest } from "./errors";
import type { Store } from "./store";

const MAX_DEPTH = 4;

/** Refuses expand paths deeper than Stripe allows; checked before the endpoint runs. */
export function checkExpandPaths(paths: readonly string[]): void {
  for (const path of paths) {
    if (path.split(".").length > MAX_DEPTH) {
      throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, { param: "expand" });
    }
  }
}

export function expandResponse(store: Store, body: unknown, paths: readonly string[], resolve?: (id: string) => unknown): unknown {
  checkExpandPaths(paths);
  for (const path of paths) walk(body, path.split("."), path, (id) => resolve?.(id) ?? store.findById(id));
  return body;
}

function walk(node: unknown, parts: string[], path: string, lookup: (id: string) => unknown): void {
  const [head, ...rest] = parts;
  if (head === undefined) return;
  if (Array.isArray(node)) {
    for (const item of node) walk(item, parts, path, lookup);
    return;
  }
  if (node === null || typeof node !== "object") return;
  const record = node as Record<string, unknown>;
  if (!(head in record)) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: "expand" });
  let child = record[head];
  if (typeof child === "string") {
    const found = lookup(child);
    if (found === undefined) {
      if (rest.length === 0 && !/^[a-z]+_/.test(child)) throw invalidRequest(`This property cannot be expanded (${path}).`, { param: "expand" });
      return;
    }
    child = structuredClone(found);
    record[head] = child;
  }
  walk(child, rest, path, lookup);
}
