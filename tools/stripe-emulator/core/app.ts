// One request, start to finish: authentication, decoding, idempotency, faults, routing, expansion,
// Stripe's error shape, and the headers the SDK reads (`request-id`, `idempotent-replayed`).
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Reply, type TApiMode, type TEmulator, type TInFlightRequest, type TRecordedResponse, type TRequestContext } from "./context";
import { invalidRequest, StripeError } from "./errors";
import { checkExpandPaths, expandResponse } from "./expand";
import type { Faults } from "./faults";
import { decodeForm } from "./form";
import { newId } from "./ids";
import { parseParams } from "./params";
import type { Router } from "./router";

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
const MAX_BODY_BYTES = 10_000_000;

/** Paths authenticated by something other than the secret key (v2 meter event stream sessions). */
const SESSION_AUTH_PATHS = new Set(["/v2/billing/meter_event_stream"]);

export type TAppOptions = {
  emulator: TEmulator;
  router: Router;
  faults: Faults;
  control: (request: IncomingMessage, url: URL, body: string) => Promise<{ status: number; body: unknown; contentType?: string } | undefined>;
  recorded?: TRecordedResponse[];
};

export function createRequestHandler(options: TAppOptions) {
  const { emulator, router, faults } = options;
  /** Requests received and not yet answered (held by a delay fault, say), in arrival order. */
  const inFlight = new Set<TInFlightRequest>();

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const requestId = newId("req", 14);
    const url = new URL(request.url ?? "/", "http://emulator.local");
    const path = url.pathname;
    const method = request.method ?? "GET";
    const apiMode: TApiMode = path.startsWith("/v2/") ? "v2" : "v1";
    let template: string | null = null;
    /** The idempotency key this request holds in flight until its response is stored. */
    let heldKey: string | null = null;
    let arrival: TInFlightRequest | undefined;

    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = typeof body === "string" ? body : JSON.stringify(body);
      response.writeHead(status, {
        "content-type": "application/json",
        "request-id": requestId,
        "stripe-version": "2026-10-28.endive",
        ...headers,
      });
      response.end(text);
      if (options.recorded && (path.startsWith("/v1/") || path.startsWith("/v2/"))) {
        options.recorded.push({ method, path, template, apiMode, status, body: typeof body === "string" ? JSON.parse(body) : body });
      }
    };

    try {
      const raw = await readBody(request);

      const control = await options.control(request, url, raw);
      if (control) {
        response.writeHead(control.status, { "content-type": control.contentType ?? "application/json" });
        response.end(typeof control.body === "string" ? control.body : JSON.stringify(control.body));
        return;
      }

      if (!SESSION_AUTH_PATHS.has(path)) authenticate(request, emulator.config.secretKey);

      const input = decodeInput(method, apiMode, url, raw, request.headers["content-type"]);
      arrival = { method, path, input, requestId };
      inFlight.add(arrival);
      const idempotencyKey = headerValue(request, "idempotency-key");
      const usesIdempotency = idempotencyKey !== null && (method === "POST" || (apiMode === "v2" && method === "DELETE"));
      const fingerprint = createHash("sha256").update(`${method} ${path} ${JSON.stringify(input)}`).digest("hex");

      if (usesIdempotency) {
        const replay = checkIdempotency(emulator, idempotencyKey, fingerprint);
        if (replay) {
          // Faults stand for the network: a replay can be held, failed or cut like any answer (the
          // SDK's own retry of a dropped connection is a replay).
          const fault = faults.take(method, path, raw);
          if (fault?.action === "delay") await new Promise((resolve) => setTimeout(resolve, fault.delay_ms));
          if (fault?.action === "error") throw new StripeError(fault.status, fault.error_type, fault.message, { code: fault.error_code });
          if (fault?.action === "drop") {
            request.socket.destroy();
            return;
          }
          send(replay.status, replay.body, { "idempotent-replayed": "true", "original-request": requestId });
          return;
        }
        // Held from here, so a concurrent request with this key (e.g. during a delay fault) gets 409.
        startIdempotent(emulator, idempotencyKey, fingerprint);
        heldKey = idempotencyKey;
      }

      const fault = faults.take(method, path, raw);
      if (fault?.action === "delay") await new Promise((resolve) => setTimeout(resolve, fault.delay_ms));
      if (fault?.action === "error") {
        throw new StripeError(fault.status, fault.error_type, fault.message, { code: fault.error_code });
      }

      const matched = router.match(method, path);
      if (matched === undefined || matched === "method_not_allowed") {
        throw new StripeError(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`);
      }
      template = matched.template;
      const expandInput = (input as { expand?: unknown }).expand;
      const expand = Array.isArray(expandInput) ? expandInput.map(String) : [];
      checkExpandPaths(expand); // before the endpoint runs: a refused expand changes nothing

      let started = false;
      const context: TRequestContext = {
        emulator,
        method,
        path,
        url,
        apiMode,
        params: matched.params,
        input,
        headers: request.headers,
        requestId,
        idempotencyKey,
        listUrl: path,
        inFlight,
        parse(schema) {
          const parsed = parseParams(schema, input);
          started = true;
          return parsed;
        },
      };

      let status: number;
      let body: unknown;
      try {
        const result = await matched.handler(context);
        const reply = result instanceof Reply ? result : new Reply(200, result);
        status = reply.status;
        body = structuredClone(reply.body);
        if (expand.length > 0 && body && typeof body === "object") expandResponse(emulator.store, body, expand);
      } catch (error) {
        const stripeError = toStripeError(error);
        // A request that failed validation is not remembered; one that started executing is,
        // errors included, so a retry with the same key gets the same answer (SEMANTICS.md §10).
        if (usesIdempotency) {
          if (started) finishIdempotent(emulator, idempotencyKey, stripeError.status, stripeError.toBody(apiMode));
          else forgetIdempotent(emulator, idempotencyKey);
          heldKey = null;
        }
        throw stripeError;
      }
      if (usesIdempotency) finishIdempotent(emulator, idempotencyKey, status, body);
      heldKey = null;

      if (fault?.action === "drop") {
        // The work is committed; the client never hears about it.
        emulator.store.flush();
        request.socket.destroy();
        return;
      }
      send(status, body);
    } catch (error) {
      // Failed before the endpoint ran (injected error, unknown URL): nothing to remember.
      if (heldKey !== null) forgetIdempotent(emulator, heldKey);
      const stripeError = toStripeError(error);
      send(stripeError.status, stripeError.toBody(apiMode), stripeError.options.headers);
    } finally {
      if (arrival) inFlight.delete(arrival);
    }
  };
}

function toStripeError(error: unknown): StripeError {
  if (error instanceof StripeError) return error;
  console.error("[stripe-emulator] unexpected error", error);
  return new StripeError(500, "api_error", "An unknown error occurred in the Stripe emulator.");
}

function headerValue(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

function authenticate(request: IncomingMessage, secretKey: string | null): void {
  const header = headerValue(request, "authorization") ?? "";
  let key = "";
  if (/^Bearer\s+/i.test(header)) key = header.replace(/^Bearer\s+/i, "").trim();
  else if (/^Basic\s+/i.test(header)) key = Buffer.from(header.replace(/^Basic\s+/i, ""), "base64").toString("utf8").split(":")[0] ?? "";
  if (!key) {
    throw new StripeError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const valid = secretKey === null ? /^sk_test_[A-Za-z0-9_]+$/.test(key) : key === secretKey;
  if (!valid) {
    throw new StripeError(401, "invalid_request_error", `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`);
  }
}

function decodeInput(method: string, apiMode: TApiMode, url: URL, raw: string, contentType: string | undefined) {
  if (method === "GET" || (method === "DELETE" && raw === "")) return decodeForm(url.search.slice(1));
  if (apiMode === "v2") {
    if (raw === "") return {};
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw invalidRequest("Invalid JSON received.");
    }
  }
  if (contentType && !contentType.startsWith("application/x-www-form-urlencoded") && raw !== "") {
    throw invalidRequest("Invalid request: expected application/x-www-form-urlencoded.");
  }
  return decodeForm(raw);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw invalidRequest("Request body too large.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// --- idempotency (SEMANTICS.md §10) ---------------------------------------------------------------

function checkIdempotency(emulator: TEmulator, key: string, fingerprint: string): { status: number; body: string } | undefined {
  const records = emulator.store.idempotency;
  const record = records.get(key);
  if (record && record.created < emulator.now() - IDEMPOTENCY_TTL_SECONDS) records.delete(key);
  const current = records.get(key);
  if (!current) return undefined;
  if (current.inFlight) {
    throw new StripeError(409, "idempotency_error", "There is currently another in-progress request using this Stripe-Idempotency-Key. Please try again later.", {
      code: "idempotency_key_in_use",
    });
  }
  if (current.fingerprint !== fingerprint) {
    throw new StripeError(
      400,
      "idempotency_error",
      `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    );
  }
  return { status: current.status, body: current.body };
}

function startIdempotent(emulator: TEmulator, key: string, fingerprint: string) {
  emulator.store.idempotency.set(key, { fingerprint, status: 0, body: "", created: emulator.now(), inFlight: true });
}

function finishIdempotent(emulator: TEmulator, key: string, status: number, body: unknown) {
  const record = emulator.store.idempotency.get(key);
  if (!record) return;
  Object.assign(record, { status, body: JSON.stringify(body), inFlight: false });
}

function forgetIdempotent(emulator: TEmulator, key: string) {
  emulator.store.idempotency.delete(key);
}
