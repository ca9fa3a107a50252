// The admin API's OpenAPI document: a well-formed OpenAPI 3.1 document, in step with the route
// files under app/api/v1, whose request schemas (generated from the services' zod schemas) refuse
// what the API refuses.
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "@/lib/api/endpoints";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { wireBody } from "@/lib/api/wire";
import { ZPlanInput } from "@/lib/catalog/schemas";

type TJson = Record<string, unknown>;
const document = buildOpenApiDocument() as TJson & { paths: Record<string, Record<string, TJson>>; components: TJson };
const API_ROOT = path.resolve(import.meta.dirname, "../../app/api/v1");
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/** "METHOD /path" for every exported handler of every route file under app/api/v1. */
async function routeFileOperations(): Promise<string[]> {
  const files = (await readdir(API_ROOT, { recursive: true })).filter((file) => file.endsWith("route.ts"));
  const operations = await Promise.all(
    files.map(async (file) => {
      const source = await readFile(path.join(API_ROOT, file), "utf8");
      const routePath = `/${path.dirname(file)}`.replace(/\\/g, "/").replace(/\[(\w+)\]/g, "{$1}");
      return [...source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE)\b/gm)].map((match) => `${match[1]} ${routePath}`);
    }),
  );
  return operations.flat().sort();
}

function ajv() {
  const instance = new Ajv2020({ allErrors: true, allowUnionTypes: true });
  addFormats.default(instance);
  return instance;
}

function walk(node: unknown, visit: (value: TJson) => void): void {
  if (Array.isArray(node)) node.forEach((item) => walk(item, visit));
  else if (typeof node === "object" && node !== null) {
    visit(node as TJson);
    Object.values(node).forEach((item) => walk(item, visit));
  }
}

describe("OpenAPI document", () => {
  it("has the required OpenAPI 3.1 structure: version, info, paths with operations and responses, bearer auth", () => {
    expect(document.openapi).toBe("3.1.0");
    expect(document.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    expect(document.components.securitySchemes).toEqual({ apiKey: expect.objectContaining({ type: "http", scheme: "bearer" }) });
    const operationIds: string[] = [];
    for (const [pathKey, item] of Object.entries(document.paths)) {
      expect(pathKey.startsWith("/")).toBe(true);
      for (const [method, operation] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        operationIds.push(String(operation.operationId));
        expect(Object.keys(operation.responses as TJson).length).toBeGreaterThan(0);
        const templated = [...pathKey.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        const declared = ((operation.parameters ?? []) as TJson[]).filter((parameter) => parameter.in === "path").map((parameter) => parameter.name);
        expect(declared.sort(), `${method} ${pathKey}`).toEqual(templated.sort());
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it("lists exactly the route files' methods", async () => {
    const documented = Object.entries(document.paths).flatMap(([pathKey, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${pathKey}`));
    expect(documented.sort()).toEqual(await routeFileOperations());
    expect(ENDPOINTS).toHaveLength(documented.length);
  });

  it("requires the API key everywhere except on the document itself, and answers problems as problem+json", () => {
    expect(document.security).toEqual([{ apiKey: [] }]);
    for (const [pathKey, item] of Object.entries(document.paths)) {
      for (const operation of Object.values(item)) {
        const responses = operation.responses as Record<string, TJson>;
        if (pathKey === "/openapi.json") {
          expect(operation.security).toEqual([]);
          continue;
        }
        expect(operation.security).toBeUndefined();
        expect(Object.keys(responses)).toEqual(expect.arrayContaining(["401", "403"]));
        expect(responses["401"]?.content).toEqual({ "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } });
      }
    }
  });

  it("has only schemas that compile as JSON Schema 2020-12, and refs that resolve", () => {
    const validator = ajv();
    walk(document.paths, (node) => {
      if (isObjectWith(node, "schema") && !JSON.stringify(node.schema).includes('"$ref"')) validator.compile(node.schema as TJson);
      if (typeof node.$ref === "string") expect(node.$ref).toMatch(/^#\/components\/schemas\/(\w+)$/);
    });
    const refs = new Set<string>();
    walk(document, (node) => typeof node.$ref === "string" && refs.add(node.$ref.split("/").pop() ?? ""));
    expect(Object.keys(document.components.schemas as TJson)).toEqual(expect.arrayContaining([...refs]));
  });

  it("documents snake_case bodies only", () => {
    const names = new Set<string>();
    walk(document.paths, (node) => {
      // An object schema's property names (not a map of properties that has a field called "properties").
      if (isObjectWith(node, "properties") && node.type === "object") for (const name of Object.keys(node.properties as TJson)) names.add(name);
    });
    expect([...names].filter((name) => !/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/.test(name))).toEqual([]);
    expect(names).toContain("base_fee_minor");
    expect(names).toContain("plan_version_id");
  });

  it("describes the plan-creation body with the same rules the API parses it with", () => {
    const schema = ((document.paths["/plans"]?.post?.requestBody as TJson).content as Record<string, TJson>)["application/json"]?.schema as TJson;
    const validate = ajv().compile(schema);
    const api = wireBody(ZPlanInput);
    const meterId = "0190f7a2-0000-7000-8000-000000000001";
    const valid = {
      key: "team",
      name: "Team",
      version: {
        currency: "usd",
        base_fee_minor: 4900,
        charges: [{ meter_id: meterId, pricing_model: "GRADUATED", included_quantity: "1000", tiers: [{ up_to: "10", unit_price_minor: "1" }, { up_to: null }] }],
      },
    };
    const cases: [string, unknown, boolean][] = [
      ["a valid plan", valid, true],
      ["a plan without its version", { key: "team", name: "Team" }, false],
      ["an unknown field", { ...valid, colour: "blue" }, false],
      ["a camelCase field", { key: "team", name: "Team", sortOrder: 1, version: { currency: "usd" } }, false],
      ["an unknown field in a charge", { ...valid, version: { ...valid.version, charges: [{ ...valid.version.charges[0], discount: 1 }] } }, false],
      ["an unknown pricing model", { ...valid, version: { currency: "usd", charges: [{ meter_id: meterId, pricing_model: "FREE" }] } }, false],
      ["a bad currency", { ...valid, version: { currency: "dollars" } }, false],
      ["a bad key", { ...valid, key: "Team Plan" }, false],
      ["a fractional base fee", { ...valid, version: { currency: "usd", base_fee_minor: 49.5 } }, false],
      ["a numeric base fee as a string", { ...valid, version: { currency: "usd", base_fee_minor: "4900" } }, true],
    ];
    for (const [label, body, accepted] of cases) {
      expect(validate(body), `document: ${label}`).toBe(accepted);
      expect(api.safeParse(body).success, `API: ${label}`).toBe(accepted);
    }
  });
});

function isObjectWith(node: TJson, key: string): boolean {
  return typeof node[key] === "object" && node[key] !== null && !Array.isArray(node[key]);
}
