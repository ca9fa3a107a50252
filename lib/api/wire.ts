// The admin REST API's wire format is snake_case JSON; the services' zod schemas speak camelCase.
// This is the one mapping between them: a request body is parsed by `wireBody(ZServiceSchema)`,
// which renames snake_case keys to camelCase, parses with the service's own schema and reports
// every issue at a snake_case JSON pointer. A key that is not snake_case (e.g. `displayName`) is an
// unknown field, so there is exactly one spelling of each field on the wire.
import { z } from "zod";
import { AppError } from "@/lib/errors";

const SNAKE_KEY = /^[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*$/;

export const toCamelCase = (key: string): string => key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
export const toSnakeCase = (key: string): string => key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

type TPath = (string | number)[];
type TIssue = { path: TPath; message: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** A deep copy with camelCase keys; keys that are not snake_case are left out and reported. */
function camelize(value: unknown, path: TPath, unknown: TIssue[]): unknown {
  if (Array.isArray(value)) return value.map((item, index) => camelize(item, [...path, index], unknown));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (!SNAKE_KEY.test(key)) {
      unknown.push({ path: [...path, key], message: `Unrecognized key "${key}" (fields are snake_case).` });
      continue;
    }
    out[toCamelCase(key)] = camelize(item, [...path, key], unknown);
  }
  return out;
}

const snakePath = (path: readonly PropertyKey[]): TPath => path.map((part) => (typeof part === "number" ? part : toSnakeCase(String(part))));

/** zod issues of the camelCase schema, located in the snake_case body; one issue per unknown key. */
function snakeIssues(error: z.ZodError): TIssue[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: snakePath([...issue.path, key]), message: `Unrecognized key "${toSnakeCase(key)}".` }))
      : [{ path: snakePath(issue.path), message: issue.message }],
  );
}

/** A request-body schema for the wire: snake_case in, the service schema's camelCase output out. */
export function wireBody<S extends z.ZodType>(schema: S) {
  return z.unknown().transform((input, ctx): z.output<S> => {
    const issues: TIssue[] = [];
    const result = schema.safeParse(camelize(input, [], issues));
    if (!result.success) issues.push(...snakeIssues(result.error));
    if (issues.length > 0 || !result.success) {
      for (const issue of issues) ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
      return z.NEVER;
    }
    return result.data;
  });
}

/** An AppError from a service names fields by camelCase pointers (`/version/charges/0/meterId`): rename them. */
export function toWireError(error: unknown): unknown {
  if (!(error instanceof AppError) || !error.errors) return error;
  const errors = error.errors.map((field) => ({ ...field, pointer: field.pointer.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) }));
  return new AppError(error.code, error.message, { errors, headers: error.headers, cause: error.cause });
}

/** Response helpers: decimals leave as strings, instants as RFC 3339, minor units as integers. */
export const wireDecimal = (value: { toString(): string }): string => value.toString();
export const wireTime = (value: Date): string => value.toISOString();
export const wireMinor = (value: bigint): number => Number(value);
