// A local, in-memory HubSpot: only the CRM endpoints Tally's HubSpot connector calls, with the
// request and response shapes of HubSpot's public API reference (see README.md), its bearer-token
// authentication, its 10-second and search rate limits (429 with its body and headers), and the
// validation that matters to the connector. Tests read its state and inject faults.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const HUBSPOT_FAKE_TOKEN = "hubspot-fake-token";

type TJson = null | boolean | number | string | TJson[] | { [key: string]: TJson };
type TJsonObject = { [key: string]: TJson };

export type THubSpotFakeCompany = { id: string; properties: Record<string, string>; createdAt: string; updatedAt: string; archived: false };

/** A company property definition, as GET /crm/v3/properties/companies returns it. */
export type THubSpotFakeProperty = {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description: string;
  displayOrder: number;
  hidden: boolean;
  formField: boolean;
  hasUniqueValue: boolean;
  hubspotDefined: boolean;
  calculated: boolean;
  externalOptions: boolean;
  options: TJsonObject[];
  createdAt: string;
  updatedAt: string;
  archived: false;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
};

export type THubSpotFakeGroup = { name: string; label: string; displayOrder: number; archived: false };

export type THubSpotFakeRequest = { method: string; path: string; query: Record<string, string>; body: unknown; status: number; at: number };

export type THubSpotFakeFault = { status: number; body?: unknown; headers?: Record<string, string> };

export type THubSpotFakeOptions = {
  port?: number;
  host?: string;
  /** The private app token it accepts (default "hubspot-fake-token"). */
  accessToken?: string;
  /**
   * Rate limits answered with 429 as HubSpot does (default: a private app on the Free/Starter tier,
   * 100 requests per rolling 10 s; search 5 requests per second). null: none.
   */
  limits?: { requests: number; intervalMs: number; searchPerSecond: number } | null;
};

export type THubSpotFake = {
  /** The base URL to give the client (its basePath), e.g. http://127.0.0.1:12112. */
  url: string;
  accessToken: string;
  companies: Map<string, THubSpotFakeCompany>;
  properties: Map<string, THubSpotFakeProperty>;
  groups: Map<string, THubSpotFakeGroup>;
  /** Every request, in order, with the status it was answered. */
  requests: THubSpotFakeRequest[];
  /** Adds a company (as if made in HubSpot's UI) and returns its id. */
  addCompany(input: { name: string; domain?: string; properties?: Record<string, string> }): string;
  /** The next `count` requests, whatever they are, get this answer (default bodies and headers per status). */
  failNext(count: number, fault: THubSpotFakeFault): void;
  stop(): Promise<void>;
};

const BATCH_LIMIT = 100;
const SEARCH_LIMIT_MAX = 200;
const FIELD_TYPES: Record<string, string[]> = {
  string: ["text", "textarea", "phonenumber", "html", "file"],
  number: ["number", "calculation_equation"],
  date: ["date"],
  datetime: ["date"],
  enumeration: ["select", "radio", "checkbox", "booleancheckbox", "calculation_equation"],
  bool: ["booleancheckbox"],
};

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

const errorBody = (category: string, message: string, extra: TJsonObject = {}): TJsonObject => ({ status: "error", message, correlationId: randomUUID(), category, ...extra });
const invalid = (message: string, extra: TJsonObject = {}) => new HttpAnswer(400, errorBody("VALIDATION_ERROR", message, extra));

