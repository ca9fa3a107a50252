// Anything thrown → RFC 9457 problem+json. Only AppError details reach the client: a stack, SQL or
// driver message never does; unexpected errors are logged with the request id instead.
import { z } from "zod";
import { AppError, ERROR_TITLES, type TFieldError } from "@/lib/errors";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export type TProblem = {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  code: string;
  request_id?: string;
  errors?: TFieldError[];
};

/** JSON pointer (RFC 6901) for a zod issue path. */
export function toPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${String(part).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

/** zod issues → one AppError listing every bad field. */
export function fromZodError(error: z.ZodError, prefix: readonly PropertyKey[] = []): AppError {
  const errors = error.issues.map((issue) => ({
    pointer: toPointer([...prefix, ...issue.path]),
    detail: issue.message,
  }));
  const detail = errors.length === 1 ? `${errors[0]?.pointer || "body"}: ${errors[0]?.detail}` : `${errors.length} fields are invalid`;
  return new AppError("invalid_params", detail, { errors });
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return fromZodError(error);
  return new AppError("internal", "Something went wrong on our side. Retry later; if it persists, contact support with the request id.");
}

export function problemBody(error: AppError, context: { instance?: string; requestId?: string }): TProblem {
  return {
    type: `/problems/${error.code}`,
    title: ERROR_TITLES[error.code],
    status: error.status,
    detail: error.message,
    ...(context.instance ? { instance: context.instance } : {}),
    code: error.code,
    ...(context.requestId ? { request_id: context.requestId } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

export function problemResponse(error: unknown, context: { instance?: string; requestId?: string } = {}): Response {
  const appError = toAppError(error);
  if (appError.code === "internal" && !(error instanceof AppError)) {
    console.error(JSON.stringify({ level: "error", msg: "unhandled error", request_id: context.requestId, instance: context.instance }), error);
  }
  const headers = new Headers({ "content-type": PROBLEM_CONTENT_TYPE, ...appError.headers });
  if (context.requestId) headers.set("x-request-id", context.requestId);
  return new Response(JSON.stringify(problemBody(appError, context)), { status: appError.status, headers });
}
