// A local SMTP catcher for development and tests (as MailHog or Mailpit): it accepts every message
// over plain SMTP (no TLS; any login or none), keeps the newest in memory, and shows them over HTTP:
//   GET    /api/messages        JSON, newest first (`?to=address` keeps the messages to it, any case)
//   GET    /api/messages/:id    one message
//   DELETE /api/messages        forget every message
//   GET    /                    a readable page of the messages (`?refresh=5` reloads every 5 s)
// `startSmtpCatcher()` serves it; `main.ts` runs it from the command line.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer, type SMTPServerSession } from "smtp-server";

export type TCaughtMessage = {
  id: string;
  /** The From header as written (the envelope sender when there is none). */
  from: string;
  /** The envelope recipients: whom the server was asked to deliver to (Bcc included). */
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  receivedAt: string;
};

export type TSmtpCatcherOptions = {
  /** 0 (default): any free port. */
  smtpPort?: number;
  /** 0 (default): any free port. */
  httpPort?: number;
  host?: string;
  /** Messages kept; the oldest are dropped beyond it. */
  capacity?: number;
};

export type TRunningSmtpCatcher = {
  /** smtp://host:port, for SMTP_URL. */
  smtpUrl: string;
  httpUrl: string;
  /** Newest first. */
  messages(): TCaughtMessage[];
  clear(): void;
  stop(): Promise<void>;
};

const DEFAULT_CAPACITY = 1_000;
/** The largest message accepted (SIZE). */
const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export async function startSmtpCatcher(options: TSmtpCatcherOptions = {}): Promise<TRunningSmtpCatcher> {
  const host = options.host ?? "127.0.0.1";
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  /** Oldest first. */
  const stored: TCaughtMessage[] = [];
  const messages = () => stored.toReversed();
  const clear = () => {
    stored.length = 0;
  };

  const smtp = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ["STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 1_000,
    // Any login works, so an SMTP_URL with credentials can point here too.
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username ?? "anonymous" }),
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          stored.push(toCaughtMessage(parsed, session));
          if (stored.length > capacity) stored.splice(0, stored.length - capacity);
          callback();
        })
        .catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
    },
  });
  const smtpPort = await listen(
    (port, onListening) => smtp.listen(port, host, onListening),
    (onError) => smtp.once("error", onError),
    () => smtp.server.address() as AddressInfo,
    options.smtpPort ?? 0,
  );
  // A client's broken connection is reported here; the catcher carries on.
  smtp.on("error", () => undefined);

  const http = createServer((request, response) => {
    try {
      handleHttp(request, response, { messages, clear });
    } catch (error) {
      send(response, 500, "application/json", JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  });
  let httpPort: number;
  try {
    httpPort = await listen(
      (port, onListening) => http.listen(port, host, onListening),
      (onError) => http.once("error", onError),
      () => http.address() as AddressInfo,
      options.httpPort ?? 0,
    );
  } catch (error) {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    throw error;
  }

  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
  return {
    smtpUrl: `smtp://${urlHost}:${smtpPort}`,
    httpUrl: `http://${urlHost}:${httpPort}`,
    messages,
    clear,
    stop: async () => {
      http.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => smtp.close(() => resolve())),
      ]);
    },
  };
}

async function listen(
  start: (port: number, onListening: () => void) => void,
  onceError: (onError: (error: Error) => void) => void,
  address: () => AddressInfo,
  port: number,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    onceError(reject);
    start(port, resolve);
  });
  return address().port;
}

function toCaughtMessage(parsed: ParsedMail, session: SMTPServerSession): TCaughtMessage {
  const headers: Record<string, string> = {};
  for (const { key, line } of parsed.headerLines) {
    // "Name: value", folded lines unfolded.
    const value = line.slice(line.indexOf(":") + 1).replace(/\r?\n[ \t]+/g, " ").trim();
    headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
  }
  const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
  return {
    id: randomUUID(),
    from: parsed.from?.text ?? envelopeFrom,
    to: session.envelope.rcptTo.map((recipient) => recipient.address),
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: parsed.html === false ? null : parsed.html,
    headers,
    receivedAt: new Date().toISOString(),
  };
}

