// One API call with retries. The body is serialized once, before the first attempt, so every
// retry resends the same bytes (and so the same idempotency keys). Each attempt has its own
// timeout (AbortController), covering the response body too. 2xx → parsed JSON; any other status
// → `TallyApiError`; no answer after the last retry → `TallyConnectionError`.
import { TallyApiError, TallyConnectionError } from "./errors";
import { RETRYABLE_STATUSES, backoffDelay, retryDelay, sleep, type TRetryPolicy } from "./retry";
import type { TProblem } from "./types";

export type TTransport = {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  userAgent: string;
  fetch: typeof fetch;
  retry: TRetryPolicy;
};

export type TApiRequest = { method: "GET" | "POST"; path: string; body?: unknown };

type TAttempt =
  | { ok: true; status: number; headers: Headers; text: string }
  | { ok: false; error: unknown; timedOut: boolean };

export async function sendRequest<T>(transport: TTransport, request: TApiRequest): Promise<T> {
  const url = `${transport.baseUrl}${request.path}`;
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers: Record<string, string> = {
    authorization: `Bearer ${transport.apiKey}`,
    accept: "application/json, application/problem+json",
    "user-agent": transport.userAgent,
    ...(body === undefined ? {} : { "content-type": "application/json" }),
  };
  const { maxRetries } = transport.retry;

  for (let attempt = 1; ; attempt += 1) {
    const result = await attemptOnce(transport, url, { method: request.method, headers, body: body ?? null });
    const canRetry = attempt <= maxRetries;
    if (!result.ok) {
      if (canRetry) {
        await sleep(backoffDelay(attempt - 1, transport.retry));
        continue;
      }
      const what = result.timedOut ? `timed out after ${transport.timeoutMs} ms` : "failed";
      throw new TallyConnectionError(`${request.method} ${request.path} ${what} (${attempt} attempts)`, {
        attempts: attempt,
        timedOut: result.timedOut,
        cause: result.error,
      });
    }
    const requestId = result.headers.get("x-request-id") ?? undefined;
    if (result.status >= 200 && result.status < 300) {
      try {
        return JSON.parse(result.text) as T;
      } catch {
        throw new TallyApiError(synthesizedProblem(result.status, "invalid_response", result.text), requestId, attempt);
      }
    }
    if (RETRYABLE_STATUSES.has(result.status) && canRetry) {
      await sleep(retryDelay(attempt - 1, result.headers.get("retry-after"), transport.retry));
      continue;
    }
    throw new TallyApiError(toProblem(result.status, result.text), requestId, attempt);
  }
}

async function attemptOnce(transport: TTransport, url: string, init: RequestInit): Promise<TAttempt> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, transport.timeoutMs);
  try {
    const fetchImpl = transport.fetch; // called unbound: browsers reject fetch with a foreign `this`
    const response = await fetchImpl(url, { ...init, signal: controller.signal });
    const text = await response.text();
    return { ok: true, status: response.status, headers: response.headers, text };
  } catch (error) {
    return { ok: false, error, timedOut };
  } finally {
    clearTimeout(timer);
  }
}

/** The problem document of an error response; synthesized when a proxy answered with something else. */
function toProblem(status: number, text: string): TProblem {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && typeof (parsed as TProblem).code === "string") {
      const problem = parsed as Partial<TProblem> & { code: string };
      return { type: "about:blank", title: `HTTP ${status}`, detail: problem.code, ...problem, status };
    }
  } catch {
    // not JSON: fall through
  }
  return synthesizedProblem(status, `http_${status}`, text);
}

function synthesizedProblem(status: number, code: string, text: string): TProblem {
  const detail = text.trim().slice(0, 200) || `HTTP ${status} with an empty body`;
  return { type: "about:blank", title: `HTTP ${status}`, status, detail, code };
}
