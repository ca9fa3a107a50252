// The HubSpot client of a connector: the official @hubspot/api-client, with our own pacing and
// retries around every call, and HubSpot's failures turned into ConnectorErrors an admin can act on.
//
// The SDK's own limiter and RetryDecorator stay off (no limiterOptions, numberOfApiCallRetries: 0):
// its decorators live in a process-wide singleton that the last Client constructed overwrites, and
// its retry waits 10 s × n on a 429 whatever HubSpot says, logging with console.error. Here every
// call waits its turn under HubSpot's documented limits (private apps: 100 requests per 10 s on the
// lowest tier; search: 5 per second per token), and 429s, 5xx answers, answers that cannot be read,
// timeouts and network failures are tried again after computeHubSpotRetryDelay, a bounded number of
// times. (The SDK's `middleware` option is not used: its generated code only applies per-call
// middleware, so a configured one never runs.)
import { Client } from "@hubspot/api-client";
import { ConnectorError } from "../types";
import { createWindowLimiter } from "./create-window-limiter";
import { computeHubSpotRetryDelay, DEFAULT_HUBSPOT_RETRY, type THubSpotRetryOptions } from "./hubspot-retry-delay";

export const HUBSPOT_API_BASE_URL = "https://api.hubapi.com";

export type THubSpotRateLimits = {
  /** Requests per rolling window, and the window (default 100 per 10,000 ms). */
  requests?: number;
  intervalMs?: number;
  /** Search requests per second (default 4, under HubSpot's 5). */
  searchPerSecond?: number;
};

export type THubSpotClientOptions = {
  accessToken: string;
  /** Where HubSpot's API is (default https://api.hubapi.com): a proxy, or the local fake in tests. */
  apiBaseUrl?: string | null;
  retry?: THubSpotRetryOptions;
  limits?: THubSpotRateLimits;
  /** Gives up on one request after this long (default 30 s); it counts as a failed attempt. */
  timeoutMs?: number;
};

export type THubSpotClient = {
  baseUrl: string;
  /**
   * Runs one SDK call (`label` names it in errors: "search companies"), paced and retried. Throws
   * ConnectorError: hubspot_unauthorized (401/403), hubspot_rate_limited (429 to the last attempt),
   * hubspot_unavailable (5xx or an unreadable answer to the last attempt), hubspot_unreachable (no
   * answer), or a
   * HubSpotApiError (code hubspot_rejected) for any other answer, with HubSpot's category and context.
   */
  call<T>(label: string, run: (api: Client) => Promise<T>, options?: { search?: boolean }): Promise<T>;
};

/** HubSpot refused a request for a reason of its own (400, 404, 409…): its error body, parsed. */
export class HubSpotApiError extends ConnectorError {
  constructor(
    readonly status: number,
    readonly category: string | undefined,
    readonly context: Readonly<Record<string, readonly string[]>> | undefined,
    message: string,
  ) {
    super("hubspot_rejected", message);
    this.name = "HubSpotApiError";
  }
}

type TFailure =
  | { kind: "http"; status: number; headers: Record<string, string>; message: string; category?: string; context?: Record<string, string[]> }
  | { kind: "network"; message: string }
  | { kind: "unreadable"; message: string };

export function createHubSpotClient(options: THubSpotClientOptions): THubSpotClient {
  const baseUrl = (options.apiBaseUrl || HUBSPOT_API_BASE_URL).replace(/\/+$/, "");
  const api = new Client({ accessToken: options.accessToken, basePath: baseUrl, numberOfApiCallRetries: 0 });
  const retry = { ...DEFAULT_HUBSPOT_RETRY, ...options.retry };
  const attempts = Math.max(1, retry.attempts);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const paceAll = createWindowLimiter(options.limits?.requests ?? 100, options.limits?.intervalMs ?? 10_000);
  const paceSearch = createWindowLimiter(options.limits?.searchPerSecond ?? 4, 1_000);
  const secretFree = (text: string) => (options.accessToken ? text.split(options.accessToken).join("[token]") : text);

  async function call<T>(label: string, run: (client: Client) => Promise<T>, callOptions: { search?: boolean } = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (callOptions.search) await paceSearch();
      await paceAll();
      let failure: TFailure;
      try {
        return await withTimeout(run(api), timeoutMs);
      } catch (error) {
        failure = describeFailure(error, timeoutMs);
      }
      const status = failure.kind === "http" ? failure.status : 0;
      const retryable = failure.kind !== "http" || status === 429 || status >= 500;
      if (retryable && attempt < attempts) {
        const headers = failure.kind === "http" ? failure.headers : {};
        await sleep(computeHubSpotRetryDelay({ attempt, status, headers, options: retry }));
        continue;
      }
      throw toConnectorError(failure, { label, attempt, baseUrl, secretFree });
    }
  }

  return { baseUrl, call };
}

