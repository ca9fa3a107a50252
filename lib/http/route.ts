// The one route wrapper for machine callers: request id, authentication, zod parsing of params,
// query and body, and problem+json for anything thrown. Handlers receive typed, trusted values.
import { randomUUID } from "node:crypto";
import { NextRequest } from "next/server";
import type { z } from "zod";
import { authenticateApiKey, type TApiKeyPrincipal } from "@/lib/auth/api-keys";
import { requireUser } from "@/lib/auth/guards";
import { getSessionUser, type TSessionUser } from "@/lib/auth/session-user";
import type { ApiKeyScope } from "@/lib/db";
import { fromZodError, problemResponse } from "./problem";
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from "./read-json-body";

type TAuth = "public" | "session" | { apiKey: ApiKeyScope };

type TPrincipal<A extends TAuth> = A extends "session"
  ? { user: TSessionUser }
  : A extends { apiKey: ApiKeyScope }
    ? { apiKey: TApiKeyPrincipal }
    : object;

type TSchema = z.ZodType;
type TParsed<S> = S extends z.ZodType ? z.output<S> : undefined;

type TRouteConfig<A extends TAuth, P, Q, B> = {
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  maxBodyBytes?: number;
};

export type TRouteContext<A extends TAuth, P, Q, B> = TPrincipal<A> & {
  request: Request;
  requestId: string;
  params: TParsed<P>;
  query: TParsed<Q>;
  body: TParsed<B>;
};

type TSegment = { params: Promise<Record<string, string | string[] | undefined>> };

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A JSON response (the handler may also return any Response, or a plain value for 200 JSON). */
export function json(data: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(JSON.stringify(data), {
    status: init.status ?? 200,
    headers: { "content-type": "application/json", ...init.headers },
  });
}

export function route<
  A extends TAuth,
  P extends TSchema | undefined = undefined,
  Q extends TSchema | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(config: TRouteConfig<A, P, Q, B>, handler: (context: TRouteContext<A, P, Q, B>) => Promise<unknown>) {
  return async (request: Request, segment?: TSegment): Promise<Response> => {
    const incoming = request.headers.get("x-request-id");
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const instance = new URL(request.url).pathname;
    try {
      const principal = await authenticate(config.auth, request);
      const params = parse(config.params, (await segment?.params) ?? {}, ["params"]);
      const query = parse(config.query, Object.fromEntries(new URL(request.url).searchParams), ["query"]);
      const body = config.body
        ? parse(config.body, await readJsonBody(request, config.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES), [])
        : undefined;
      const context = { ...principal, request, requestId, params, query, body } as TRouteContext<A, P, Q, B>;
      const result = await handler(context);
      const response = result instanceof Response ? result : json(result);
      response.headers.set("x-request-id", requestId);
      return response;
    } catch (error) {
      return problemResponse(error, { instance, requestId });
    }
  };
}

async function authenticate(auth: TAuth, request: Request): Promise<object> {
  if (auth === "public") return {};
  if (auth === "session") {
    return { user: requireUser(await getSessionUser(new NextRequest(request).cookies)) };
  }
  return { apiKey: await authenticateApiKey(request.headers.get("authorization"), auth.apiKey) };
}

function parse(schema: TSchema | undefined, input: unknown, prefix: string[]): unknown {
  if (!schema) return undefined;
  const result = schema.safeParse(input);
  if (!result.success) throw fromZodError(result.error, prefix);
  return result.data;
}
