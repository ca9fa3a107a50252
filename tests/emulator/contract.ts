// Contract validation: every response the emulator gives is checked against Stripe's OpenAPI spec
// (tools/stripe-emulator/spec/) for its path, method and status, with Ajv. The spec is 2024-04-10 and
// the emulator answers as 2026-10-28.endive, so the differences listed in contract-exceptions.ts
// are patched into the spec before anything is compiled; nothing else is tolerated.
//
// OpenAPI 3.0 → JSON Schema, done once on load:
// - `nullable: true` becomes a `null` type / enum value / `anyOf` branch (Ajv's own `nullable`
//   refuses a schema without `type`, and Stripe writes `{ anyOf: [...], nullable: true }`).
// - `$ref: #/components/schemas/X` becomes `componentRef: "X"`, validated by a component compiled
//   on first use. Compiling every reachable schema up front takes seconds (the closure of
//   `subscription` is most of the spec); lazily, a test file compiles what its responses contain.
// - `oneOf` becomes `anyOf`: the only response `oneOf`s are v2 error unions that list the generic
//   `v2.error` beside its specialisations, so every specific error would match two branches.
// - An event's `data.object` is validated as the resource its `object` names (the spec types it as
//   a bare object), so webhook payloads are held to the same contract as the API.
// Schemas never set `additionalProperties: false`, so fields newer than the spec pass unchecked.
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { TRecordedResponse } from "../../tools/stripe-emulator/core/context";
import { CONTRACT_EXCEPTIONS, type TContractException, type TSchemaNode } from "./contract-exceptions";

export const SPEC_FILE = path.resolve(import.meta.dirname, "../../tools/stripe-emulator/spec/stripe-billing.openapi.json");

export type TContractViolation = {
  method: string;
  path: string;
  status: number;
  /** JSON pointer into the response body ("" is the body itself). */
  pointer: string;
  message: string;
  /** Where in the spec the rule lives, e.g. `subscription#/properties/status`. */
  rule: string;
};

type TResponseToCheck = Pick<TRecordedResponse, "method" | "path" | "status" | "body">;

type TOperation = { responses?: Record<string, { content?: Record<string, { schema?: TSchemaNode }> }> };
type TSpec = {
  paths: Record<string, Record<string, TOperation>>;
  components: { schemas: Record<string, TSchemaNode> };
};
type TRoute = { template: string; method: string; segments: string[]; operation: TOperation };
/**
 * Ajv's error plus what must survive bubbling up through a `componentRef` (Ajv rewrites `schemaPath`
 * and `data` at each level): `rule`, the component and pointer that failed, and the failing `value`.
 */
type TError = Partial<ErrorObject> & { rule?: string; value?: unknown };
/** What a compiled custom keyword returns: a check that leaves its errors on itself, as Ajv reads them. */
type TKeywordCheck = ((data: unknown, context?: { instancePath: string }) => boolean) & { errors?: TError[] };

const HTTP_METHODS = new Set(["get", "post", "delete", "put", "patch"]);
const JSON_CONTENT = "application/json";
const V1_ERROR: TSchemaNode = { componentRef: "error" };
const V2_ERROR: TSchemaNode = { componentRef: "v2.error" };

export type TContractValidator = {
  validateResponse(response: TResponseToCheck): TContractViolation[];
  validateResponses(responses: readonly TResponseToCheck[]): TContractViolation[];
};

let shared: TContractValidator | undefined;

/** Validates with THE exception list; the spec is loaded once per process (test file worker). */
export function validateResponses(responses: readonly TResponseToCheck[]): TContractViolation[] {
  shared ??= createContractValidator(CONTRACT_EXCEPTIONS);
  return shared.validateResponses(responses);
}

