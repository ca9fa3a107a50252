// The admin API's route: the one route wrapper with the ADMIN scope, the audit context of the API
// key, and service errors' field pointers renamed to the wire's snake_case.
import type { z } from "zod";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { route, type TRouteContext } from "@/lib/http/route";
import { toWireError } from "./wire";

type TSchema = z.ZodType | undefined;
type TAdmin = { apiKey: "ADMIN" };

export type TAdminContext<P, Q, B> = TRouteContext<TAdmin, P, Q, B> & { audit: TAuditContext };

export function adminRoute<P extends TSchema = undefined, Q extends TSchema = undefined, B extends TSchema = undefined>(
  config: { params?: P; query?: Q; body?: B },
  handler: (context: TAdminContext<P, Q, B>) => Promise<unknown>,
) {
  return route<TAdmin, P, Q, B>({ ...config, auth: { apiKey: "ADMIN" } }, async (context) => {
    const audit: TAuditContext = { actor: { kind: "API_KEY", apiKeyId: context.apiKey.id }, requestId: context.requestId };
    try {
      return await handler({ ...context, audit });
    } catch (error) {
      throw toWireError(error);
    }
  });
}