function toConnectorError(failure: TFailure, at: { label: string; attempt: number; baseUrl: string; secretFree: (text: string) => string }): ConnectorError {
  const tries = at.attempt === 1 ? "" : ` after ${at.attempt} attempts`;
  if (failure.kind === "network") {
    return new ConnectorError("hubspot_unreachable", at.secretFree(`Could not reach HubSpot at ${at.baseUrl} to ${at.label}${tries}: ${failure.message}`));
  }
  if (failure.kind === "unreadable") {
    return new ConnectorError("hubspot_unavailable", at.secretFree(`HubSpot's answer to ${at.label} could not be read${tries}: ${failure.message}`));
  }
  const said = at.secretFree(failure.message);
  if (failure.status === 401) {
    return new ConnectorError("hubspot_unauthorized", `HubSpot refused the access token (401): ${said} Check the private app's access token in the connector.`);
  }
  if (failure.status === 403) {
    return new ConnectorError(
      "hubspot_unauthorized",
      `HubSpot refused the access token (403): ${said} The private app needs the scopes crm.objects.companies.read, crm.objects.companies.write, crm.schemas.companies.read and crm.schemas.companies.write.`,
    );
  }
  if (failure.status === 429) {
    return new ConnectorError(
      "hubspot_rate_limited",
      `HubSpot kept answering 429 (rate limited) to ${at.label}${tries}: ${said} Other apps may be using this HubSpot account's API limit; the next run tries again.`,
    );
  }
  if (failure.status >= 500) {
    return new ConnectorError("hubspot_unavailable", `HubSpot answered ${failure.status} to ${at.label}${tries}: ${said}`);
  }
  return new HubSpotApiError(failure.status, failure.category, failure.context, `HubSpot answered ${failure.status} to ${at.label}: ${said}`);
}

/**
 * The SDK's ApiException (`code` = HTTP status, `body` = HubSpot's error body, `headers`), a network
 * failure (node-fetch's FetchError, a timeout), an answer the SDK could not parse (an empty 502 or
 * a proxy's page: it throws a bare Error without the status), or anything else (a bug: rethrown).
 */
function describeFailure(error: unknown, timeoutMs: number): TFailure {
  if (error instanceof TimeoutError) return { kind: "network", message: `no answer within ${timeoutMs} ms` };
  const candidate = (typeof error === "object" && error !== null ? error : {}) as { code?: unknown; body?: unknown; headers?: unknown; name?: unknown; message?: unknown };
  if (typeof candidate.code === "number" && candidate.code >= 100 && candidate.code <= 599) {
    const body = (candidate.body ?? {}) as { message?: unknown; category?: unknown; context?: unknown };
    const headers = typeof candidate.headers === "object" && candidate.headers ? (candidate.headers as Record<string, string>) : {};
    return {
      kind: "http",
      status: candidate.code,
      headers,
      message: typeof body.message === "string" && body.message ? body.message : `HTTP ${candidate.code}.`,
      category: typeof body.category === "string" ? body.category : undefined,
      context: typeof body.context === "object" && body.context ? (body.context as Record<string, string[]>) : undefined,
    };
  }
  if (candidate.name === "FetchError" || (typeof candidate.code === "string" && /^E[A-Z_]+$/.test(candidate.code))) {
    return { kind: "network", message: typeof candidate.message === "string" ? candidate.message : String(error) };
  }
  if (error instanceof SyntaxError || (error instanceof Error && /^Cannot parse content|is not supported by ObjectSerializer/.test(error.message))) {
    return { kind: "unreadable", message: error.message };
  }
  throw error;
}

class TimeoutError extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError()), ms);
  });
  promise.catch(() => undefined); // settles after the timeout: nobody waits for it any more
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
