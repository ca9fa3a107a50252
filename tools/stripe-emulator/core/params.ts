// Request parameters are checked with zod schemas written in Stripe's wire terms (strings from the
// form encoding). Unknown parameters are rejected like Stripe does (SEMANTICS.md §0.2), and every
// failure names the parameter in Stripe's bracket notation (`items[0][price]`).
import { z } from "zod";
import { invalidRequest, StripeError } from "./errors";

/** `["items", 0, "price"]` → `items[0][price]`. */
export function toParam(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String);
  return `${head ?? ""}${rest.map((part) => `[${part}]`).join("")}`;
}

export function fromZodIssues(error: z.ZodError): StripeError {
  const issue = error.issues[0];
  if (!issue) return invalidRequest("Invalid request.");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const param = toParam([...issue.path, key]);
    return invalidRequest(`Received unknown parameter: ${param}`, { param });
  }
  const param = toParam(issue.path);
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return invalidRequest(`Missing required param: ${param}.`, { param, code: "parameter_missing" });
  }
  return invalidRequest(`Invalid ${param}: ${issue.message}`, { param, code: "parameter_invalid" });
}

export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodIssues(result.error);
  return result.data;
}

// Wire types: every v1 value arrives as a string.
export const zStr = (max = 5_000) => z.string().max(max, `must be at most ${max} characters`);
export const zInt = z
  .string()
  .regex(/^-?\d+$/, "must be an integer")
  .transform(Number)
  .refine(Number.isSafeInteger, "is out of range");
export const zPositiveInt = zInt.refine((value) => value > 0, "must be positive");
export const zNonNegativeInt = zInt.refine((value) => value >= 0, "must be zero or positive");
export const zBool = z.enum(["true", "false"], "must be a boolean").transform((value) => value === "true");
export const zDecimal = z.string().regex(/^-?\d+(\.\d{1,12})?$/, "must be a decimal with at most 12 decimal places");
export const zTimestamp = zInt;
/**
 * `metadata[k]=v`; `metadata=""` clears it. Keys may be numbers: `metadata[0]=v` decodes as an
 * array (the form encoding cannot tell), which becomes `{ "0": v }` again here.
 */
export const zMetadata = z.union([
  z.record(z.string().max(40), z.string().max(500)),
  z.array(z.string().max(500)).transform((values) => Object.fromEntries(values.map((value, index) => [String(index), value]))),
  z.literal(""),
]);
export const zExpand = z.array(z.string()).max(100).optional();
export const zListParams = {
  limit: zInt.refine((value) => value >= 1 && value <= 100, "must be between 1 and 100").optional(),
  starting_after: z.string().optional(),
  ending_before: z.string().optional(),
  expand: zExpand,
};
/** Filters like `created[gte]=…` or `created=…`. */
export const zRangeFilter = z.union([
  zInt,
  z.strictObject({ gt: zInt.optional(), gte: zInt.optional(), lt: zInt.optional(), lte: zInt.optional() }),
]);

export function inRange(value: number, filter: z.output<typeof zRangeFilter> | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === "number") return value === filter;
  return (
    (filter.gt === undefined || value > filter.gt) &&
    (filter.gte === undefined || value >= filter.gte) &&
    (filter.lt === undefined || value < filter.lt) &&
    (filter.lte === undefined || value <= filter.lte)
  );
}

/** Stripe metadata update semantics: "" clears all; a key set to "" is removed; others merge. */
export function mergeMetadata(current: Record<string, string>, update: z.output<typeof zMetadata> | undefined): Record<string, string> {
  if (update === undefined) return current;
  if (update === "") return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === "") delete next[key];
    else next[key] = value;
  }
  return next;
}