export async function startHubSpotFake(options: THubSpotFakeOptions = {}): Promise<THubSpotFake> {
  const accessToken = options.accessToken ?? HUBSPOT_FAKE_TOKEN;
  const limits = options.limits === undefined ? { requests: 100, intervalMs: 10_000, searchPerSecond: 5 } : options.limits;
  const companies = new Map<string, THubSpotFakeCompany>();
  const properties = new Map<string, THubSpotFakeProperty>();
  const groups = new Map<string, THubSpotFakeGroup>();
  const requests: THubSpotFakeRequest[] = [];
  const faults: THubSpotFakeFault[] = [];
  const accepted: number[] = [];
  const searches: number[] = [];
  let nextId = 31_000_000_001;

  const now = () => new Date().toISOString();
  groups.set("companyinformation", { name: "companyinformation", label: "Company information", displayOrder: 0, archived: false });
  const defineDefault = (name: string, label: string, type: string, fieldType: string, readOnlyValue = false) =>
    properties.set(name, property({ name, label, type, fieldType, groupName: "companyinformation", hubspotDefined: true, readOnlyValue }));
  defineDefault("name", "Company name", "string", "text");
  defineDefault("domain", "Company domain name", "string", "text");
  defineDefault("website", "Website URL", "string", "text");
  defineDefault("phone", "Phone number", "string", "phonenumber");
  defineDefault("city", "City", "string", "text");
  defineDefault("country", "Country/Region", "string", "text");
  defineDefault("industry", "Industry", "enumeration", "select");
  defineDefault("createdate", "Create date", "datetime", "date", true);
  defineDefault("hs_lastmodifieddate", "Last modified date", "datetime", "date", true);
  defineDefault("hs_object_id", "Record ID", "number", "number", true);

  function addCompany(input: { name: string; domain?: string; properties?: Record<string, string> }): string {
    const id = String(nextId++);
    const at = now();
    const values: Record<string, string> = { ...input.properties, name: input.name, createdate: at, hs_lastmodifieddate: at, hs_object_id: id };
    if (input.domain !== undefined) values.domain = input.domain;
    companies.set(id, { id, properties: values, createdAt: at, updatedAt: at, archived: false });
    return id;
  }

  /** HubSpot's rolling limits: a 429 once the window (or the search second) is full. */
  function rateLimit(search: boolean): HttpAnswer | Record<string, string> {
    if (!limits) return {};
    const at = Date.now();
    while (accepted.length > 0 && (accepted[0] ?? 0) <= at - limits.intervalMs) accepted.shift();
    while (searches.length > 0 && (searches[0] ?? 0) <= at - 1_000) searches.shift();
    if (search && searches.length >= limits.searchPerSecond) {
      // Search answers carry no X-HubSpot-RateLimit-* headers.
      return new HttpAnswer(429, { status: "error", message: "You have reached your secondly limit.", errorType: "RATE_LIMIT", correlationId: randomUUID(), policyName: "SECONDLY" });
    }
    const headers = {
      "X-HubSpot-RateLimit-Interval-Milliseconds": String(limits.intervalMs),
      "X-HubSpot-RateLimit-Max": String(limits.requests),
      "X-HubSpot-RateLimit-Remaining": String(Math.max(0, limits.requests - accepted.length - 1)),
    };
    if (accepted.length >= limits.requests) return new HttpAnswer(429, tenSecondlyBody(), { ...headers, "X-HubSpot-RateLimit-Remaining": "0" });
    accepted.push(at);
    if (search) searches.push(at);
    return search ? {} : headers;
  }

  function route(method: string, path: string, body: unknown): HttpAnswer {
    if (method === "GET" && path === "/crm/v3/properties/companies") return new HttpAnswer(200, { results: [...properties.values()] });
    if (method === "POST" && path === "/crm/v3/properties/companies/batch/create") return createProperties(body);
    if (method === "GET" && path === "/crm/v3/properties/companies/groups") return new HttpAnswer(200, { results: [...groups.values()] });
    if (method === "POST" && path === "/crm/v3/properties/companies/groups") return createGroup(body);
    const single = /^\/crm\/v3\/properties\/companies\/([^/]+)$/.exec(path);
    if (method === "GET" && single?.[1]) {
      const found = properties.get(decodeURIComponent(single[1]));
      return found ? new HttpAnswer(200, found) : new HttpAnswer(404, errorBody("OBJECT_NOT_FOUND", `Unable to find property with name ${decodeURIComponent(single[1])}.`));
    }
    if (method === "POST" && path === "/crm/v3/objects/companies/search") return searchCompanies(body);
    if (method === "POST" && path === "/crm/v3/objects/companies/batch/update") return updateCompanies(body);
    return new HttpAnswer(404, errorBody("OBJECT_NOT_FOUND", `The HubSpot fake does not implement ${method} ${path}.`));
  }

  function createGroup(body: unknown): HttpAnswer {
    const input = asObject(body);
    const name = typeof input.name === "string" ? input.name : "";
    if (!/^[a-z][a-z0-9_]*$/.test(name)) return invalid(`Invalid property group name "${name}": lower-case letters, digits and underscores, starting with a letter.`);
    if (typeof input.label !== "string" || !input.label.trim()) return invalid("A property group needs a label.");
    if (groups.has(name)) return new HttpAnswer(409, errorBody("OBJECT_ALREADY_EXISTS", `A property group named '${name}' already exists.`));
    const group: THubSpotFakeGroup = { name, label: input.label, displayOrder: typeof input.displayOrder === "number" ? input.displayOrder : -1, archived: false };
    groups.set(name, group);
    return new HttpAnswer(201, group);
  }

  function createProperties(body: unknown): HttpAnswer {
    const inputs = asObject(body).inputs;
    if (!Array.isArray(inputs)) return invalid("inputs is required.");
    const startedAt = now();
    const results: THubSpotFakeProperty[] = [];
    const errors: TJsonObject[] = [];
    const fail = (name: string, category: string, message: string) =>
      errors.push({ status: "error", category, message, context: { name: [name] }, errors: [], links: {} });
    for (const raw of inputs) {
      const input = asObject(raw);
      const name = typeof input.name === "string" ? input.name : "";
      const type = typeof input.type === "string" ? input.type : "";
      const fieldType = typeof input.fieldType === "string" ? input.fieldType : "";
      const groupName = typeof input.groupName === "string" ? input.groupName : "";
      if (!/^[a-z][a-z0-9_]*$/.test(name) || name.length > 100) {
        fail(name, "VALIDATION_ERROR", `Invalid property name "${name}": lower-case letters, digits and underscores, starting with a letter, at most 100 characters.`);
      } else if (properties.has(name)) fail(name, "OBJECT_ALREADY_EXISTS", `Property named '${name}' already exists.`);
      else if (typeof input.label !== "string" || !input.label.trim()) fail(name, "VALIDATION_ERROR", `Property ${name} needs a label.`);
      else if (!groups.has(groupName)) fail(name, "VALIDATION_ERROR", `Property group ${groupName} does not exist.`);
      else if (!FIELD_TYPES[type]?.includes(fieldType)) fail(name, "VALIDATION_ERROR", `Property ${name}: fieldType ${fieldType} is not valid for a ${type} property.`);
      else {
        const created = property({ name, label: input.label, type, fieldType, groupName, description: typeof input.description === "string" ? input.description : "" });
        properties.set(name, created);
        results.push(created);
      }
    }
    const answer = { status: "COMPLETE", results, startedAt, completedAt: now() };
    return errors.length === 0 ? new HttpAnswer(201, answer) : new HttpAnswer(207, { ...answer, numErrors: errors.length, errors });
  }

  function searchCompanies(body: unknown): HttpAnswer {
    const request = asObject(body);
    const filterGroups = Array.isArray(request.filterGroups) ? request.filterGroups.map(asObject) : [];
    const limit = typeof request.limit === "number" ? request.limit : 10;
    if (limit < 1 || limit > SEARCH_LIMIT_MAX) return invalid(`limit must be between 1 and ${SEARCH_LIMIT_MAX}.`);
    if (filterGroups.length > 5) return invalid("Too many filter groups: at most 5.");
    const filters = filterGroups.map((group) => (Array.isArray(group.filters) ? group.filters.map(asObject) : []));
    if (filters.some((group) => group.length > 10) || filters.flat().length > 25) return invalid("Too many filters: at most 10 a group and 25 in all.");
    for (const filter of filters.flat()) {
      const name = String(filter.propertyName ?? "");
      if (!properties.has(name)) return invalid(`There was a problem with the request: property ${name} does not exist.`);
      if (!["EQ", "NEQ", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"].includes(String(filter.operator))) {
        return invalid(`The HubSpot fake does not implement the operator ${String(filter.operator)}.`);
      }
    }
    const query = typeof request.query === "string" ? request.query.toLowerCase() : "";
    const matching = [...companies.values()]
      .filter((company) => filters.length === 0 || filters.some((group) => group.every((filter) => matches(company, filter))))
      .filter((company) => !query || ["name", "domain", "website"].some((name) => (company.properties[name] ?? "").toLowerCase().includes(query)))
      .sort((a, b) => Number(a.id) - Number(b.id));
    const offset = typeof request.after === "string" && /^\d+$/.test(request.after) ? Number(request.after) : 0;
    const page = matching.slice(offset, offset + limit);
    const wanted = Array.isArray(request.properties) && request.properties.length > 0 ? request.properties.map(String) : ["name", "domain"];
    const answer: TJsonObject = { total: matching.length, results: page.map((company) => publicObject(company, wanted)) };
    if (offset + limit < matching.length) answer.paging = { next: { after: String(offset + limit) } };
    return new HttpAnswer(200, answer);
  }

  function updateCompanies(body: unknown): HttpAnswer {
    const inputs = asObject(body).inputs;
    if (!Array.isArray(inputs) || inputs.length === 0) return invalid("inputs is required and must not be empty.");
    if (inputs.length > BATCH_LIMIT) return invalid(`Batch input limit exceeded: ${inputs.length} inputs, at most ${BATCH_LIMIT}.`);
    const parsed = inputs.map(asObject);
    if (parsed.some((input) => input.idProperty !== undefined)) return invalid("The HubSpot fake does not implement idProperty.");
    const ids = parsed.map((input) => String(input.id ?? ""));
    const duplicates = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
    if (duplicates.length > 0) return invalid(`Duplicate IDs found in batch input: [${duplicates.join(", ")}]. IDs must be unique`);
    const problems: TJsonObject[] = [];
    for (const input of parsed) {
      for (const [name, value] of Object.entries(asObject(input.properties))) {
        const problem = checkValue(name, value);
        if (problem) problems.push({ isValid: false, message: problem.message, error: problem.error, name, localizedErrorMessage: problem.message, portalId: 1 });
      }
    }
    if (problems.length > 0) return invalid(`Property values were not valid: ${JSON.stringify(problems)}`);

    const startedAt = now();
    const results: TJsonObject[] = [];
    const missing: string[] = [];
    for (const input of parsed) {
      const company = companies.get(String(input.id));
      if (!company) {
        missing.push(String(input.id));
        continue;
      }
      const changed = Object.entries(asObject(input.properties)).map(([name, value]) => [name, value === null ? "" : String(value)] as const);
      company.updatedAt = now();
      for (const [name, value] of changed) company.properties[name] = value;
      company.properties.hs_lastmodifieddate = company.updatedAt;
      results.push(publicObject(company, changed.map(([name]) => name)));
    }
    const answer = { status: "COMPLETE", results, startedAt, completedAt: now() };
    if (missing.length === 0) return new HttpAnswer(200, answer);
    const notFound = { status: "error", category: "OBJECT_NOT_FOUND", message: "Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.", context: { ids: missing } };
    return new HttpAnswer(207, { ...answer, numErrors: 1, errors: [notFound] });
  }

  /** Why HubSpot would refuse this value for this property, or null. */
  function checkValue(name: string, value: TJson): { error: string; message: string } | null {
    const definition = properties.get(name);
    if (!definition) return { error: "PROPERTY_DOESNT_EXIST", message: `Property "${name}" does not exist` };
    if (definition.modificationMetadata.readOnlyValue) return { error: "READ_ONLY_VALUE", message: `Property "${name}" is read-only` };
    if (value === null || value === "") return null;
    const text = String(value);
    if (definition.type === "number" && !/^-?\d+(\.\d+)?$/.test(text)) return { error: "INVALID_FLOAT", message: `${JSON.stringify(text)} is not a valid number` };
    if (definition.type === "datetime" && !/^\d+$/.test(text) && Number.isNaN(Date.parse(text))) {
      return { error: "INVALID_DATETIME", message: `${JSON.stringify(text)} is not a valid datetime: epoch milliseconds or ISO 8601` };
    }
    if (definition.type === "date") {
      const ms = /^\d+$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : NaN;
      if (Number.isNaN(ms) || ms % 86_400_000 !== 0) return { error: "INVALID_DATE", message: `${JSON.stringify(text)} is not midnight UTC: a date property takes midnight UTC in epoch milliseconds, or YYYY-MM-DD` };
    }
    return null;
  }

  function matches(company: THubSpotFakeCompany, filter: TJsonObject): boolean {
    const actual = company.properties[String(filter.propertyName)];
    const has = actual !== undefined && actual !== "";
    const equal = (expected: TJson) => has && String(actual).toLowerCase() === String(expected).toLowerCase();
    const values = Array.isArray(filter.values) ? filter.values : [];
    switch (filter.operator) {
      case "EQ":
        return equal(filter.value ?? null);
      case "NEQ":
        return !equal(filter.value ?? null);
      case "IN":
        return values.some(equal);
      case "NOT_IN":
        return !values.some(equal);
      case "HAS_PROPERTY":
        return has;
      default:
        return !has;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", "http://hubspot.fake");
    const entry: THubSpotFakeRequest = { method: request.method ?? "GET", path: url.pathname, query: Object.fromEntries(url.searchParams), body: undefined, status: 0, at: Date.now() };
    requests.push(entry);
    const answer = await answerFor(request, entry);
    entry.status = answer.status;
    response.writeHead(answer.status, { "Content-Type": "application/json;charset=utf-8", "X-HubSpot-Correlation-Id": randomUUID(), ...answer.headers });
    response.end(JSON.stringify(answer.body));
  }

  async function answerFor(request: IncomingMessage, entry: THubSpotFakeRequest): Promise<HttpAnswer> {
    const text = await readBody(request);
    let unreadable: string | undefined;
    try {
      if (text) entry.body = JSON.parse(text);
    } catch (error) {
      unreadable = (error as Error).message;
    }
    const fault = faults.shift();
    if (fault) return faultAnswer(fault);
    if (request.headers.authorization !== `Bearer ${accessToken}`) {
      return new HttpAnswer(
        401,
        errorBody(
          "INVALID_AUTHENTICATION",
          "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        ),
      );
    }
    if (unreadable) return invalid(`Invalid input JSON: ${unreadable}`);
    const limited = rateLimit(entry.path.endsWith("/search"));
    if (limited instanceof HttpAnswer) return limited;
    const answer = route(entry.method, entry.path, entry.body);
    return new HttpAnswer(answer.status, answer.body, { ...limited, ...answer.headers });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "Content-Type": "application/json;charset=utf-8" });
      response.end(JSON.stringify(errorBody("INTERNAL_ERROR", `The HubSpot fake failed: ${(error as Error).message}`)));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    accessToken,
    companies,
    properties,
    groups,
    requests,
    addCompany,
    failNext(count, fault) {
      for (let index = 0; index < count; index++) faults.push(fault);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function property(input: {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  groupName: string;
  description?: string;
  hubspotDefined?: boolean;
  readOnlyValue?: boolean;
}): THubSpotFakeProperty {
  const at = new Date().toISOString();
  return {
    name: input.name,
    label: input.label,
    type: input.type,
    fieldType: input.fieldType,
    groupName: input.groupName,
    description: input.description ?? "",
    displayOrder: -1,
    hidden: false,
    formField: false,
    hasUniqueValue: false,
    hubspotDefined: input.hubspotDefined ?? false,
    calculated: false,
    externalOptions: false,
    options: [],
    createdAt: at,
    updatedAt: at,
    archived: false,
    modificationMetadata: { archivable: !input.hubspotDefined, readOnlyDefinition: input.hubspotDefined ?? false, readOnlyValue: input.readOnlyValue ?? false },
  };
}

/** A company as the CRM object APIs return it: the requested properties (null when unset) and the ones HubSpot always adds. */
function publicObject(company: THubSpotFakeCompany, wanted: readonly string[]): TJsonObject {
  const values: TJsonObject = {};
  for (const name of [...wanted, "createdate", "hs_lastmodifieddate", "hs_object_id"]) values[name] = company.properties[name] ?? null;
  return { id: company.id, properties: values, createdAt: company.createdAt, updatedAt: company.updatedAt, archived: false };
}

function tenSecondlyBody(): TJsonObject {
  return { status: "error", message: "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", correlationId: randomUUID(), policyName: "TEN_SECONDLY_ROLLING" };
}

/** An injected answer; without a body or headers, what HubSpot sends with that status. */
function faultAnswer(fault: THubSpotFakeFault): HttpAnswer {
  if (fault.status === 429) {
    const headers = { "X-HubSpot-RateLimit-Interval-Milliseconds": "10000", "X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0" };
    return new HttpAnswer(429, fault.body ?? tenSecondlyBody(), fault.headers ?? headers);
  }
  const category = fault.status === 401 ? "INVALID_AUTHENTICATION" : fault.status >= 500 ? "INTERNAL_ERROR" : "VALIDATION_ERROR";
  return new HttpAnswer(fault.status, fault.body ?? errorBody(category, `Injected ${fault.status} answer.`), fault.headers ?? {});
}

function asObject(value: unknown): TJsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as TJsonObject) : {};
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
