// The admin API's OpenAPI 3.1 document, generated from the endpoint list (lib/api/endpoints.ts)
// and the same zod schemas the routes parse with (z.toJSONSchema). Request bodies are the
// services' camelCase schemas with their property names renamed to the wire's snake_case.
import { z } from "zod";
import { ERROR_STATUS, ERROR_TITLES, type TErrorCode } from "@/lib/errors";
import { PROBLEM_CONTENT_TYPE } from "@/lib/http/problem";
import { ENDPOINTS, type TEndpoint } from "./endpoints";
import { ZApiProblem } from "./resources";
import { toSnakeCase } from "./wire";

type TJson = { [key: string]: unknown };

const isObject = (value: unknown): value is TJson => typeof value === "object" && value !== null && !Array.isArray(value);

/** A standalone JSON Schema (2020-12, OpenAPI 3.1's dialect) without its `$schema` line. */
export function toJsonSchema(schema: z.ZodType, io: "input" | "output"): TJson {
  const json: TJson = { ...z.toJSONSchema(schema, { io, unrepresentable: "any" }) };
  delete json.$schema;
  return json;
}

/**
 * The wire form of a request schema: property names (and `required`) in snake_case. Alternatives
 * that accept anything (`{}`, zod's rendering of bigint inputs) are dropped from `anyOf`, since
 * the JSON body cannot carry them.
 */
export function toWireJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toWireJsonSchema);
  if (!isObject(node)) return node;
  const out: TJson = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "properties" && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, property]) => [toSnakeCase(name), toWireJsonSchema(property)]));
    } else if (key === "required" && Array.isArray(value)) {
      out[key] = value.map((name) => toSnakeCase(String(name)));
    } else if (key === "anyOf" && Array.isArray(value)) {
      const options = value.filter((option) => !(isObject(option) && Object.keys(option).length === 0));
      out[key] = (options.length > 0 ? options : value).map(toWireJsonSchema);
    } else {
      out[key] = toWireJsonSchema(value);
    }
  }
  return out;
}

const PROBLEMS: Record<number, TErrorCode[]> = {
  400: ["invalid_params", "malformed_json", "bad_request"],
  401: ["unauthenticated"],
  403: ["forbidden"],
  404: ["not_found"],
  409: ["conflict"],
  413: ["payload_too_large"],
  415: ["unsupported_media_type"],
  422: ["unprocessable"],
  429: ["rate_limited"],
};

function problemResponse(status: number) {
  const codes = PROBLEMS[status] ?? [];
  return {
    description: codes.map((code) => `\`${code}\`: ${ERROR_TITLES[code]}`).join("; "),
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
  };
}

function parameters(endpoint: TEndpoint) {
  const of = (schema: z.ZodObject | undefined, where: "path" | "query") => {
    if (!schema) return [];
    const json = toJsonSchema(schema, "input");
    const required = new Set(Array.isArray(json.required) ? json.required : []);
    const properties = isObject(json.properties) ? json.properties : {};
    return Object.entries(properties).map(([name, property]) => ({ name, in: where, required: where === "path" || required.has(name), schema: property }));
  };
  return [...of(endpoint.params, "path"), ...of(endpoint.query, "query")];
}

function operation(endpoint: TEndpoint) {
  const responses: TJson = {};
  for (const [status, response] of Object.entries(endpoint.responses)) {
    responses[status] = {
      description: response.description,
      content: { "application/json": { schema: response.schema ? toJsonSchema(response.schema, "output") : { type: "object" } } },
    };
  }
  const statuses = [
    ...(endpoint.params || endpoint.query || endpoint.body ? [400] : []),
    ...(endpoint.auth === "public" ? [] : [401, 403]),
    ...(endpoint.problems ?? []),
    ...(endpoint.body ? [415] : []),
  ];
  for (const status of [...new Set(statuses)].sort()) responses[String(status)] = problemResponse(status);
  const parameterList = parameters(endpoint);
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    ...(endpoint.description ? { description: endpoint.description } : {}),
    tags: [endpoint.tag],
    ...(endpoint.auth === "public" ? { security: [] } : {}),
    ...(endpoint.auth === "ingest" ? { "x-required-scope": "INGEST" } : endpoint.auth === "public" ? {} : { "x-required-scope": "ADMIN" }),
    ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
    ...(endpoint.body
      ? { requestBody: { required: true, content: { "application/json": { schema: toWireJsonSchema(toJsonSchema(endpoint.body, "input")) } } } }
      : {}),
    responses,
  };
}

export function buildOpenApiDocument(): TJson {
  const paths: Record<string, TJson> = {};
  for (const endpoint of ENDPOINTS) {
    paths[endpoint.path] = { ...paths[endpoint.path], [endpoint.method.toLowerCase()]: operation(endpoint) };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Tally API",
      version: "1",
      description:
        "Send usage events and check a customer's usage (API keys with the INGEST scope); configure billing from code: meters, plans and their versions, customers and subscriptions (the ADMIN scope). Bodies are snake_case JSON; money is integer minor units with a `currency`, decimals are strings, times are RFC 3339. Errors are RFC 9457 problem+json with a stable `code` (" +
        Object.entries(ERROR_STATUS)
          .map(([code, status]) => `${code} ${status}`)
          .join(", ") +
        "); invalid fields are listed in `errors` with JSON pointers.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ apiKey: [] }],
    tags: ["Usage", "Meters", "Plans", "Customers", "Subscriptions", "Meta"].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key: `Authorization: Bearer tly_…`. Each operation names the scope it needs in `x-required-scope` (INGEST or ADMIN)." },
      },
      schemas: { Problem: toJsonSchema(ZApiProblem, "output") },
    },
  };
}