type TStore = { messages(): TCaughtMessage[]; clear(): void };

function handleHttp(request: IncomingMessage, response: ServerResponse, store: TStore) {
  const url = new URL(request.url ?? "/", "http://catcher");
  const method = request.method ?? "GET";
  const path = url.pathname.replace(/\/+$/, "") || "/";

  if (path === "/api/messages") {
    if (method === "GET") {
      const to = url.searchParams.get("to")?.trim().toLowerCase();
      const list = to ? store.messages().filter((message) => message.to.some((address) => address.toLowerCase() === to)) : store.messages();
      return send(response, 200, "application/json", JSON.stringify(list));
    }
    if (method === "DELETE") {
      store.clear();
      return send(response, 204, "text/plain", "");
    }
    return notAllowed(response, "GET, DELETE");
  }
  const one = /^\/api\/messages\/([^/]+)$/.exec(path);
  if (one) {
    if (method !== "GET") return notAllowed(response, "GET");
    const message = store.messages().find((candidate) => candidate.id === decodeURIComponent(one[1] ?? ""));
    return message
      ? send(response, 200, "application/json", JSON.stringify(message))
      : send(response, 404, "application/json", JSON.stringify({ error: "no such message" }));
  }
  if (path === "/") {
    if (method !== "GET" && method !== "HEAD") return notAllowed(response, "GET");
    const refresh = Number(url.searchParams.get("refresh"));
    return send(response, 200, "text/html; charset=utf-8", renderPage(store.messages(), Number.isInteger(refresh) && refresh > 0 ? refresh : null), {
      // The messages' own HTML is shown in sandboxed frames: no scripts, nothing loaded from outside.
      "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'",
    });
  }
  return send(response, 404, "application/json", JSON.stringify({ error: "not found" }));
}

function send(response: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}) {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store", ...headers });
  response.end(body);
}

function notAllowed(response: ServerResponse, allow: string) {
  send(response, 405, "application/json", JSON.stringify({ error: "method not allowed" }), { allow });
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function renderPage(messages: TCaughtMessage[], refresh: number | null): string {
  const items = messages.map(
    (message) => `<article>
  <h2>${escapeHtml(message.subject || "(no subject)")}</h2>
  <dl>
    <dt>To</dt><dd>${escapeHtml(message.to.join(", "))}</dd>
    <dt>From</dt><dd>${escapeHtml(message.from)}</dd>
    <dt>Received</dt><dd><time datetime="${escapeHtml(message.receivedAt)}">${escapeHtml(message.receivedAt.replace("T", " ").replace(/\.\d+Z$/, "Z"))}</time></dd>
  </dl>
  <pre>${escapeHtml(message.text)}</pre>${
    message.html === null
      ? ""
      : `\n  <details><summary>HTML version</summary><iframe sandbox title="HTML version" srcdoc="${escapeHtml(message.html)}"></iframe></details>`
  }
</article>`,
  );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>SMTP catcher (${messages.length})</title>${refresh ? `\n<meta http-equiv="refresh" content="${refresh}">` : ""}
<style>
  body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1f2933; }
  header p, .empty { color: #616e7c; }
  article { border: 1px solid #d9e2ec; border-radius: 6px; padding: 0.75rem 1rem; margin: 1rem 0; }
  h2 { font-size: 1.05rem; margin: 0 0 0.5rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.75rem; margin: 0 0 0.5rem; }
  dt { color: #616e7c; }
  dd { margin: 0; }
  pre { white-space: pre-wrap; word-break: break-word; background: #f5f7fa; padding: 0.5rem 0.75rem; margin: 0; }
  iframe { width: 100%; height: 24rem; border: 1px solid #d9e2ec; margin-top: 0.5rem; background: #fff; }
</style>
</head>
<body>
<header>
<h1>SMTP catcher</h1>
<p>${messages.length === 1 ? "1 message" : `${messages.length} messages`}, newest first, kept in memory until the catcher stops. JSON: <code>/api/messages</code>. <a href="?refresh=5">Reload every 5 s</a>.</p>
</header>
${items.length === 0 ? `<p class="empty">No mail yet.</p>` : items.join("\n")}
</body>
</html>
`;
}
