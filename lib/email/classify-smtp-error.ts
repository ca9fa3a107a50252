// Pure: what a failed send means for its message. A 5xx answer to the message itself (its
// recipient or its content) is permanent: the message fails at once. A 5xx before that (the
// greeting, the login, our sender address) is the server's or our configuration's problem, not
// the message's, so it is retried like an outage. Connection problems, timeouts and 4xx answers
// are retried later with backoff and jitter.

export type TSmtpSendOutcome =
  | {
      kind: "retry";
      /** When this message is tried again. */
      delayMs: number;
      error: string;
      /**
       * The server (or our account) is at fault, not this message: the rest of the batch would fail
       * the same way, so it waits for the next attempt without using one of its own.
       */
      serverWide: boolean;
    }
  | { kind: "failed"; error: string };

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;
/** SMTP commands whose answer concerns this message only. */
const MESSAGE_COMMANDS = new Set(["RCPT TO", "DATA"]);
const MAX_ERROR_LENGTH = 500;

/** 30 s × 2^(attempt − 1), plus up to half again as jitter, at most an hour. */
export function emailBackoffMs(attempt: number, random: () => number = Math.random): number {
  const nominal = BASE_DELAY_MS * 2 ** Math.max(0, Math.min(attempt - 1, 20));
  return Math.min(MAX_DELAY_MS, Math.round(nominal + (random() * nominal) / 2));
}

/** `attempt`: this message's attempts so far, this one included. */
export function classifySmtpError(error: unknown, attempt: number, random: () => number = Math.random): TSmtpSendOutcome {
  const { code, command, responseCode } = smtpFields(error);
  const message = describe(error, code);
  const forThisMessage = command !== undefined && MESSAGE_COMMANDS.has(command);
  if (responseCode !== undefined && responseCode >= 500 && forThisMessage) return { kind: "failed", error: message };
  // nodemailer refused the message before sending it: an invalid address, too large.
  if (responseCode === undefined && (code === "EMESSAGE" || (code === "EENVELOPE" && command === "API"))) return { kind: "failed", error: message };
  const serverWide = !(forThisMessage && responseCode !== undefined && responseCode !== 421);
  return { kind: "retry", delayMs: emailBackoffMs(attempt, random), error: message, serverWide };
}

function smtpFields(error: unknown): { code?: string; command?: string; responseCode?: number } {
  if (typeof error !== "object" || error === null) return {};
  const { code, command, responseCode } = error as Record<string, unknown>;
  return {
    code: typeof code === "string" ? code : undefined,
    command: typeof command === "string" ? command : undefined,
    responseCode: typeof responseCode === "number" ? responseCode : undefined,
  };
}

/** One line, no stack: "EENVELOPE: Can't send mail - all recipients were rejected: 550 5.1.1 …". */
function describe(error: unknown, code: string | undefined): string {
  const text = error instanceof Error ? error.message : String(error);
  const line = `${code ? `${code}: ` : ""}${text}`.replace(/\s+/g, " ").trim();
  return line.length > MAX_ERROR_LENGTH ? `${line.slice(0, MAX_ERROR_LENGTH - 1)}…` : line;
}
