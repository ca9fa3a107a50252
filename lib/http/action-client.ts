// The one action client for our own forms (server actions): session → role check → zod parsing →
// one service call → a serialisable result. Actions never throw to the browser: errors come back as
// { ok: false } with a stable code, a message and per-field messages for the form.
import { cookies } from "next/headers";
import type { z } from "zod";
import type { TAuditContext } from "@/lib/audit/record-audit";
import { requireCustomerMember, requireStaff, requireUser } from "@/lib/auth/guards";
import { getSessionUser, type TSessionMembership, type TSessionUser } from "@/lib/auth/session-user";
import type { StaffRole } from "@/lib/db";
import { AppError, type TErrorCode } from "@/lib/errors";
import { toAppError, toPointer } from "./problem";

export type TActionError = { code: TErrorCode; message: string; fieldErrors: Record<string, string> };
export type TActionResult<T> = { ok: true; data: T } | { ok: false; error: TActionError };

export type TActionContext = { user: TSessionUser; audit: TAuditContext };

function failure(error: unknown): { ok: false; error: TActionError } {
  const appError = toAppError(error);
  if (appError.code === "internal" && !(error instanceof AppError)) console.error("server action failed", error);
  const fieldErrors: Record<string, string> = {};
  for (const entry of appError.errors ?? []) fieldErrors[entry.pointer] ??= entry.detail;
  return { ok: false, error: { code: appError.code, message: appError.message, fieldErrors } };
}

/**
 * A staff-only action: `export const createMeterAction = staffAction("ADMIN", ZMeterInput, (input, ctx) => createMeter(input, ctx.audit))`
 * in a "use server" file. Field errors are keyed by JSON pointer (`/charges/0/tiers/1/upTo`).
 */
function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({ pointer: toPointer(issue.path), detail: issue.message }));
  throw new AppError("invalid_params", errors.length === 1 ? (errors[0]?.detail ?? "Invalid input") : `${errors.length} fields are invalid`, { errors });
}

/**
 * An action a customer's own member takes on their account (change the plan, dismiss an alert). The
 * input names the customer; the session must be a member of it, or the answer is the same 404 as
 * for a customer that does not exist. Staff use the admin screens instead.
 */
export function customerAction<S extends z.ZodType<{ customerId: string }>, R>(
  schema: S,
  handler: (input: z.output<S>, context: TActionContext & { membership: TSessionMembership }) => Promise<R>,
): (input: z.input<S>) => Promise<TActionResult<R>> {
  return async (input) => {
    try {
      const user = requireUser(await getSessionUser(await cookies()));
      const parsed = parseInput(schema, input);
      const membership = requireCustomerMember(user, parsed.customerId);
      const data = await handler(parsed, { user, membership, audit: { actor: { kind: "USER", userId: user.id } } });
      return { ok: true, data };
    } catch (error) {
      return failure(error);
    }
  };
}

export function staffAction<S extends z.ZodType, R>(
  role: StaffRole,
  schema: S,
  handler: (input: z.output<S>, context: TActionContext) => Promise<R>,
): (input: z.input<S>) => Promise<TActionResult<R>> {
  return async (input) => {
    try {
      const user = requireStaff(await getSessionUser(await cookies()), role);
      const data = await handler(parseInput(schema, input), { user, audit: { actor: { kind: "USER", userId: user.id } } });
      return { ok: true, data };
    } catch (error) {
      return failure(error);
    }
  };
}