export function createContractValidator(exceptions: readonly TContractException[]): TContractValidator {
  const contract = loadContract(exceptions);

  const validateResponse = (response: TResponseToCheck): TContractViolation[] => {
    const { method, path: requestPath, status } = response;
    const violation = (pointer: string, message: string, rule: string): TContractViolation => ({ method, path: requestPath, status, pointer, message, rule });

    const route = contract.findRoute(method, requestPath);
    let schema: TSchemaNode | undefined;
    let label: string;
    if (route) {
      const responses = route.operation.responses ?? {};
      const declared = responses[String(status)] ?? responses.default;
      schema = declared?.content?.[JSON_CONTENT]?.schema;
      label = `${method.toUpperCase()} ${route.template} ${responses[String(status)] ? status : "default"}`;
      if (!schema) return [violation("", `the spec declares no ${JSON_CONTENT} response for status ${status}`, label)];
    } else if (status >= 400) {
      // An unknown URL or method still answers with Stripe's error shape.
      schema = requestPath.startsWith("/v2/") ? V2_ERROR : V1_ERROR;
      label = String(schema.componentRef);
    } else {
      return [violation("", `no operation ${method.toUpperCase()} ${requestPath} in the spec (an endpoint newer than the spec needs a derived schema in contract-exceptions.ts)`, "paths")];
    }

    const validate = contract.compile(schema);
    if (validate(response.body)) return [];
    return readableErrors(validate.errors ?? []).map((error) => {
      const { pointer, message } = describe(error);
      return violation(pointer, message, error.rule ?? `${label}${(error.schemaPath ?? "").slice(1)}`);
    });
  };

  return { validateResponse, validateResponses: (responses) => responses.flatMap(validateResponse) };
}

/** One line per distinct problem (array indices folded), with how often and one example path. */
export function formatViolations(violations: readonly TContractViolation[]): string {
  const groups = new Map<string, { example: TContractViolation; count: number }>();
  for (const violation of violations) {
    const key = [violation.method, violation.status, violation.rule, violation.pointer.replace(/\/\d+(?=\/|$)/g, "/*"), violation.message.replace(/; got .*$/s, "")].join(" ");
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { example: violation, count: 1 });
  }
  return [...groups.values()]
    .map(({ example: v, count }) => `${v.method.toUpperCase()} ${v.path} → ${v.status} at ${v.pointer || "(body)"}: ${v.message} [${v.rule}]${count > 1 ? ` (×${count})` : ""}`)
    .join("\n");
}

// --- loading ---------------------------------------------------------------------------------------

function loadContract(exceptions: readonly TContractException[]) {
  const spec = JSON.parse(readFileSync(SPEC_FILE, "utf8")) as TSpec;
  for (const exception of exceptions) applyException(spec, exception);
  const schemas = spec.components.schemas;
  const byObject = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    if (typeof schema["x-resourceId"] === "string") byObject.set(schema["x-resourceId"], name);
  }
  toJsonSchema(spec);
  const eventData = schemas.notification_event_data?.properties as Record<string, TSchemaNode> | undefined;
  if (eventData?.object) eventData.object.resourceByObject = true;

  // strict: false lets the spec's own keywords through (x-*, description, title...); code is left
  // unoptimised because each schema runs for one test file, where compiling dominates (-25%).
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, validateSchema: false, inlineRefs: false, code: { optimize: false } });
  addFormats(ajv, ["date-time"]);
  ajv.addFormat("unix-time", { type: "number", validate: (value: number) => Number.isInteger(value) && value >= 0 });
  ajv.addFormat("decimal", /^-?\d+(\.\d+)?$/);

  const components = new Map<string, ValidateFunction>();
  const component = (name: string): ValidateFunction => {
    let validate = components.get(name);
    if (!validate) {
      const schema = schemas[name];
      if (!schema) throw new Error(`contract: the spec has no schema "${name}"`);
      validate = ajv.compile(schema);
      components.set(name, validate);
    }
    return validate;
  };
  // Each use of a keyword gets its own closure, so `errors` is never shared between nested calls.
  const delegate = (name: string): TKeywordCheck => {
    const check: TKeywordCheck = (data, context) => {
      const prefix = context?.instancePath ?? "";
      if (schemas[name]?.type === "object" && (typeof data !== "object" || data === null || Array.isArray(data))) {
        // Not an object (an unexpanded id, say): no need to compile the resource to know.
        check.errors = [{ keyword: "type", instancePath: prefix, schemaPath: "#/type", params: { type: "object" }, message: "must be object", value: data, rule: `${name}#/type` }];
        return false;
      }
      const validate = component(name);
      if (validate(data)) return true;
      check.errors = readableErrors(validate.errors ?? []).map((error) => ({
        ...error,
        instancePath: prefix + (error.instancePath ?? ""),
        rule: error.rule ?? `${name}#${(error.schemaPath ?? "#").slice(1)}`,
        value: "value" in error ? error.value : error.data,
      }));
      return false;
    };
    return check;
  };
  ajv.addKeyword({ keyword: "componentRef", schemaType: "string", errors: true, compile: (name: string) => delegate(name) });
  ajv.addKeyword({
    keyword: "resourceByObject",
    schemaType: "boolean",
    errors: true,
    compile: () => {
      const checks = new Map<string, TKeywordCheck>();
      const check: TKeywordCheck = (data, context) => {
        const objectType = (data as { object?: unknown } | null)?.object;
        const name = typeof objectType === "string" ? byObject.get(objectType) : undefined;
        if (!name) return true;
        let byName = checks.get(name);
        if (!byName) checks.set(name, (byName = delegate(name)));
        const valid = byName(data, context);
        check.errors = byName.errors;
        return valid;
      };
      return check;
    },
  });

  const routes: TRoute[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (HTTP_METHODS.has(method)) routes.push({ template, method, segments: template.split("/"), operation });
    }
  }

  const compiled = new Map<TSchemaNode, ValidateFunction>();
  return {
    findRoute(method: string, requestPath: string): TRoute | undefined {
      const segments = requestPath.split("/");
      const matches = routes.filter(
        (route) =>
          route.method === method.toLowerCase() &&
          route.segments.length === segments.length &&
          route.segments.every((segment, index) => isParameter(segment) || segment === segments[index]),
      );
      // The most specific template wins: `/v1/customers/search` over `/v1/customers/{customer}`.
      return matches.sort((a, b) => specificity(b).localeCompare(specificity(a)))[0];
    },
    compile(schema: TSchemaNode): ValidateFunction {
      let validate = compiled.get(schema);
      if (!validate) compiled.set(schema, (validate = ajv.compile(schema)));
      return validate;
    },
  };
}

