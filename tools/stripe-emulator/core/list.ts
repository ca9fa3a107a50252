// List envelopes and cursor pagination (SEMANTICS.md §11): newest first, limit 1–100 (default 10),
// starting_after / ending_before by object id, never both.
import { invalidRequest } from "./errors";

export type TList<T> = { object: "list"; data: T[]; has_more: boolean; url: string };

export function paginate<T extends { id?: string | null }>(
  newestFirst: T[],
  params: { limit?: number; starting_after?: string; ending_before?: string },
  url: string,
): TList<T> {
  if (params.starting_after && params.ending_before) {
    throw invalidRequest("You may only specify one of these parameters: ending_before, starting_after.", { param: "ending_before" });
  }
  const limit = params.limit ?? 10;
  if (params.starting_after) {
    const index = newestFirst.findIndex((item) => item.id === params.starting_after);
    if (index < 0) throw invalidRequest(`No such object: '${params.starting_after}'`, { param: "starting_after", code: "resource_missing" });
    const rest = newestFirst.slice(index + 1);
    return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (params.ending_before) {
    const index = newestFirst.findIndex((item) => item.id === params.ending_before);
    if (index < 0) throw invalidRequest(`No such object: '${params.ending_before}'`, { param: "ending_before", code: "resource_missing" });
    const before = newestFirst.slice(0, index);
    const data = before.slice(Math.max(0, before.length - limit));
    return { object: "list", data, has_more: before.length > limit, url };
  }
  return { object: "list", data: newestFirst.slice(0, limit), has_more: newestFirst.length > limit, url };
}
