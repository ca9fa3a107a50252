// A lean `fetch` for the client's `fetch` option, over node:http with a keep-alive agent. The load
// generator shares the machine's cores with the server under test; Node 20's built-in fetch
// (undici) costs it about 1–2 ms of CPU per request here, node:http about 0.4 ms, so the
// server keeps more of the machine. Only what the client uses: string or URL input, method,
// headers, a string body, an AbortSignal; the answer is a real Response with its body read.
import http from "node:http";

export function createNodeFetch(options: { maxSockets: number }): typeof fetch {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  return (input, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const url = input instanceof URL ? input : new URL(typeof input === "string" ? input : input.url);
      const headers = new Headers(init.headers);
      const body = typeof init.body === "string" ? init.body : undefined;
      if (init.body != null && body === undefined) throw new TypeError("node-fetch: only string bodies are supported");
      const request = http.request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: `${url.pathname}${url.search}`,
          method: init.method ?? "GET",
          headers: { ...Object.fromEntries(headers), ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }) },
          signal: init.signal ?? undefined,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const responseHeaders = new Headers();
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
            }
            const status = response.statusCode ?? 0;
            const text = status === 204 || status === 304 ? null : Buffer.concat(chunks).toString("utf8");
            resolve(new Response(text, { status, headers: responseHeaders }));
          });
        },
      );
      request.on("error", reject);
      request.end(body);
    });
}
