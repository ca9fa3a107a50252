// One webhook delivery attempt over HTTP(S): a JSON POST with Stripe's headers, a total time limit,
// and a result instead of an exception (the dispatcher decides what a failure means).
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** How much of the receiver's answer the delivery log keeps. */
const MAX_RESPONSE_CHARS = 1_000;

export type TPostResult = { status: number | null; body: string | null; error: string | null };

export function postWebhook(url: string, payload: string, options: { signature: string; timeoutMs: number; signal: AbortSignal }): Promise<TPostResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: TPostResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const target = new URL(url);
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(
      target,
      {
        method: "POST",
        agent: false,
        signal: options.signal,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "content-length": Buffer.byteLength(payload),
          "stripe-signature": options.signature,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "cache-control": "no-cache",
          accept: "*/*; q=0.5, application/xml",
        },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          if (body.length < MAX_RESPONSE_CHARS) body += chunk;
        });
        response.on("end", () => finish({ status: response.statusCode ?? null, body: body.slice(0, MAX_RESPONSE_CHARS), error: null }));
        response.on("error", (error) => finish({ status: response.statusCode ?? null, body: null, error: error.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, body: null, error: `timed out after ${options.timeoutMs} ms` });
      outgoing.destroy();
    }, options.timeoutMs);
    outgoing.on("error", (error: NodeJS.ErrnoException) => finish({ status: null, body: null, error: error.code ? `${error.code}: ${error.message}` : error.message }));
    outgoing.end(payload);
  });
}
