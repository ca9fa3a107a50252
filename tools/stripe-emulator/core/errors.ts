// Stripe's error object and statuses (SEMANTICS.md §9). Anything a handler throws that is not a
// StripeError becomes a 500 api_error.

export type TStripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error"
  /** v2 only: an expired meter event session token (the SDK raises TemporarySessionExpiredError). */
  | "temporary_session_expired";

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: TStripeErrorType,
    message: string,
    readonly options: { code?: string; param?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  toBody(apiMode: "v1" | "v2" = "v1") {
    if (apiMode === "v2") {
      // v2: { error: { type?, code, message } } with code required.
      return { error: { type: this.type, code: this.options.code ?? this.type, message: this.message } };
    }
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.options.code ? { code: this.options.code, doc_url: `https://stripe.com/docs/error-codes/${this.options.code.replaceAll("_", "-")}` } : {}),
        ...(this.options.param ? { param: this.options.param } : {}),
      },
    };
  }
}

export function invalidRequest(message: string, options: { param?: string; code?: string } = {}): StripeError {
  return new StripeError(400, "invalid_request_error", message, options);
}

/** 404 resource_missing, as Stripe says it: "No such customer: 'cus_123'". */
export function resourceMissing(kind: string, id: string, param = "id"): StripeError {
  return new StripeError(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param });
}

export function rateLimited(message = "Too many requests hit the API too quickly. We recommend an exponential backoff of your requests."): StripeError {
  return new StripeError(429, "invalid_request_error", message, { code: "rate_limit" });
}
