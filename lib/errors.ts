// The one application error. Its code is stable (clients match on it) and decides the HTTP status.

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_params: 400,
  malformed_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  rate_limited: 429,
  internal: 500,
  service_unavailable: 503,
} as const;

export type TErrorCode = keyof typeof ERROR_STATUS;

/** One problem with one input field, located by a JSON pointer (RFC 6901), e.g. `/events/3/value`. */
export type TFieldError = { pointer: string; detail: string; /** A stable reason, where clients may act on it. */ code?: string };

export const ERROR_TITLES: Record<TErrorCode, string> = {
  bad_request: "Bad request",
  invalid_params: "Your request parameters didn't validate",
  malformed_json: "The body is not valid JSON",
  unauthenticated: "Authentication required",
  forbidden: "Not allowed",
  not_found: "Not found",
  method_not_allowed: "Method not allowed",
  conflict: "Conflict",
  payload_too_large: "The body is too large",
  unsupported_media_type: "Unsupported content type",
  unprocessable: "The request cannot be processed",
  rate_limited: "Too many requests",
  internal: "Internal error",
  service_unavailable: "Service unavailable",
};

export class AppError extends Error {
  readonly code: TErrorCode;
  readonly errors: TFieldError[] | undefined;
  /** Extra response headers, e.g. Retry-After. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: TErrorCode,
    detail?: string,
    options: { errors?: TFieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? ERROR_TITLES[code], { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