function isParameter(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

function specificity(route: TRoute): string {
  return route.segments.map((segment) => (isParameter(segment) ? "0" : "1")).join("");
}

// --- exceptions ------------------------------------------------------------------------------------

function applyException(spec: TSpec, exception: TContractException): void {
  const fail = (problem: string) => {
    throw new Error(`contract-exceptions.ts: ${JSON.stringify(exception.kind)} for ${"schema" in exception ? exception.schema : exception.path}: ${problem}`);
  };
  if (exception.kind === "operation-added") {
    const item = (spec.paths[exception.path] ??= {});
    if (item[exception.method]) fail("the spec already has this operation; validate against it instead");
    item[exception.method] = { responses: Object.fromEntries(Object.entries(exception.responses).map(([status, schema]) => [status, { content: { [JSON_CONTENT]: { schema } } }])) };
    return;
  }
  const root = spec.components.schemas[exception.schema];
  if (!root) return fail("no such schema in the spec");
  const target = resolvePointer(root, exception.pointer ?? "");
  if (!target) return fail(`no ${exception.pointer} in the schema`);
  if (exception.kind === "field-removed") {
    const properties = (target.properties ?? {}) as Record<string, unknown>;
    for (const field of exception.fields) {
      if (!properties[field]) fail(`the spec has no field ${field}`);
      // Removed means absent: a response that still carries it is wrong.
      properties[field] = false;
    }
    target.required = ((target.required as string[] | undefined) ?? []).filter((name) => !exception.fields.includes(name));
  } else {
    const values = target.enum as unknown[] | undefined;
    if (!values) return fail(`${exception.pointer} has no enum`);
    const known = exception.values.filter((value) => values.includes(value));
    if (known.length > 0) fail(`the spec already allows ${known.join(", ")}`);
    target.enum = [...values, ...exception.values];
  }
}

function resolvePointer(root: TSchemaNode, pointer: string): TSchemaNode | undefined {
  let node: unknown = root;
  for (const part of pointer.split("/").slice(1)) {
    node = (node as Record<string, unknown> | undefined)?.[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return node && typeof node === "object" ? (node as TSchemaNode) : undefined;
}

// --- OpenAPI 3.0 → JSON Schema -----------------------------------------------------------------------

const COMPONENT_REF = "#/components/schemas/";

function toJsonSchema(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) toJsonSchema(item);
    return;
  }
  if (!node || typeof node !== "object") return;
  const schema = node as TSchemaNode;
  for (const [key, value] of Object.entries(schema)) {
    // Vendor extensions hold $refs of their own (x-expansionResources) that are not constraints.
    if (!key.startsWith("x-")) toJsonSchema(value);
  }
  if (typeof schema.$ref === "string" && schema.$ref.startsWith(COMPONENT_REF)) {
    schema.componentRef = schema.$ref.slice(COMPONENT_REF.length);
    delete schema.$ref;
  }
  if (Array.isArray(schema.oneOf)) {
    schema.anyOf = schema.oneOf;
    delete schema.oneOf;
  }
  if (schema.nullable === true) {
    delete schema.nullable;
    // `null` first: an `anyOf` stops at the first branch that passes, so a null expandable field
    // never compiles the resource it could have been expanded to.
    if (Array.isArray(schema.anyOf)) {
      schema.anyOf.unshift({ type: "null" });
    } else if (typeof schema.type === "string") {
      schema.type = [schema.type, "null"];
      if (Array.isArray(schema.enum)) schema.enum.push(null);
    } else if (typeof schema.componentRef === "string") {
      schema.anyOf = [{ type: "null" }, { componentRef: schema.componentRef }];
      delete schema.componentRef;
    }
  }
}

// --- error messages --------------------------------------------------------------------------------

/**
 * A failed `anyOf` reports every branch. Branches that plainly do not apply (the wrong JSON type,
 * another `object`, a deleted object's shape) are dropped, so what remains is the branch the body
 * meant; when none applies, one message names the types that would have.
 */
function readableErrors(errors: readonly TError[]): TError[] {
  let result = [...errors];
  const unions = errors.filter((error) => error.keyword === "anyOf").sort((a, b) => (b.schemaPath ?? "").length - (a.schemaPath ?? "").length);
  for (const union of unions) {
    const prefix = `${union.schemaPath}/`;
    const at = union.instancePath ?? "";
    const branches = new Map<string, TError[]>();
    for (const error of result) {
      if (!error.schemaPath?.startsWith(prefix)) continue;
      const branch = error.schemaPath.slice(prefix.length).split("/")[0] ?? "";
      branches.set(branch, [...(branches.get(branch) ?? []), error]);
    }
    // A union already explained at a deeper level arrives here without its branches.
    if (branches.size === 0) continue;
    // Stripe's unions are told apart by JSON type, by `object`, and by `deleted` (customer and
    // deleted_customer share `object: "customer"`).
    const doesNotApply = (error: TError) =>
      (error.keyword === "type" && error.instancePath === at) ||
      (error.keyword === "enum" && error.instancePath === `${at}/object`) ||
      (error.keyword === "required" && error.instancePath === at && error.params?.missingProperty === "deleted");
    const applying = [...branches.values()].filter((branchErrors) => !branchErrors.some(doesNotApply));
    const dropped = new Set([...branches.values()].filter((branchErrors) => !applying.includes(branchErrors)).flat());
    if (applying.length > 0) {
      dropped.add(union);
    } else {
      const expected = [...dropped].filter((error) => error.keyword === "type").map((error) => String(error.params?.type));
      union.message = `must be ${[...new Set(expected)].join(" or ") || "one of the anyOf branches"}`;
    }
    result = result.filter((error) => !dropped.has(error));
  }
  // Branches that all apply fail alike (v2 errors: every specialisation wants `code`): say it once,
  // citing the most general schema.
  const distinct = new Map<string, TError>();
  for (const error of result) {
    const key = JSON.stringify([error.instancePath, error.keyword, error.params]);
    const seen = distinct.get(key);
    if (!seen || (error.rule ?? "").length < (seen.rule ?? "").length) distinct.set(key, error);
  }
  return result.filter((error) => distinct.get(JSON.stringify([error.instancePath, error.keyword, error.params])) === error);
}

function describe(error: TError): { pointer: string; message: string } {
  const pointer = error.instancePath ?? "";
  const got = `; got ${JSON.stringify("value" in error ? error.value : error.data)?.slice(0, 120)}`;
  switch (error.keyword) {
    case "required":
      return { pointer: `${pointer}/${String(error.params?.missingProperty)}`, message: "is required by the spec but missing" };
    case "false schema":
      return { pointer, message: "was removed from the API after the spec's version and must not be sent (contract-exceptions.ts)" };
    case "enum":
      return { pointer, message: `must be one of ${(error.params?.allowedValues as unknown[]).map((value) => JSON.stringify(value)).join(", ")}${got}` };
    case "type":
      return { pointer, message: `must be ${[error.params?.type].flat().join(" or ")}${got}` };
    case "format":
    case "pattern":
    case "anyOf":
    case "maxLength":
      return { pointer, message: `${error.message}${got}` };
    default:
      return { pointer, message: error.message ?? error.keyword ?? "invalid" };
  }
}
